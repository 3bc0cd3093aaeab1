package vdm.replay;

import java.util.List;
import vdm.explore.Op;
import vdm.host.WideHost;
import vdm.model.Fix;
import vdm.model.Fixes;
import vdm.model.Preset;

/** A chapter of the failure library: drivers and firmware doing things in an order vPCI or the toolstack did not expect. */
final class OrderingFailures {
    private OrderingFailures() {}

    static List<KnownFailure> all() {
        Fixes upstream = Preset.UPSTREAM.fixes();
        return List.of(
                // Library entry 2. pciback records the GSI when it seizes the device (psdev->gsi, pcistub_init_device)
                // and privcmd's IOCTL_PRIVCMD_PCIDEV_GET_GSI answers that record (pcistub_get_gsi_from_sbdf). The wide
                // host's NVMe is behind LNKA (GSI 20..23, 23 at boot): once _SRS moves the link, the record is stale the
                // moment the link moves (the dom0-gsi-current invariant, at the srs step), and the attach that follows
                // maps the line the device left (map_pirq index=23, the device on GSI 20).
                KnownFailure.named("srs-stale-gsi")
                        .source("Bjorn Helgaas, review of \"[RFC KERNEL PATCH v4 3/3] PCI/sysfs: Add gsi sysfs for pci_dev\" (2024-04-09): "
                                + "\"if they are reconfigured at run-time (via _SRS), the cached GSI will be wrong\"; upstream's "
                                + "IOCTL_PRIVCMD_PCIDEV_GET_GSI (Linux 6.12) answers the GSI pciback recorded at seize")
                        .summary("_SRS re-routes the device's link after pciback recorded its GSI: privcmd's GET_GSI answers the old GSI and libxl maps the wrong line")
                        .host(HostRef.WIDE, WideHost.NVME)
                        .fix(Fix.GSI_CURRENT, upstream)
                        .ordering(Op.ASSIGN, Op.SRS, Op.ATTACH)
                        .fails(Op.SRS, "dom0-gsi-current at 0000:02:00.0 (pciback): expected GSI 20 (_PRT now), actual GSI 23")
                        .explorer(KnownFailure.ExplorerSearch.within(2))
                        .fixNote("gsi-current models the review's point, not an upstream change: pciback answers GET_GSI with the route "
                                + "_PRT gives now and sets a GSI that moved up (PHYSDEVOP_setup_gsi) before libxl maps it. With it off the "
                                + "attach after the re-route shows \"map_pirq was given 23 (privcmd's GET_GSI: the GSI pciback recorded "
                                + "at seize), the device is on GSI 20: the wrong line\".")
                        .build(),
                // Library entry 11. Linux's pci_std_update_resource (drivers/pci/setup-res.c) turns memory decoding off
                // around a BAR update only for a 64-bit BAR: "We can't update a 64-bit BAR atomically, so when possible,
                // disable decoding so that a half-updated BAR won't conflict with another device", disable =
                // (res->flags & IORESOURCE_MEM_64) && !dev->mmio_always_on. A 32-bit BAR is rewritten while mapped, and
                // Xen's bar_write (xen/drivers/vpci/header.c, since 7abd7bc162) ignores it: the wide host's e1000e keeps
                // BAR0 where it was while Linux's resource says it moved.
                KnownFailure.named("bar-move-while-mapped")
                        .source("Xen gitlab issue #197 \"Linux 32bit BAR atomic repositioning\" (open); Linux pci_std_update_resource, "
                                + "Xen bar_write (7abd7bc162 \"vpci: refuse BAR writes only if the BAR is mapped\")")
                        .summary("Linux moves a 32-bit BAR without turning memory decoding off; vPCI refuses the write to a mapped BAR and the device stays where Linux no longer thinks it is")
                        .host(HostRef.WIDE, WideHost.NIC)
                        .fix(Fix.BAR_WRITE_REMAP, upstream)
                        .ordering(Op.BAR_MOVE_HOT)
                        .fails(Op.BAR_MOVE_HOT, "0000:00:02.0: ignored BAR 0 write while mapped")
                        .explorer(KnownFailure.ExplorerSearch.within(1))
                        .fixNote("bar-write-remap models what issue #197 asks for (\"Supporting such (according to the spec) valid "
                                + "use-case will require changes to vPCI to remap BARs while memory decoding is enabled\"); upstream has "
                                + "no such change: bar_write still refuses a mapped BAR. With it the hardware domain's write unmaps the "
                                + "BAR's range, writes the BAR and maps the new range (without the MSI-X pages), in the trapped write.")
                        .build(),
                // Library entry 12b. hvmloader before Xen a8e0c228c7 turned a function's memory decoding on right after
                // each BAR it programmed, and writes a 64-bit BAR low half first. A guest with memory=3840 has RAM up to
                // 0xf0000000, so pci_setup's MMIO hole cannot grow (libxl's allow-memory-relocate=0) and relocates 64-bit
                // BARs above 4 GiB: this GPU's BAR1 (256 MiB) goes to 0x100000000 and turns decoding on, then BAR3
                // (128 MiB) to 0x110000000, whose low half, written first, makes QEMU map the BAR at 0x10000000 over the
                // guest's RAM (XEN_DOMCTL_memory_mapping replaces RAM); the high half moves it and the RAM is gone.
                KnownFailure.named("hvmloader-64bit-bar-over-ram")
                        .source("Xen a8e0c228c7 \"hvmloader: enable MMIO and I/O decode, after all resource allocation\" "
                                + "(Harsha Shamsundara Havanur, Xen 4.14)")
                        .summary("hvmloader turns decoding on before a 64-bit BAR's high half is written: QEMU maps the BAR over guest RAM at the low half's address, and that RAM is not restored")
                        .host(HostRef.file("two-64bit-bar-gpu-host.json"), WideHost.GPU)
                        .guestMemory(3840)
                        .fix(Fix.HVMLOADER_DECODE_LAST, upstream)
                        .ordering(Op.ASSIGN, Op.ATTACH, Op.GUEST_BAR)
                        .fails(Op.GUEST_BAR, "guest-ram at d1 gfn 0x10000-0x17fff")
                        .explorer(KnownFailure.ExplorerSearch.within(3))
                        .build());
    }
}
