package vdm.ioapic;

/**
 * The 64-bit redirection table entry of one IO-APIC pin (Intel 82093AA, 3.2.4), as bit constants and static
 * accessors on a {@code long}: entries live as primitive words so that the hot paths never allocate.
 *
 * <pre>
 *  63..56 destination   16 mask   15 trigger (1 level)   14 remote IRR (RO)   13 polarity (1 active low)
 *  12 delivery status (RO)   11 destination mode (1 logical)   10..8 delivery mode   7..0 vector
 * </pre>
 * Bits 17..55 are reserved; like QEMU (live: low dword written 0xffffffff reads 0xffffafff) they store what is
 * written.
 */
public final class RedirectionEntry {
    public static final long VECTOR_MASK = 0xffL;
    public static final int DELIVERY_MODE_SHIFT = 8;
    public static final long DELIVERY_MODE_MASK = 7L << DELIVERY_MODE_SHIFT;
    public static final long DESTINATION_MODE = 1L << 11;
    public static final long DELIVERY_STATUS = 1L << 12;
    public static final long POLARITY = 1L << 13;
    public static final long REMOTE_IRR = 1L << 14;
    public static final long TRIGGER = 1L << 15;
    public static final long MASK = 1L << 16;
    public static final int DESTINATION_SHIFT = 56;
    /** The bits a register write cannot change (QEMU {@code IOAPIC_RO_BITS}). */
    public static final long READ_ONLY = DELIVERY_STATUS | REMOTE_IRR;
    /** After reset every pin is masked and everything else is 0 (82093AA, 3.2.4; QEMU {@code ioapic_reset_common}). */
    public static final long RESET = MASK;

    private RedirectionEntry() {
    }

    public static int vector(long entry) {
        return (int) (entry & VECTOR_MASK);
    }

    public static DeliveryMode deliveryMode(long entry) {
        return DeliveryMode.of((int) (entry >>> DELIVERY_MODE_SHIFT));
    }

    public static DestinationMode destinationMode(long entry) {
        return (entry & DESTINATION_MODE) != 0 ? DestinationMode.LOGICAL : DestinationMode.PHYSICAL;
    }

    public static boolean deliveryStatus(long entry) {
        return (entry & DELIVERY_STATUS) != 0;
    }

    public static Polarity polarity(long entry) {
        return Polarity.of((entry & POLARITY) != 0);
    }

    public static boolean remoteIrr(long entry) {
        return (entry & REMOTE_IRR) != 0;
    }

    public static TriggerMode trigger(long entry) {
        return TriggerMode.of((entry & TRIGGER) != 0);
    }

    public static boolean isLevel(long entry) {
        return (entry & TRIGGER) != 0;
    }

    public static boolean isMasked(long entry) {
        return (entry & MASK) != 0;
    }

    public static int destination(long entry) {
        return (int) (entry >>> DESTINATION_SHIFT);
    }

    /** An entry with the given fields, the read-only and reserved bits 0. */
    public static long of(int vector, DeliveryMode mode, DestinationMode destinationMode, Polarity polarity,
                          TriggerMode trigger, boolean masked, int destination) {
        if (vector < 0 || vector > 0xff) {
            throw new IllegalArgumentException("vector " + vector + " is not 0..255");
        }
        if (destination < 0 || destination > 0xff) {
            throw new IllegalArgumentException("destination " + destination + " is not 0..255");
        }
        return vector
                | (long) mode.code() << DELIVERY_MODE_SHIFT
                | (destinationMode == DestinationMode.LOGICAL ? DESTINATION_MODE : 0)
                | (polarity == Polarity.ACTIVE_LOW ? POLARITY : 0)
                | (trigger == TriggerMode.LEVEL ? TRIGGER : 0)
                | (masked ? MASK : 0)
                | (long) destination << DESTINATION_SHIFT;
    }

    /** A fixed-mode, physical, unmasked entry: the common case. */
    public static long fixed(int vector, TriggerMode trigger, Polarity polarity, int destination) {
        return of(vector, DeliveryMode.FIXED, DestinationMode.PHYSICAL, polarity, trigger, false, destination);
    }

    /** A readable decoding, e.g. {@code vec=0x30 FIXED PHYSICAL dest=0x01 LEVEL ACTIVE_LOW masked rirr}. */
    public static String toString(long entry) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("vec=0x%02x %s %s dest=0x%02x %s %s", vector(entry), deliveryMode(entry),
                destinationMode(entry), destination(entry), trigger(entry), polarity(entry)));
        if (isMasked(entry)) sb.append(" masked");
        if (remoteIrr(entry)) sb.append(" rirr");
        if (deliveryStatus(entry)) sb.append(" pending");
        return sb.toString();
    }
}
