package vdm.ioapic;

/** Configures an {@link IoApic}; defaults are QEMU's: id 0, 24 pins, version 0x20, GSI base 0, 0xFEC00000. */
public final class IoApicBuilder {
    int id;
    int pins = IoApic.DEFAULT_PINS;
    int version = IoApic.VERSION_20;
    int gsiBase;
    long address = IoApic.DEFAULT_ADDRESS;
    InterruptSink sink = InterruptSink.DISCARD;

    IoApicBuilder() {
    }

    /** The IO-APIC ID (4 bits, as the 82093AA's ID register holds). */
    public IoApicBuilder id(int id) {
        if (id < 0 || id > 0xf) throw new IllegalArgumentException("IO-APIC id " + id + " is not 0..15");
        this.id = id;
        return this;
    }

    public IoApicBuilder pins(int pins) {
        if (pins < 1 || pins > IoApic.MAX_PINS) {
            throw new IllegalArgumentException("IO-APIC pin count " + pins + " is not 1.." + IoApic.MAX_PINS);
        }
        this.pins = pins;
        return this;
    }

    /** 0x11 (82093AA, Xen's vIO-APIC, no EOI register) or 0x20 (EOI register at 0x40); QEMU allows the same two. */
    public IoApicBuilder version(int version) {
        if (version != IoApic.VERSION_11 && version != IoApic.VERSION_20) {
            throw new IllegalArgumentException(String.format(
                    "IO-APIC version 0x%x is not supported: use 0x11 (no EOI register) or 0x20", version));
        }
        this.version = version;
        return this;
    }

    public IoApicBuilder gsiBase(int gsiBase) {
        if (gsiBase < 0) throw new IllegalArgumentException("GSI base " + gsiBase + " is negative");
        this.gsiBase = gsiBase;
        return this;
    }

    public IoApicBuilder address(long address) {
        this.address = address;
        return this;
    }

    public IoApicBuilder sink(InterruptSink sink) {
        if (sink == null) throw new NullPointerException("sink (use InterruptSink.DISCARD for none)");
        this.sink = sink;
        return this;
    }

    public IoApic build() {
        return new IoApic(this);
    }
}
