package vdm.xen;

import java.util.List;
import vdm.errno.Errno;
import vdm.log.Level;
import vdm.pci.Sbdf;

/**
 * pci_enable_msi and pci_disable_msi (xen/arch/x86/msi.c): __pci_enable_msi / msi_capability_init for an MSI block,
 * __pci_enable_msix / msix_capability_init for one MSI-X entry, each followed by setup_msi_irq (the message Xen
 * composed written to the device), and __pci_disable_msi / __pci_disable_msix. Runs under {@link MsiIrqs}' lock.
 * Returns 0, the errno, or (MSI) a positive vector count when the device offers fewer than asked.
 */
final class MsiEnable {
    private MsiEnable() {}

    /** __pci_enable_msi + msi_capability_init + setup_msi_irq for the irqs of a block (one for plain MSI). */
    static int msi(Xen xen, MsiIrqs irqs, PciHardware hw, Sbdf sbdf, List<Integer> blockIrqs, int ownerId) {
        XenLog log = xen.log();
        int pos = MsiProgramming.findCapability(hw, MsiProgramming.CAP_ID_MSI);
        if (irqs.find(sbdf, false, blockIrqs.get(0)) != null) {
            log.log(-1, Level.ERR, String.format("irq %d already mapped to MSI on %s", blockIrqs.get(0), sbdf));
            return -Errno.EEXIST;
        }
        MsiDesc msix = irqs.find(sbdf, true, -1);
        if (msix != null) {
            log.log(-1, Level.WARNING, String.format("MSI-X already in use on %s", sbdf));
            disable(xen, irqs, msix);
        }
        if (pos == 0) return -Errno.ENODEV;
        int nvec = blockIrqs.size();
        int maxvec = MsiProgramming.msiMaxVectors(hw, pos);
        if (nvec > maxvec) return maxvec;
        int control = hw.read(pos + MsiProgramming.MSI_FLAGS, 2);
        boolean is64 = (control & MsiProgramming.MSI_FLAGS_64BIT) != 0;
        boolean maskbit = (control & MsiProgramming.MSI_FLAGS_MASKBIT) != 0;
        int base = irqs.vectors(nvec);
        if (base < 0) return base;
        MsiProgramming.msiInit(hw, pos, nvec, maxvec);
        int mpos = maskbit ? MsiProgramming.maskBitsReg(pos, is64) : -1;
        for (int i = 0; i < nvec; i++) {
            MsiDesc d = new MsiDesc(blockIrqs.get(i), sbdf, false, pos, i, i == 0 ? nvec : 0, is64, maskbit, mpos, 0, 0, base + i,
                    MsiIrqs.XEN_CPU_APIC_ID, ownerId, maskbit, false);
            MsiProgramming.writeMessage(hw, xen.bus(), d); // only entry 0 writes the registers
            irqs.publish(d);
        }
        return 0;
    }

    /**
     * __pci_enable_msix + msix_capability_init + setup_msi_irq for entry {@code info.entryNr()}: the table's address
     * comes from its BAR as Xen reads it (read_pci_mem_bar; {@code info.tableBase()}, the BAR's address as the caller
     * knows it, only when the BAR reads 0) for the device's first entry in use, and is kept for the others.
     */
    static int msix(Xen xen, MsiIrqs irqs, PciHardware hw, MsiIrqs.MsiInfo info, int irq, int ownerId) {
        XenLog log = xen.log();
        Sbdf sbdf = info.sbdf();
        int pos = MsiProgramming.findCapability(hw, MsiProgramming.CAP_ID_MSIX);
        if (pos == 0) return -Errno.ENODEV;
        if (info.entryNr() < 0 || info.entryNr() >= MsiProgramming.msixEntries(hw, pos)) return -Errno.EINVAL;
        if (irqs.find(sbdf, true, irq) != null) {
            log.log(-1, Level.ERR, String.format("irq %d already mapped to MSI-X on %s", irq, sbdf));
            return -Errno.EEXIST;
        }
        MsiDesc msi = irqs.find(sbdf, false, -1);
        if (msi != null) {
            log.log(-1, Level.WARNING, String.format("MSI already in use on %s", sbdf));
            disable(xen, irqs, msi);
        }
        MsiProgramming.MsixState st = irqs.msixState(sbdf);
        int cpos = pos + MsiProgramming.MSIX_FLAGS;
        int control = hw.read(cpos, 2);
        boolean maskall = st.hostMaskall;
        // "Ensure MSI-X interrupts are masked during setup": enabled with Function Mask while Xen touches the table.
        st.hostMaskall = true;
        hw.write(cpos, 2, control | MsiProgramming.MSIX_FLAGS_ENABLE | MsiProgramming.MSIX_FLAGS_MASKALL);
        if (!MsiProgramming.memoryDecoded(hw)) {
            hw.write(cpos, 2, control & ~MsiProgramming.MSIX_FLAGS_ENABLE);
            return -Errno.ENXIO;
        }
        int tableOffset = hw.read(pos + MsiProgramming.MSIX_TABLE, 4);
        boolean first = st.usedEntries == 0;
        long table;
        if (first) {
            table = MsiProgramming.readMemBar(hw, tableOffset & MsiProgramming.MSIX_BIRMASK);
            if (table == 0) {
                if (info.tableBase() == 0) {
                    hw.write(cpos, 2, control & ~MsiProgramming.MSIX_FLAGS_ENABLE);
                    return -Errno.ENXIO;
                }
                table = info.tableBase();
            }
            table += tableOffset & ~MsiProgramming.MSIX_BIRMASK & 0xffff_ffffL;
        } else {
            MsiDesc other = irqs.find(sbdf, true, -1);
            if (other == null) {
                hw.write(cpos, 2, control);
                return -Errno.ENODATA;
            }
            table = other.tableBase;
        }
        int vector = irqs.vectors(1);
        if (vector < 0) {
            hw.write(cpos, 2, control);
            return vector;
        }
        long entry = table + (long) info.entryNr() * MsiProgramming.MSIX_ENTRY_SIZE;
        xen.bus().mmioWrite(entry + MsiProgramming.MSIX_ENTRY_VECTOR_CTRL, 4, 1); // "Mask interrupt here"
        MsiDesc d = new MsiDesc(irq, sbdf, true, pos, info.entryNr(), 1, true, true, -1, entry, table, vector, MsiIrqs.XEN_CPU_APIC_ID,
                ownerId, true, true);
        if (first) {
            maskall = false;
            control = st.guestMaskall ? control | MsiProgramming.MSIX_FLAGS_MASKALL : control & ~MsiProgramming.MSIX_FLAGS_MASKALL;
        }
        st.usedEntries++;
        st.hostMaskall = maskall;
        hw.write(cpos, 2, control);
        int rc = MsiProgramming.writeMessage(hw, xen.bus(), d);
        if (rc != 0) {
            MsiProgramming.disableMsix(log, hw, xen.bus(), d, st);
            return rc;
        }
        irqs.publish(d);
        return 0;
    }

    /** pci_disable_msi: the device's MSI disabled, or the MSI-X entry masked and released. */
    static void disable(Xen xen, MsiIrqs irqs, MsiDesc d) {
        PciHardware hw = xen.bus().function(d.sbdf.packed());
        if (hw == null) return;
        if (d.msix) MsiProgramming.disableMsix(xen.log(), hw, xen.bus(), d, irqs.msixState(d.sbdf));
        else MsiProgramming.disableMsi(hw, d, irqs.bindings().delivery(d.irq) != null);
    }
}
