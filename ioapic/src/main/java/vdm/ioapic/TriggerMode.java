package vdm.ioapic;

/** Redirection entry bit 15 (Intel 82093AA, 3.2.4): how the IO-APIC samples a pin. */
public enum TriggerMode {
    /** 0: an asserting edge is one interrupt; nothing waits for an EOI. */
    EDGE,
    /** 1: the pin is delivered while asserted; remote IRR holds it until the local APIC's EOI. */
    LEVEL;

    static TriggerMode of(boolean level) {
        return level ? LEVEL : EDGE;
    }
}
