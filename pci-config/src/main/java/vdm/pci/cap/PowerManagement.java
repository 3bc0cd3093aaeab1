package vdm.pci.cap;

import vdm.pci.Effects;
import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.RegisterMap;

/** PCI Power Management capability, id 0x01, 8 bytes (PCI Bus Power Management Interface spec 1.2, 3.2). */
public final class PowerManagement extends Capability {
    public static final int ID = 0x01;
    /** PMCSR offset within the capability. */
    public static final int PMCSR = 4;
    private int pmc = 0x0003; // version 3 (PM 1.2)
    private boolean noSoftReset;
    private boolean dataSelectWritable;

    /** Power Management Capabilities register value (version, PME support, D1/D2, DSI...). */
    public PowerManagement capabilities(int pmc) {
        this.pmc = pmc & 0xffff;
        return this;
    }

    /** No_Soft_Reset: a D3hot -> D0 transition keeps the function's configuration. */
    public PowerManagement noSoftReset(boolean value) {
        this.noSoftReset = value;
        return this;
    }

    /** Data_Select (PMCSR 12:9) writable, as QEMU's e1000e declares it. */
    public PowerManagement dataSelectWritable(boolean value) {
        this.dataSelectWritable = value;
        return this;
    }

    public boolean noSoftReset() { return noSoftReset; }

    @Override
    public boolean declaresNoSoftReset() { return noSoftReset; }

    @Override public int id() { return ID; }
    @Override public String name() { return "PM"; }
    @Override public int length() { return 8; }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        String o = label(base);
        map.declare(o, "PMC", base + 2, 2, BitKind.CONST, pmc);
        int csr = base + PMCSR;
        map.declare(o, "PowerState", csr, 2, BitKind.RW, 0x0003, 0);
        map.declare(o, "NoSoftReset", csr, 2, BitKind.CONST, 0x0008, noSoftReset ? 0x0008 : 0);
        map.declare(o, "PME_En", csr, 2, BitKind.RW, 0x0100, 0);
        map.declare(o, "DataSelect", csr, 2, dataSelectWritable ? BitKind.RW : BitKind.CONST, 0x1e00, 0);
        map.declare(o, "DataScale", csr, 2, BitKind.CONST, 0x6000, 0);
        map.declare(o, "PME_Status", csr, 2, BitKind.RW1C, 0x8000, 0);
        map.declare(o, "PMCSR_BSE", csr + 2, 1, BitKind.CONST, 0);
        map.declare(o, "Data", csr + 3, 1, BitKind.CONST, 0);
        map.watch(csr, 2, 0x0003, Effects.POWER_STATE);
    }
}
