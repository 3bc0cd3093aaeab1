package vdm.ioapic;

/** Two IO-APICs of a {@link GsiSpace} whose GSI ranges ({@code base .. base + pins - 1}) intersect. */
public final class GsiOverlapException extends IllegalArgumentException {
    private final transient IoApic first;
    private final transient IoApic second;

    GsiOverlapException(IoApic first, IoApic second) {
        super(first + " and " + second + " overlap: both would serve GSI "
                + Math.max(first.gsiBase(), second.gsiBase()));
        this.first = first;
        this.second = second;
    }

    public IoApic first() {
        return first;
    }

    public IoApic second() {
        return second;
    }
}
