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
    /** The NVMe controller of memmap-host.json, whose BAR0 firmware placed in a reserved range, decoding on. */
    static final Sbdf RESERVED_NVME = Sbdf.parse("0000:00:05.0");

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
                        .build(),
                KnownFailure.named("bar-over-reserved-region")
                        .source("Xen 4acab25a93 \"x86/vpci: fix handling of BAR overlaps with non-hole regions\" (Roger Pau Monné, "
                                + "reported by Stefano Stabellini; Xen 4.21), with 7ab4b392b7's off-by-one fix")
                        .summary("a BAR inside a reserved E820 range fails pci_check_bar: vPCI leaves it 'not enabled' while decoding "
                                + "is on, so its MSI-X table does not trap and dom0's vector never arrives")
                        .host(HostRef.file("memmap-host.json"), RESERVED_NVME)
                        .fix(Fix.VPCI_BAR_SANITIZE, upstream)
                        .ordering(Op.DOM0_MSIX)
                        .fails(Op.DOM0_MSIX, "0 interrupts reached dom0")
                        .explorer(KnownFailure.ExplorerSearch.within(1))
                        .fixNote("at boot (init_header -> modify_bars) Xen says \"0000:00:05.0: not mapping BAR [fd000, fd003] invalid "
                                + "position\"; with the switch the reserved frames are left out of the mapping (pci_sanitize_bar_memory) "
                                + "and the BAR counts as mapped. vdm's dom0 p2m has no identity map of reserved ranges, so dom0's "
                                + "untrapped table writes are dropped; on Xen they reach the device unremapped")
                        .build(),
                KnownFailure.named("decoding-off-over-memory-map")
                        .source("Xen 75cc460a1b \"xen/pci: detect when BARs are not suitably positioned\", undone by 53d9133638 "
                                + "\"pci: do not disable memory decoding for devices\" (Roger Pau Monné; Xen 4.17)")
                        .summary("Xen turns memory decoding off at boot for a device whose BAR overlaps the memory map: a device only "
                                + "the firmware uses, which dom0 has no driver to turn back on, stops answering")
                        .host(HostRef.file("memmap-host.json"), RESERVED_NVME)
                        .withoutDom0Driver(RESERVED_NVME)
                        .fix(Fix.PCI_KEEP_DECODING, upstream)
                        .ordering(Op.FIRMWARE_USE)
                        .fails(Op.FIRMWARE_USE, "the device does not decode there (memory decoding off)")
                        .explorer(KnownFailure.ExplorerSearch.within(1))
                        .fixNote("at boot check_pdev prints \"0000:00:05.0 disabled: BAR [0xfd000, 0xfd003] overlaps with memory map\" "
                                + "and leaves decoding off for dom0 to reposition the BAR; 53d9133638 took the check out and keeps "
                                + "misplaced BARs out of dom0's p2m in vPCI instead. vdm has no EFI runtime or SMM: the firmware's use "
                                + "is the explorer's firmware-use operation, a read of the BAR at its machine address")
                        .build());
    }
}
