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
                        .build());
    }
}
