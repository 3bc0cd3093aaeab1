package vdm.explore;

import java.util.List;
import vdm.host.PhysicalFunction;
import vdm.pci.ConfigRegisters;
import vdm.pci.cap.MsiX;
import vdm.xen.Vcpu;
import vdm.xen.Xen;

/**
 * dom0's iwlwifi driver on the registers it keeps on its MSI-X table's page ({@link Op#IWL_MSIX_IRQ}). Intel's Wi-Fi
 * parts since the 9000 series put the MSI-X table at BAR0 + 0x2000 (iwl-csr.h's CSR_MSIX_BASE) and the driver's
 * MSI-X cause, mask and IVAR registers on the same 4 KiB page (CSR_MSIX_FH_INT_CAUSES_AD = CSR_MSIX_BASE + 0x800 ...),
 * which a PVH dom0 reaches only through vPCI's trap (Xen b177892d2d).
 */
final class IwlwifiOps {
    static final int CSR_MSIX_BASE = 0x2000;
    static final int CSR_MSIX_FH_INT_CAUSES_AD = CSR_MSIX_BASE + 0x800, CSR_MSIX_FH_INT_MASK_AD = CSR_MSIX_BASE + 0x804;
    static final int CSR_MSIX_HW_INT_CAUSES_AD = CSR_MSIX_BASE + 0x808;
    /** enum msix_fh_int_causes' MSIX_FH_INT_CAUSES_FH_ERR and msix_hw_int_causes' MSIX_HW_INT_CAUSES_REG_SW_ERR. */
    static final long FH_ERR = 1L << 21, HW_SW_ERR = 1L << 25;
    private static final int CLASS_NETWORK_OTHER = 0x0280, VENDOR_INTEL = 0x8086;

    private IwlwifiOps() {}

    /** An Intel network controller (class 0280) with its MSI-X table where iwlwifi's register map has it: BAR0 + 0x2000. */
    static boolean iwlwifi(Run r) {
        PhysicalFunction f = r.vdm().host().require(r.device());
        if ((f.read(ConfigRegisters.VENDOR_ID, 2) & 0xffff) != VENDOR_INTEL) return false;
        if (f.read(ConfigRegisters.CLASS_REVISION, 4) >>> 16 != CLASS_NETWORK_OTHER) return false;
        MsiX x = MsiOps.hostMsix(r);
        return x != null && x.tableBir() == 0 && x.tableOffset() == CSR_MSIX_BASE;
    }

    /**
     * iwl_pcie_irq_msix_handler as Linux 6.6 to 6.12 run it: read the FH and HW cause registers and write them back to
     * clear them; nothing to do if both read 0 ("Ignore interrupt, inta == 0"). The FH causes are masked with the
     * fh_mask iwl_pcie_init_msix took from ~CSR_MSIX_FH_INT_MASK_AD, the SW error bit of the HW causes is tested
     * before their mask: a set one is IWL_ERR "Microcode SW error detected. Restarting 0x%X." and a firmware restart
     * (iwl_pcie_irq_handle_error). A dropped read returns all ones, which sets it.
     */
    static List<Failure> msixInterrupt(Run r) {
        Xen xen = r.vdm().xen();
        Vcpu v = r.vdm().dom0().vcpu(0);
        long bar0 = r.vdm().host().require(r.device()).barAddress(0); // dom0's addresses are the host's
        long fh = xen.mmioRead(v, bar0 + CSR_MSIX_FH_INT_CAUSES_AD, 4);
        long hw = xen.mmioRead(v, bar0 + CSR_MSIX_HW_INT_CAUSES_AD, 4);
        xen.mmioWrite(v, bar0 + CSR_MSIX_FH_INT_CAUSES_AD, 4, fh);
        xen.mmioWrite(v, bar0 + CSR_MSIX_HW_INT_CAUSES_AD, 4, hw);
        if ((fh | hw) == 0) return List.of();
        long fhMask = ~xen.mmioRead(v, bar0 + CSR_MSIX_FH_INT_MASK_AD, 4) & 0xffff_ffffL;
        long fhMasked = fh & fhMask;
        if ((fhMasked & FH_ERR) == 0 && (hw & HW_SW_ERR) == 0) return List.of();
        r.kernel().log().err("iwlwifi %s: Microcode SW error detected. Restarting 0x%X.", r.device(), fhMasked);
        return List.of(Failure.diverged("iwlwifi's MSI-X cause registers", String.format(
                "iwlwifi read CSR_MSIX_HW_INT_CAUSES_AD (BAR0 + 0x%x, on the MSI-X table's page) as 0x%08x and "
                        + "CSR_MSIX_FH_INT_CAUSES_AD as 0x%08x, which the device never set: the firmware is restarted",
                CSR_MSIX_HW_INT_CAUSES_AD, hw, fh)));
    }
}
