package vdm.host;

/** A root bus: the bus a host bridge (PNP0A08, {@code _SEG} and {@code _BBN}) opens in a segment. */
public record RootBus(int segment, int bus) {
    public RootBus {
        if (segment < 0 || segment > 0xffff || bus < 0 || bus > 0xff) {
            throw new HostDescriptionException(String.format("root bus %04x:%02x", segment, bus), "segment must be 0..ffff and bus 00..ff");
        }
    }

    @Override
    public String toString() {
        return String.format("root bus %04x:%02x", segment, bus);
    }
}
