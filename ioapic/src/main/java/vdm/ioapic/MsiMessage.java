package vdm.ioapic;

/**
 * The message an IO-APIC emits for a redirection entry, in the MSI address/data layout the local APICs decode
 * (Intel SDM vol. 3, 11.11). The encoding follows QEMU's {@code ioapic_entry_parse}: entry bits 48..63 go to address
 * bits 4..19, so the destination (56..63) lands in address bits 12..19 and bits 48..55 (the extended destination
 * or the remapping index when interrupt remapping is on) in bits 4..11; the destination mode is address bit 2; data
 * carries the vector, the delivery mode (8..10) and the trigger (15). Static methods on primitives: no allocation.
 */
public final class MsiMessage {
    /** The local APICs' message window. */
    public static final long BASE_ADDRESS = 0xFEE0_0000L;

    private MsiMessage() {
    }

    public static long address(long entry) {
        return BASE_ADDRESS
                | ((entry >>> 48) & 0xffff) << 4
                | ((entry & RedirectionEntry.DESTINATION_MODE) != 0 ? 1L << 2 : 0);
    }

    public static int data(long entry) {
        return (int) (entry & (RedirectionEntry.VECTOR_MASK | RedirectionEntry.DELIVERY_MODE_MASK
                | RedirectionEntry.TRIGGER));
    }

    public static int destination(long address) {
        return (int) (address >>> 12) & 0xff;
    }

    public static DestinationMode destinationMode(long address) {
        return (address & (1L << 2)) != 0 ? DestinationMode.LOGICAL : DestinationMode.PHYSICAL;
    }

    public static int vector(int data) {
        return data & 0xff;
    }

    public static DeliveryMode deliveryMode(int data) {
        return DeliveryMode.of(data >>> 8);
    }

    public static TriggerMode trigger(int data) {
        return TriggerMode.of((data & (1 << 15)) != 0);
    }
}
