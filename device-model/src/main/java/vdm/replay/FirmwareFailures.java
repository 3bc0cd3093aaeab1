package vdm.replay;

import java.util.List;
import vdm.errno.Errno;
import vdm.explore.Op;
import vdm.model.Fix;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.pci.Sbdf;

/** A chapter of the failure library: what firmware leaves behind: MSI-X state, BARs over the memory map. */
final class FirmwareFailures {
    private FirmwareFailures() {}

    /** The NVMe controller of maskall-host.json, whose firmware left MASKALL and ENABLE set. */
    static final Sbdf MASKALL_NVME = Sbdf.parse("0000:01:00.0");

    static List<KnownFailure> all() {
        Fixes upstream = Preset.UPSTREAM.fixes();
        return List.of(
                KnownFailure.named("firmware-msix-maskall")
                        .source("Xen 913751d7af \"x86/msi: clear initial MSI-X state on boot\" (Marek Marczykowski-Górecki, "
                                + "reported by Jason Andryuk; Xen 4.18)")
                        .summary("firmware leaves MSI-X MASKALL set and the device's resets keep it: pci_reset_msix_state takes it "
                                + "for Xen's own and refuses the device -EBUSY, first at libxl's quarantine")
                        .host(HostRef.file("maskall-host.json"), MASKALL_NVME)
                        .fix(Fix.MSIX_INITIAL_STATE, upstream)
                        .ordering(Op.ASSIGN, Op.ATTACH)
                        // assign_device(dom_io) -> pdev_msix_assign -> pci_reset_msix_state: -EBUSY, printed as
                        // "%pd: assign %s(%pp) failed (%d)"; libxl's pci-assignable-add then logs "failed to quarantine"
                        .fails(Op.ASSIGN, "d[IO]: assign (0000:01:00.0) failed (-16)", Errno.EBUSY)
                        .explorer(KnownFailure.ExplorerSearch.within(1))
                        .fixNote("the switch is 913751d7af exactly: pdev_msi_init clears MASKALL and ENABLE at boot "
                                + "(\"unexpected initial MSI-X state (MASKALL=1, ENABLE=1), fixing\"); pci_reset_msix_state's "
                                + "refusal (575e18d54d, Xen 4.13) is there either way")
                        .build());
    }
}
