package vdm.ioapic;

/** Redirection entry bits 8..10 (Intel 82093AA, 3.2.4); also bits 8..10 of the emitted message data. */
public enum DeliveryMode {
    FIXED,
    LOWEST_PRIORITY,
    SMI,
    /** 011: reserved by the datasheet; stored and emitted as written, as QEMU does. */
    RESERVED_3,
    NMI,
    INIT,
    /** 110: reserved by the datasheet; stored and emitted as written, as QEMU does. */
    RESERVED_6,
    EXT_INT;

    private static final DeliveryMode[] BY_CODE = values();

    /** The mode whose 3-bit code is {@code code & 7}. */
    public static DeliveryMode of(int code) {
        return BY_CODE[code & 7];
    }

    /** The 3-bit code. */
    public int code() {
        return ordinal();
    }
}
