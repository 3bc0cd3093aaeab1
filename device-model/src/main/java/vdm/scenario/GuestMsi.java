package vdm.scenario;

import java.util.ArrayList;
import java.util.List;
import vdm.host.MsiOutcome;
import vdm.host.PhysicalFunction;
import vdm.pci.cap.Msi;
import vdm.pci.cap.MsiX;
import vdm.system.Machine;
import vdm.toolstack.XenPtDevice;
import vdm.xen.MsiReceipts;
import vdm.xen.Vcpu;

/**
 * What a guest's driver does with a passed-through device's MSI and MSI-X, as Linux's drivers/pci/msi does it, through
 * the device's emulated config space ({@link XenPtDevice#guestWrite}) and guest MMIO on its table page
 * ({@code Xen.mmioWrite} from the guest's vCPU 0, 4-byte accesses as Linux's readl/writel make them). The device's
 * side is {@link PhysicalFunction#fireMsi}/{@link PhysicalFunction#fireMsix}; what arrives is the guest's
 * {@link MsiReceipts}.
 */
public final class GuestMsi {
    /** The guest vectors: the first is Linux's first external vector on x86 (FIRST_EXTERNAL_VECTOR 0x20 + a few); any free one works. */
    public static final int FIRST_VECTOR = 0x61;
    /** How many MSI-X entries the scenario's guest uses: a driver asks for about one per vCPU plus one; four is plenty to show each. */
    public static final int MSIX_VECTORS = 4;
    /** The local APICs' interrupt window (Intel SDM vol. 3, 11.11.1): 0xfee, destination id in 19:12, physical mode. */
    public static final long MSI_ADDRESS = 0xfee0_0000L;

    // PCI Local Bus 3.0, 6.8.1 (MSI) and 6.8.2 (MSI-X): offsets in the capability, Message Control bits.
    private static final int STATUS = 0x06, STATUS_CAP_LIST = 0x10, CAP_PTR = 0x34;
    private static final int CONTROL = 0x02;
    private static final int MSI_ENABLE = 0x0001, MSI_MME = 0x0070, MSI_64BIT = 0x0080, MSI_MASKBIT = 0x0100;
    private static final int MSIX_ENABLE = 0x8000, MSIX_MASKALL = 0x4000, MSIX_QSIZE = 0x07ff;
    private static final int MSIX_TABLE = 0x04, MSIX_BIR = 0x7;
    /** One MSI-X table entry: Message Address low, high, Message Data, Vector Control (bit 0: masked). */
    public static final int ENTRY_SIZE = 16, ENTRY_ADDR_LO = 0, ENTRY_ADDR_HI = 4, ENTRY_DATA = 8, ENTRY_CTRL = 12;

    private GuestMsi() {}

    /** A vector as the guest programmed it: the MSI-X entry (0 for MSI), its guest vector and destination APIC id. */
    public record GuestVector(int entry, int vector, int destination) {
        /** The message address the guest writes: fixed delivery to APIC id {@code destination}, physical mode. */
        public long address() { return MSI_ADDRESS | (long) destination << 12; }
        /** The message data: the vector, fixed delivery, edge (Linux's msi_msg for a vector on x86). */
        public int data() { return vector; }
    }

    /** One vector fired by the device: what the device did with it, how many interrupts the guest got on the vector meanwhile, and where. */
    public record Receipt(GuestVector vector, MsiOutcome outcome, long received, int destination) {
        public boolean arrived() {
            return outcome == MsiOutcome.SENT && received == 1 && destination == vector.destination();
        }

        public String describe() {
            return String.format("entry %d vector 0x%x: %s, %d received, destination %d (wanted %d)", vector.entry(), vector.vector(),
                    outcome.name().toLowerCase(), received, destination, vector.destination());
        }
    }

    /** The offset of the guest's capability {@code id} in its config space, walking the list QEMU shows it; -1 if absent. */
    public static int capability(XenPtDevice pt, int id) {
        if ((pt.guestRead(STATUS, 2) & STATUS_CAP_LIST) == 0) return -1;
        int at = pt.guestRead(CAP_PTR, 1) & 0xfc;
        for (int hops = 0; at >= 0x40 && hops < 48; hops++) { // 48: the most a 256-byte space can hold (Linux's PCI_FIND_CAP_TTL)
            if (pt.guestRead(at, 1) == id) return at;
            at = pt.guestRead(at + 1, 1) & 0xfc;
        }
        return -1;
    }

    /** The vector for entry {@code n}, spread over the guest's vCPUs (an HVM vCPU's APIC id is twice its number: vlapic_reset). */
    static GuestVector vector(XenPtDevice pt, int n) {
        return new GuestVector(n, FIRST_VECTOR + n, 2 * (n % pt.guest().vcpuCount()));
    }

    // ---------------------------------------------------------------- MSI-X

    /** Entries in the guest's MSI-X table (Table Size + 1), 0 without the capability. */
    public static int msixTableSize(XenPtDevice pt) {
        int cap = capability(pt, MsiX.ID);
        return cap < 0 ? 0 : (pt.guestRead(cap + CONTROL, 2) & MSIX_QSIZE) + 1;
    }

    /**
     * The guest address of its MSI-X table: the guest BAR the Table BIR names, as the guest's BAR register holds it now
     * (both halves of a 64-bit BAR), plus the table offset; -1 without the capability or while that BAR has no address.
     */
    public static long msixTable(XenPtDevice pt) {
        int cap = capability(pt, MsiX.ID);
        if (cap < 0) return -1;
        int reg = pt.guestRead(cap + MSIX_TABLE, 4);
        int bir = reg & MSIX_BIR;
        int low = pt.guestRead(0x10 + 4 * bir, 4);
        if ((low & 0x1) != 0) return -1; // an IO BAR cannot hold a table (Xen hides such a capability)
        long base = low & 0xffff_fff0L;
        if ((low & 0x6) == 0x4 && bir < 5) base |= (long) pt.guestRead(0x10 + 4 * (bir + 1), 4) << 32;
        return base == 0 ? -1 : base + (reg & ~MSIX_BIR);
    }

    /**
     * Linux's msix_capability_init: MSI-X enabled with the function masked, each of the first {@code count} entries
     * masked and given its message, the function unmasked, then each entry unmasked (request_irq). Returns the vectors.
     */
    public static List<GuestVector> enableMsix(Machine vdm, XenPtDevice pt, long table, int count) {
        int cap = capability(pt, MsiX.ID);
        if (cap < 0) throw new IllegalArgumentException(pt.hostAddress() + ": the guest sees no MSI-X capability");
        setControl(pt, cap, MSIX_ENABLE | MSIX_MASKALL, 0);
        List<GuestVector> vectors = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            GuestVector v = vector(pt, n);
            maskEntry(vdm, pt, table, n, true);
            writeEntry(vdm, pt, table, v);
            vectors.add(v);
        }
        setControl(pt, cap, 0, MSIX_MASKALL);
        for (GuestVector v : vectors) maskEntry(vdm, pt, table, v.entry(), false);
        return List.copyOf(vectors);
    }

    /** Linux's pci_msix_shutdown: every entry masked, then MSI-X disabled. */
    public static void disableMsix(Machine vdm, XenPtDevice pt, long table, int count) {
        int cap = capability(pt, MsiX.ID);
        if (cap < 0) return;
        for (int n = 0; n < count; n++) maskEntry(vdm, pt, table, n, true);
        setControl(pt, cap, 0, MSIX_ENABLE | MSIX_MASKALL);
    }

    /** The guest sets or clears MSI-X's Function Mask. */
    public static void maskAll(XenPtDevice pt, boolean mask) {
        int cap = capability(pt, MsiX.ID);
        if (cap >= 0) setControl(pt, cap, mask ? MSIX_MASKALL : 0, mask ? 0 : MSIX_MASKALL);
    }

    /** The guest writes entry {@code v.entry()}'s address and data (its vector control untouched), as __pci_write_msi_msg does. */
    public static void writeEntry(Machine vdm, XenPtDevice pt, long table, GuestVector v) {
        long e = table + (long) ENTRY_SIZE * v.entry();
        Vcpu cpu = pt.guest().vcpu(0);
        vdm.xen().mmioWrite(cpu, e + ENTRY_ADDR_LO, 4, v.address() & 0xffff_ffffL);
        vdm.xen().mmioWrite(cpu, e + ENTRY_ADDR_HI, 4, v.address() >>> 32);
        vdm.xen().mmioWrite(cpu, e + ENTRY_DATA, 4, v.data() & 0xffff_ffffL);
    }

    /** The guest masks or unmasks entry {@code n} (pci_msix_mask / pci_msix_unmask: Vector Control bit 0). */
    public static void maskEntry(Machine vdm, XenPtDevice pt, long table, int n, boolean mask) {
        vdm.xen().mmioWrite(pt.guest().vcpu(0), table + (long) ENTRY_SIZE * n + ENTRY_CTRL, 4, mask ? 1 : 0);
    }

    /** The device raises entry {@code v.entry()}; what the guest received on its vector meanwhile. */
    public static Receipt fireMsix(Machine vdm, XenPtDevice pt, GuestVector v) {
        PhysicalFunction f = vdm.host().require(pt.hostAddress());
        MsiReceipts got = pt.guest().msiReceipts();
        long before = got.count(v.vector());
        MsiOutcome outcome = f.fireMsix(v.entry());
        return new Receipt(v, outcome, got.count(v.vector()) - before, got.destination(v.vector()));
    }

    // ---------------------------------------------------------------- MSI

    /**
     * Linux's msi_capability_init for one vector (QEMU's xen_pt supports no more: xen_pt_msgctrl_reg_write warns "Tries
     * to set more than 1 vector"): the vector masked if the function can, address and data written, MSI enabled with
     * MME 0, then unmasked. Returns the vector.
     */
    public static GuestVector enableMsi(XenPtDevice pt) {
        int cap = capability(pt, Msi.ID);
        if (cap < 0) throw new IllegalArgumentException(pt.hostAddress() + ": the guest sees no MSI capability");
        int control = pt.guestRead(cap + CONTROL, 2);
        GuestVector v = vector(pt, 0);
        maskMsi(pt, true);
        pt.guestWrite(cap + 4, 4, (int) v.address());
        if ((control & MSI_64BIT) != 0) pt.guestWrite(cap + 8, 4, (int) (v.address() >>> 32));
        pt.guestWrite(cap + dataOffset(control), 2, v.data());
        setControl(pt, cap, MSI_ENABLE, MSI_MME);
        maskMsi(pt, false);
        return v;
    }

    /** Linux's pci_msi_shutdown: MSI disabled (the vector is left masked if the function can mask). */
    public static void disableMsi(XenPtDevice pt) {
        int cap = capability(pt, Msi.ID);
        if (cap < 0) return;
        maskMsi(pt, true);
        setControl(pt, cap, 0, MSI_ENABLE);
    }

    /** The guest sets or clears vector 0's bit in the Mask Bits register; nothing on a function without per-vector masking. */
    public static void maskMsi(XenPtDevice pt, boolean mask) {
        int cap = capability(pt, Msi.ID);
        if (cap < 0) return;
        int control = pt.guestRead(cap + CONTROL, 2);
        if ((control & MSI_MASKBIT) == 0) return;
        int at = cap + dataOffset(control) + 4;
        int bits = pt.guestRead(at, 4);
        pt.guestWrite(at, 4, mask ? bits | 1 : bits & ~1);
    }

    /** Whether the guest has MSI enabled. */
    public static boolean msiEnabled(XenPtDevice pt) {
        int cap = capability(pt, Msi.ID);
        return cap >= 0 && (pt.guestRead(cap + CONTROL, 2) & MSI_ENABLE) != 0;
    }

    /** Whether the guest has MSI-X's Function Mask set. */
    public static boolean maskedAll(XenPtDevice pt) {
        int cap = capability(pt, MsiX.ID);
        return cap >= 0 && (pt.guestRead(cap + CONTROL, 2) & MSIX_MASKALL) != 0;
    }

    /** Whether the guest has MSI vector 0 masked (false on a function without per-vector masking). */
    public static boolean msiMasked(XenPtDevice pt) {
        int cap = capability(pt, Msi.ID);
        if (cap < 0) return false;
        int control = pt.guestRead(cap + CONTROL, 2);
        return (control & MSI_MASKBIT) != 0 && (pt.guestRead(cap + dataOffset(control) + 4, 4) & 1) != 0;
    }

    /** Whether the guest has MSI-X enabled. */
    public static boolean msixEnabled(XenPtDevice pt) {
        int cap = capability(pt, MsiX.ID);
        return cap >= 0 && (pt.guestRead(cap + CONTROL, 2) & MSIX_ENABLE) != 0;
    }

    /** The device raises MSI vector 0; what the guest received on its vector meanwhile. */
    public static Receipt fireMsi(Machine vdm, XenPtDevice pt, GuestVector v) {
        PhysicalFunction f = vdm.host().require(pt.hostAddress());
        MsiReceipts got = pt.guest().msiReceipts();
        long before = got.count(v.vector());
        MsiOutcome outcome = f.fireMsi(0);
        return new Receipt(v, outcome, got.count(v.vector()) - before, got.destination(v.vector()));
    }

    /** Message Data's offset: 0x8 for 32-bit addresses, 0xc with the upper address dword. */
    private static int dataOffset(int control) {
        return (control & MSI_64BIT) != 0 ? 0xc : 0x8;
    }

    private static void setControl(XenPtDevice pt, int cap, int set, int clear) {
        int control = pt.guestRead(cap + CONTROL, 2);
        pt.guestWrite(cap + CONTROL, 2, (control & ~clear) | set);
    }
}
