package vdm.replay;

import java.util.List;
import vdm.explore.Op;
import vdm.model.Fix;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.pci.Sbdf;

/** A chapter of the failure library: MSI-X tables and vPCI's holes in dom0's p2m (Xen's vpci/msix.c). */
final class MsixTableFailures {
    private MsixTableFailures() {}

    /** The AX201 of tigerlake-ax201.json: the CNVi Wi-Fi at 00:14.3. */
    static final Sbdf AX201 = Sbdf.parse("0000:00:14.3");
    /** The card in hotplug-slot.json's slot. */
    static final Sbdf SLOT_CARD = Sbdf.parse("0000:01:00.0");
    /** supermicro-as2126hs.json's FCH SATA controller. */
    static final Sbdf FCH_SATA = Sbdf.parse("0000:22:00.0");

    static List<KnownFailure> all() {
        Fixes upstream = Preset.UPSTREAM.fixes();
        return List.of(
                KnownFailure.named("msix-page-registers-dropped")
                        .source("Xen b177892d2d \"vpci/msix: handle accesses adjacent to the MSI-X table\" and 7a502b4fbc "
                                + "\"vpci/msix: restore PBA access length and alignment restrictions\" (4.18); the Intel Wi-Fi 6 AX201")
                        .summary("vPCI drops a PVH dom0's accesses to the registers on the MSI-X table's page: iwlwifi reads its "
                                + "interrupt causes as all ones and restarts the firmware")
                        .host(HostRef.file("tigerlake-ax201.json"), AX201)
                        .fix(Fix.MSIX_ADJACENT, upstream)
                        .ordering(Op.IWL_MSIX_IRQ)
                        .fails(Op.IWL_MSIX_IRQ, "Microcode SW error detected. Restarting", 0)
                        .explorer(KnownFailure.ExplorerSearch.within(1))
                        .fixNote("without the switch vPCI claims only the table and PBA themselves (Xen 4.17's msix_find); "
                                + "the rest of their pages is in no p2m and reads all ones")
                        .build(),
                KnownFailure.named("msix-hole-unmapped-bars")
                        .source("Xen 7c24d58a6e \"vpci/msix: check for BARs enabled in vpci_make_msix_hole\" (4.21), fixing "
                                + "ee2eb6849d \"vpci: Refactor REGISTER_VPCI_INIT\"")
                        .summary("a hot-plugged device arrives with its BARs zeroed and decoding off: init_msix punches its MSI-X "
                                + "hole at frame 0, dom0's RAM, fails -EEXIST and vPCI masks MSI-X, so dom0's driver cannot enable it")
                        .host(HostRef.file("hotplug-slot.json"), SLOT_CARD)
                        .fix(Fix.MSIX_HOLE_ENABLED_BARS, upstream)
                        .ordering(Op.SLOT_REPLUG, Op.DOM0_MSIX_ENABLE)
                        .fails(Op.SLOT_REPLUG, "0000:01:00.0: init legacy cap 17 fail rc=-17, mask it", 0)
                        .explorer(KnownFailure.ExplorerSearch.within(1))
                        .fixNote("off: vpci_make_msix_hole as of ee2eb6849d (called at the end of init_msix) computes the "
                                + "table's pages from a BAR that is not mapped; the first of them, frame 0, is dom0's RAM")
                        .build(),
                KnownFailure.named("msix-bir-empty-bar")
                        .source("Xen 53859596c0 \"vpci/msix: improve handling of bogus MSI-X capabilities\" (4.21); AMD FCH SATA "
                                + "Controller [AHCI mode] rev 93 on Supermicro AS -2126HS-TN")
                        .summary("the SATA controller's MSI-X BIR names an empty BAR: vPCI puts the table at address 0, dom0's RAM, "
                                + "and refuses every time dom0 turns memory decoding on, so a PVH dom0 cannot use its disks")
                        .host(HostRef.file("supermicro-as2126hs.json"), FCH_SATA)
                        // Xen as 53859596c0 found it: after ee2eb6849d, before 7c24d58a6e (whose BAR check alone would
                        // also skip the empty BAR, never mapped).
                        .fix(Fix.MSIX_BIR_CHECK, upstream.with(Fix.MSIX_HOLE_ENABLED_BARS, false))
                        .ordering(Op.DISABLE, Op.ENABLE)
                        .fails(Op.ENABLE, "0000:22:00.0: existing mapping (mfn: 1c1880 type: 0) at 0 clobbers MSIX MMIO area", 0)
                        .explorer(KnownFailure.ExplorerSearch.within(2))
                        .fixedPrints("Device bug: 0000:22:00.0: MSI-X vector table at invalid BAR2 with type 0",
                                "d0 0000:22:00.0: init legacy cap 17 fail rc=-19, mask it")
                        .fixNote("dom0's disable and enable stand for Linux's own toggle of decoding while it sizes the BARs "
                                + "(pci_read_bases), the first time the kernel turns decoding back on; with the fix Xen reports "
                                + "the device bug at boot and masks MSI-X, and the controller works with MSI")
                        .build());
    }
}
