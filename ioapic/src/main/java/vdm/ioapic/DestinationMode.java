package vdm.ioapic;

/** Redirection entry bit 11 (Intel 82093AA, 3.2.4); also bit 2 of the emitted message address. */
public enum DestinationMode {
    /** 0: the destination field is an APIC ID. */
    PHYSICAL,
    /** 1: the destination field is a logical set of local APICs. */
    LOGICAL
}
