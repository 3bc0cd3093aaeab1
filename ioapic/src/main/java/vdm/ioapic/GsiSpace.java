package vdm.ioapic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The global system interrupt space a MADT describes (ACPI 6.5, 5.2.12): IO-APICs each serving GSIs
 * {@code gsiBase .. gsiBase + pins - 1} (GSI = base + pin), and interrupt source overrides mapping ISA IRQs to GSIs
 * (ISA IRQ0 -> GSI 2 unless told otherwise). GSI -> (IO-APIC, pin) is an array lookup; assert, deassert and EOI go
 * straight to the lock-free {@link IoApic} paths and allocate nothing. Immutable once built.
 */
public final class GsiSpace {
    /** GSIs 0 .. MAX_GSIS-1 may be served; bounds the lookup table (real machines stay well under 1000). */
    public static final int MAX_GSIS = 1 << 14;
    public static final int ISA_IRQS = 16;

    private final IoApic[] byGsi;
    private final IoApic[] ioApics;
    private final int[] isaGsi = new int[ISA_IRQS];
    private final InterruptSourceOverride[] overrideOf = new InterruptSourceOverride[ISA_IRQS];
    private final List<InterruptSourceOverride> overrides;

    private GsiSpace(IoApic[] sorted, List<InterruptSourceOverride> overrides) {
        this.ioApics = sorted;
        IoApic last = sorted[sorted.length - 1];
        this.byGsi = new IoApic[last.gsiBase() + last.pins()];
        for (IoApic a : sorted) {
            Arrays.fill(byGsi, a.gsiBase(), a.gsiBase() + a.pins(), a);
        }
        for (int irq = 0; irq < ISA_IRQS; irq++) isaGsi[irq] = irq;
        for (InterruptSourceOverride o : overrides) {
            isaGsi[o.isaIrq()] = o.gsi();
            overrideOf[o.isaIrq()] = o;
        }
        this.overrides = List.copyOf(overrides);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A space of these IO-APICs (at their own GSI bases) with the default override ISA IRQ0 -> GSI 2. */
    public static GsiSpace of(IoApic... ioApics) {
        Builder b = builder();
        for (IoApic a : ioApics) b.add(a);
        return b.build();
    }

    /** The IO-APIC serving {@code gsi}. */
    public IoApic ioApic(int gsi) {
        return lookup(gsi);
    }

    /** The pin of {@link #ioApic(int)} that {@code gsi} is. */
    public int pin(int gsi) {
        return gsi - lookup(gsi).gsiBase();
    }

    public boolean serves(int gsi) {
        return gsi >= 0 && gsi < byGsi.length && byGsi[gsi] != null;
    }

    public void assertGsi(int gsi) {
        IoApic a = lookup(gsi);
        a.assertPin(gsi - a.gsiBase());
    }

    public void deassertGsi(int gsi) {
        IoApic a = lookup(gsi);
        a.deassertPin(gsi - a.gsiBase());
    }

    public void setGsi(int gsi, boolean asserted) {
        IoApic a = lookup(gsi);
        a.setPin(gsi - a.gsiBase(), asserted);
    }

    /** The entry of the pin serving {@code gsi}. */
    public long entry(int gsi) {
        IoApic a = lookup(gsi);
        return a.entry(gsi - a.gsiBase());
    }

    /** The GSI ISA IRQ {@code irq} (0..15) arrives on: its override's, else the identity. */
    public int gsiOfIsaIrq(int irq) {
        checkIsa(irq);
        return isaGsi[irq];
    }

    public Optional<InterruptSourceOverride> override(int isaIrq) {
        checkIsa(isaIrq);
        return Optional.ofNullable(overrideOf[isaIrq]);
    }

    public List<InterruptSourceOverride> overrides() {
        return overrides;
    }

    public void setIsaIrq(int irq, boolean asserted) {
        setGsi(gsiOfIsaIrq(irq), asserted);
    }

    /**
     * Broadcasts an EOI for {@code vector} to every IO-APIC, as a local APIC does (QEMU {@code ioapic_eoi_broadcast}
     * and Xen {@code vioapic_update_EOI} walk all of them). Returns how many pins had remote IRR cleared.
     */
    public int eoi(int vector) {
        int n = 0;
        for (IoApic a : ioApics) n += a.eoi(vector);
        return n;
    }

    /** Adds the listener to every IO-APIC (it gets the GSI of each unmasked pin). */
    public void addUnmaskListener(UnmaskListener listener) {
        for (IoApic a : ioApics) a.addUnmaskListener(listener);
    }

    /** The IO-APICs, by GSI base. */
    public List<IoApic> ioApics() {
        return List.of(ioApics);
    }

    /** One more than the highest GSI served. */
    public int gsiLimit() {
        return byGsi.length;
    }

    public void reset() {
        for (IoApic a : ioApics) a.reset();
    }

    private IoApic lookup(int gsi) {
        IoApic a = gsi >= 0 && gsi < byGsi.length ? byGsi[gsi] : null;
        if (a == null) throw new UnknownGsiException(gsi, ranges());
        return a;
    }

    private String ranges() {
        StringJoiner j = new StringJoiner(", ");
        for (IoApic a : ioApics) j.add((a.gsiBase()) + ".." + (a.gsiBase() + a.pins() - 1));
        return j.toString();
    }

    private static void checkIsa(int irq) {
        if (irq < 0 || irq >= ISA_IRQS) throw new IllegalArgumentException("ISA IRQ " + irq + " is not 0..15");
    }

    @Override
    public String toString() {
        return "GsiSpace" + Arrays.toString(ioApics) + " overrides " + overrides;
    }

    /** Collects the MADT's IO-APIC and override entries; {@link #build()} checks them. */
    public static final class Builder {
        private final List<IoApic> ioApics = new ArrayList<>();
        private final List<InterruptSourceOverride> overrides = new ArrayList<>();
        private boolean defaultOverride = true;

        private Builder() {
        }

        /** An IO-APIC serving GSIs from its {@link IoApic#gsiBase()}. */
        public Builder add(IoApic ioApic) {
            if (ioApic == null) throw new NullPointerException("ioApic");
            ioApics.add(ioApic);
            return this;
        }

        public Builder override(InterruptSourceOverride override) {
            if (override == null) throw new NullPointerException("override");
            overrides.add(override);
            return this;
        }

        public Builder override(int isaIrq, int gsi, int flags) {
            return override(new InterruptSourceOverride(isaIrq, gsi, flags));
        }

        /** Leaves out the default ISA IRQ0 -> GSI 2 override (it is also dropped if IRQ0 gets an explicit one). */
        public Builder withoutDefaultOverride() {
            defaultOverride = false;
            return this;
        }

        /**
         * @throws IllegalArgumentException no IO-APIC, an IO-APIC added twice, two with one ID, a range past
         *                                  {@link #MAX_GSIS}, two overrides of one ISA IRQ, an override to a GSI
         *                                  nobody serves ({@link UnknownGsiException})
         * @throws GsiOverlapException      two IO-APICs whose GSI ranges intersect (names both)
         */
        public GsiSpace build() {
            if (ioApics.isEmpty()) throw new IllegalArgumentException("a GSI space needs at least one IO-APIC");
            IoApic[] sorted = ioApics.toArray(new IoApic[0]);
            Arrays.sort(sorted, Comparator.comparingInt(IoApic::gsiBase));
            for (int i = 0; i < sorted.length; i++) {
                IoApic a = sorted[i];
                if ((long) a.gsiBase() + a.pins() > MAX_GSIS) {
                    throw new IllegalArgumentException(a + " is out of range: GSIs stop at " + (MAX_GSIS - 1));
                }
                for (int j = 0; j < i; j++) {
                    IoApic b = sorted[j];
                    if (a == b) throw new IllegalArgumentException(a + " is added twice");
                    if (a.id() == b.id()) {
                        throw new IllegalArgumentException(b + " and " + a + " have the same IO-APIC ID " + a.id());
                    }
                }
                if (i > 0 && sorted[i - 1].gsiBase() + sorted[i - 1].pins() > a.gsiBase()) {
                    throw new GsiOverlapException(sorted[i - 1], a);
                }
            }
            List<InterruptSourceOverride> all = new ArrayList<>();
            boolean[] seen = new boolean[ISA_IRQS];
            for (InterruptSourceOverride o : overrides) {
                if (seen[o.isaIrq()]) {
                    throw new IllegalArgumentException("two interrupt source overrides for ISA IRQ " + o.isaIrq());
                }
                seen[o.isaIrq()] = true;
                all.add(o);
            }
            if (defaultOverride && !seen[0]) all.addFirst(InterruptSourceOverride.IRQ0_TO_GSI2);
            GsiSpace space = new GsiSpace(sorted, all);
            for (InterruptSourceOverride o : all) {
                if (!space.serves(o.gsi())) {
                    throw new UnknownGsiException(o.gsi(), space.ranges() + "; in the override of ISA IRQ "
                            + o.isaIrq());
                }
            }
            return space;
        }
    }
}
