package vdm.explore;

import java.util.ArrayList;
import java.util.List;
import vdm.dom0.Dom0Kernel;
import vdm.host.IntxRoute;
import vdm.host.LinkDevice;
import vdm.scenario.GuestMsi;
import vdm.scenario.GuestOps;
import vdm.toolstack.AttachResult;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.Libxl;
import vdm.toolstack.XenPtDevice;
import vdm.errno.Errno;
import vdm.xen.PhysdevOps;

/**
 * The kinds of operation the ordering explorer interleaves, each on the device (and guest) its {@link Op} names, which
 * the {@link Run} is focused on when the kind runs. A kind applies only where it makes sense (a dom0 driver op needs
 * dom0's driver, a guest op an attached device); it returns the failures it saw (empty when it did what it should).
 * Cross-layer invariants are checked by the explorer after every operation.
 */
public enum OpKind {
    ENABLE("dom0's driver enables the device (pci_enable_device)") {
        boolean applicable(Run r) { return r.driver() == Dom0Kernel.Driver.NATIVE && !r.kernel().enabled(r.device()); }
        List<Failure> apply(Run r) { r.kernel().enableDevice(r.device()); return List.of(); }
    },
    DISABLE("dom0's driver disables it (pci_disable_device)") {
        boolean applicable(Run r) { return r.driver() == Dom0Kernel.Driver.NATIVE && r.kernel().enabled(r.device()); }
        List<Failure> apply(Run r) { r.kernel().disableDevice(r.device()); return List.of(); }
    },
    BAR_MOVE("dom0 moves BAR0 with memory decoding off, then back on") {
        boolean applicable(Run r) { return r.driver() == Dom0Kernel.Driver.NATIVE && r.bar0Movable(); }
        List<Failure> apply(Run r) {
            long to = r.otherBar0();
            r.kernel().moveBar(r.device(), 0, to, true);
            return r.bar0Is(to, "dom0 moved BAR0 with decoding off");
        }
    },
    BAR_MOVE_HOT("dom0 repositions its 32-bit BAR0 without turning decoding off (pci_std_update_resource)") {
        boolean applicable(Run r) {
            return r.driver() == Dom0Kernel.Driver.NATIVE && r.kernel().enabled(r.device()) && r.bar0Is32Bit() && r.bar0Movable();
        }
        List<Failure> apply(Run r) {
            long to = r.otherBar0();
            r.kernel().moveBar(r.device(), 0, to, false);
            return r.bar0Is(to, "dom0 repositioned BAR0 with memory decoding on");
        }
    },
    RESET("dom0 resets the device as pci_reset_function does: saves its state, FLR, the reset notification if fix A is in; the restore follows") {
        boolean applicable(Run r) { return r.driver() != Dom0Kernel.Driver.NONE && !r.attached(); }
        List<Failure> apply(Run r) {
            r.resetBegins();
            r.kernel().saveState(r.device());
            int rc = r.kernel().resetDeviceState(r.device());
            return rc < 0 ? List.of(Failure.refused("the reset notification", rc, "the reset notification failed: " + Errno.name(rc))) : List.of();
        }
    },
    NOTIFY("dom0 tells Xen the device was reset (PHYSDEVOP_pci_device_reset)") {
        boolean applicable(Run r) { return r.vdm().fixes().resetNotification() && r.kernel().pvh() && !r.attached(); }
        List<Failure> apply(Run r) {
            int rc = r.vdm().xen().physdev().pciDeviceReset(r.vdm().dom0(), r.device(), PhysdevOps.RESET_FLR);
            return rc < 0 ? List.of(Failure.refused("PHYSDEVOP_pci_device_reset", rc, "PHYSDEVOP_pci_device_reset: " + Errno.name(rc))) : List.of();
        }
    },
    RESTORE("dom0 restores the state it saved before the reset (pci_restore_state, the end of pci_reset_function)") {
        boolean applicable(Run r) { return r.needsRestore(); }
        List<Failure> apply(Run r) {
            r.restored();
            int[] saved = r.kernel().savedState(r.device()).orElseThrow();
            r.kernel().restoreState(r.device());
            // A 64-bit BAR0's address spans dwords 4 and 5 of what was saved (the accelerator's, above 4 GiB once moved).
            long high = r.bar0Is64Bit() ? (saved[5] & 0xffffffffL) << 32 : 0;
            return r.bar0Is(high | saved[4] & 0xfffffff0L, "pci_restore_state wrote BAR0");
        }
    },
    DOM0_MSIX("dom0's own driver brings MSI-X up (msix_capability_init through vPCI), the device raises entry 0, the driver shuts MSI-X down") {
        boolean applicable(Run r) { return FirmwareOps.dom0MsixApplies(r); }
        List<Failure> apply(Run r) { return FirmwareOps.dom0Msix(r); }
    },
    FIRMWARE_USE("the firmware uses a device it left decoding and dom0 has no driver for (an EFI runtime service, SMM): it reads the BAR where it placed it") {
        boolean applicable(Run r) { return FirmwareOps.firmwareUseApplies(r); }
        List<Failure> apply(Run r) { return FirmwareOps.firmwareUse(r); }
    },
    SETUP_GSI("dom0 sets the device's GSI up (PHYSDEVOP_setup_gsi)") {
        boolean applicable(Run r) { return r.gsi() >= 0; }
        List<Failure> apply(Run r) {
            IntxRoute route = r.vdm().host().route(r.device()).orElseThrow();
            int rc = r.vdm().xen().physdev().setupGsi(r.vdm().dom0(), route.gsi(), 1, 1);
            return rc < 0 && rc != -Errno.EEXIST
                    ? List.of(Failure.refused("PHYSDEVOP_setup_gsi", rc, "PHYSDEVOP_setup_gsi gsi=" + route.gsi() + ": " + Errno.name(rc))) : List.of();
        }
    },
    ASSIGN("xl pci-assignable-add (pciback: enable, save, reset, [notify], restore, [setup_gsi], disable)") {
        boolean applicable(Run r) { return r.driver() != Dom0Kernel.Driver.PCIBACK; }
        List<Failure> apply(Run r) {
            long before = r.bar0();
            int rc = r.vdm().libxl().pciAssignableAdd(r.device());
            List<Failure> f = new ArrayList<>();
            if (rc != 0) f.add(Failure.refused("pci-assignable-add", rc, "pci-assignable-add: " + Errno.name(rc)));
            if (r.bar0() != before) {
                f.add(Failure.diverged("pciback's restore of BAR0",
                        String.format("pciback's restore was dropped: BAR0 reads 0x%x, was 0x%x", r.bar0(), before)));
            }
            return f;
        }
    },
    ATTACH("xl pci-attach to the guest (assign_device, QEMU realize, map_pirq, permission)") {
        boolean applicable(Run r) { return r.driver() == Dom0Kernel.Driver.PCIBACK && !r.attached(); }
        List<Failure> apply(Run r) {
            // QEMU's first free slot on the guest's bus, as device_add without addr gets it.
            int slot = GuestPciBus.firstFreeSlot(r.vdm().libxl().devices(r.domid())).orElseThrow(() -> new IllegalStateException(GuestPciBus.NO_SLOT));
            List<AttachResult> failures = r.vdm().libxl().pciAttachDiagnostic(r.domid(), r.device(), slot);
            List<Failure> f = new ArrayList<>();
            for (AttachResult a : failures) f.add(Failure.refused(a.step(), a.rc(), a.step() + ": " + Errno.name(a.rc()) + " (" + a.message() + ")"));
            int gsi = r.gsi();
            if (gsi < 0) return f;
            // The line libxl asked for: the index of its refused map_pirq, or else the one it routed.
            int given = -1;
            for (AttachResult a : failures) if (a.index() >= 0) given = a.index();
            Libxl.Route route = r.vdm().libxl().route(r.device());
            if (given < 0 && route != null) given = route.index();
            if (given >= 0 && given != gsi) {
                f.add(Failure.wrongArgument("map_pirq's index",
                        "map_pirq was given " + given + " (" + whereLibxlLooked(r) + "), the device is on GSI " + gsi + ": the wrong line"));
            }
            // libxl routed the line, but QEMU's xen_pt_realize holds no machine irq: its map or bind was refused
            // (logged, not fatal), so the guest's INTx reaches nothing.
            XenPtDevice pt = r.vdm().libxl().device(r.device());
            if (f.isEmpty() && pt != null && route != null && pt.interruptPin() != 0 && pt.machineIrq() == 0) {
                f.add(Failure.diverged("QEMU's INTx", "QEMU did not bind " + r.device() + "'s INTx (machine irq 0 after xen_pt_realize):"
                        + " the guest gets no interrupt from GSI " + gsi));
            }
            return f;
        }
    },
    DETACH("xl pci-detach (unbind, unmap, revoke, deassign, pciback's reset and restore)") {
        boolean applicable(Run r) { return r.attached(); }
        List<Failure> apply(Run r) {
            AttachResult a = r.vdm().libxl().pciDetach(r.domid(), r.device());
            return a.ok() ? List.of() : List.of(Failure.refused("pci-detach " + a.step(), a.rc(), "pci-detach: " + a));
        }
    },
    SHARED_INTX("dom0's driver of another function on the device's GSI probes it: pci_enable_device, then request_irq on its INTx (its vIO-APIC pin unmasked)") {
        boolean applicable(Run r) { return r.kernel().pvh() && r.sharingFunction().isPresent(); }
        List<Failure> apply(Run r) {
            vdm.pci.Sbdf other = r.sharingFunction().orElseThrow();
            if (!r.kernel().enabled(other)) r.kernel().enableDevice(other);
            r.kernel().requestIrq(other);
            return List.of();
        }
    },
    DOM0_INTX("dom0's own driver of the device takes its INTx: pci_enable_device, then request_irq (its vIO-APIC pin unmasked)") {
        // shared-intx's probe done by the device's own operation, for searches that name every device of a line.
        boolean applicable(Run r) { return r.kernel().pvh() && r.driver() == Dom0Kernel.Driver.NATIVE && r.lineUnrequested(r.device()); }
        List<Failure> apply(Run r) {
            if (!r.kernel().enabled(r.device())) r.kernel().enableDevice(r.device());
            r.kernel().requestIrq(r.device());
            return List.of();
        }
    },
    GUEST_BAR("the guest's firmware programs the BARs (hvmloader's pci_setup) and turns decoding on") {
        boolean applicable(Run r) { return r.attached(); }
        List<Failure> apply(Run r) {
            XenPtDevice pt = r.vdm().libxl().device(r.device());
            for (GuestOps.GuestBar b : GuestOps.reached(GuestOps.programBars(r.vdm(), pt), pt)) {
                if (GuestOps.deviceDecodes(r.vdm(), pt, b) || GuestOps.reachesQemusTable(pt, b)) continue;
                return List.of(Failure.diverged("the guest's BAR" + b.bar(), String.format(
                        "the guest's BAR%d reaches %s, where the device decodes nothing", b.bar(),
                        b.machine() < 0 ? "no machine address" : String.format("machine 0x%x", b.machine()))));
            }
            return List.of();
        }
    },
    INTX("the device raises INTx and the guest EOIs it") {
        boolean applicable(Run r) { return r.attached() && r.vdm().libxl().device(r.device()).interruptPin() != 0; }
        List<Failure> apply(Run r) {
            int got = GuestOps.takeInterrupt(r.vdm(), r.vdm().libxl().device(r.device()));
            return got == 1 ? List.of()
                    : List.of(Failure.diverged("INTx delivery", "INTx on GSI " + r.gsi() + ": " + got + " interrupts reached the guest"));
        }
    },
    MSIX_ENABLE("the guest's driver enables MSI-X: entries masked and programmed, the function unmasked, each entry unmasked (msix_capability_init)") {
        // Linux's __pci_enable_msix_range refuses a device with MSI enabled (-EINVAL), and __pci_enable_msi_range one
        // with MSI-X: a driver never has both (Xen's __pci_enable_msi would disable the other: "MSI-X already in use").
        boolean applicable(Run r) { return MsiOps.guestTable(r) >= 0 && !MsiOps.msixEnabled(r) && !MsiOps.msiEnabled(r); }
        List<Failure> apply(Run r) { MsiOps.enableMsix(r); return List.of(); }
    },
    MSIX_DISABLE("the guest's driver masks its entries and disables MSI-X (pci_msix_shutdown)") {
        boolean applicable(Run r) { return MsiOps.guestTable(r) >= 0 && MsiOps.msixEnabled(r); }
        List<Failure> apply(Run r) { MsiOps.disableMsix(r); return List.of(); }
    },
    MSIX_MASK("the guest masks MSI-X entry 0 (Vector Control bit 0 in its table)") {
        boolean applicable(Run r) { return MsiOps.msixEnabled(r) && MsiOps.guestTable(r) >= 0 && !MsiOps.entryMasked(r); }
        List<Failure> apply(Run r) { MsiOps.maskEntry(r, true); return List.of(); }
    },
    MSIX_UNMASK("the guest unmasks MSI-X entry 0") {
        boolean applicable(Run r) { return MsiOps.msixEnabled(r) && MsiOps.guestTable(r) >= 0 && MsiOps.entryMasked(r); }
        List<Failure> apply(Run r) { MsiOps.maskEntry(r, false); return List.of(); }
    },
    MSIX_WRITE("the guest gives MSI-X entry 0 another vector: a table write, while the entry is masked or unmasked") {
        boolean applicable(Run r) { return MsiOps.msixEnabled(r) && MsiOps.guestTable(r) >= 0; }
        List<Failure> apply(Run r) { MsiOps.reprogram(r); return List.of(); }
    },
    MSIX_FIRE("the device raises MSI-X entry 0: one interrupt in the guest exactly when the guest has it enabled and unmasked") {
        boolean applicable(Run r) { return MsiOps.attachedWith(r, vdm.pci.cap.MsiX.ID); }
        List<Failure> apply(Run r) { return MsiOps.fireMsix(r); }
    },
    MSI_ENABLE("the guest's driver enables MSI with one vector (msi_capability_init)") {
        boolean applicable(Run r) { return MsiOps.attachedWith(r, vdm.pci.cap.Msi.ID) && !MsiOps.msiEnabled(r) && !MsiOps.msixEnabled(r); }
        List<Failure> apply(Run r) { GuestMsi.enableMsi(MsiOps.pt(r)); return List.of(); }
    },
    MSI_DISABLE("the guest's driver disables MSI (pci_msi_shutdown)") {
        boolean applicable(Run r) { return MsiOps.msiEnabled(r); }
        List<Failure> apply(Run r) { GuestMsi.disableMsi(MsiOps.pt(r)); return List.of(); }
    },
    MSI_FIRE("the device raises MSI vector 0: one interrupt in the guest exactly when the guest has it enabled and unmasked") {
        boolean applicable(Run r) { return MsiOps.attachedWith(r, vdm.pci.cap.Msi.ID); }
        List<Failure> apply(Run r) { return MsiOps.fireMsi(r); }
    },
    TABLE_BAR_MOVE("dom0 moves the BAR that holds the MSI-X table, decoding off, then back on (BAR0's move is bar-move)") {
        boolean applicable(Run r) { return r.driver() == Dom0Kernel.Driver.NATIVE && MsiOps.tableOutsideBar0(r) && r.tableBarMovable(); }
        List<Failure> apply(Run r) {
            long to = r.otherTableBar();
            r.kernel().moveBar(r.device(), r.tableBar(), to, true);
            return r.barIs(r.tableBar(), to, "dom0 moved the MSI-X table's BAR with decoding off");
        }
    },
    IWL_MSIX_IRQ("dom0's iwlwifi takes an MSI-X interrupt: reads and clears its cause registers on the MSI-X table's page (iwl_pcie_irq_msix_handler)") {
        boolean applicable(Run r) { return r.driver() == Dom0Kernel.Driver.NATIVE && r.kernel().enabled(r.device()) && IwlwifiOps.iwlwifi(r); }
        List<Failure> apply(Run r) { return IwlwifiOps.msixInterrupt(r); }
    },
    SLOT_REPLUG("the device is pulled from its hot-plug slot and pushed back: dom0 removes it, it powers up unconfigured, dom0 adds it, assigns its BARs and enables it (pciehp)") {
        boolean applicable(Run r) { return r.driver() == Dom0Kernel.Driver.NATIVE && Dom0MsixOps.inHotplugSlot(r); }
        List<Failure> apply(Run r) { r.kernel().replug(r.device()); return List.of(); }
    },
    DOM0_MSIX_ENABLE("dom0's driver enables MSI-X with one vector through vPCI (msix_capability_init)") {
        boolean applicable(Run r) {
            return r.driver() == Dom0Kernel.Driver.NATIVE && r.kernel().enabled(r.device()) && Dom0MsixOps.hasMsix(r)
                    && !Dom0MsixOps.msixEnabled(r) && !Dom0MsixOps.msiEnabled(r);
        }
        List<Failure> apply(Run r) { return Dom0MsixOps.enable(r); }
    },
    MAP_BEFORE_ASSIGN("dom0 maps an MSI of the device into the guest before it is assigned there (XSA-237: -ENODEV)") {
        // Into a guest that does not hold the device: with one guest, before it is attached at all.
        boolean applicable(Run r) { return !r.heldByGuest() && (MsiOps.hostHas(r, vdm.pci.cap.Msi.ID) || MsiOps.hostHas(r, vdm.pci.cap.MsiX.ID)); }
        List<Failure> apply(Run r) { return MsiOps.mapBeforeAssign(r); }
    },
    SRS("_SRS re-routes the device's link to another IRQ") {
        boolean applicable(Run r) {
            return r.vdm().host().route(r.device()).map(IntxRoute::viaLink).orElse(false);
        }
        List<Failure> apply(Run r) {
            LinkDevice l = r.vdm().host().link(r.vdm().host().route(r.device()).orElseThrow().link()).orElseThrow();
            l.setResource(l.possible().stream().filter(g -> g != l.current()).findFirst().orElse(l.current()));
            return List.of();
        }
    };

    private final String description;

    OpKind(String description) {
        this.description = description;
    }

    public String description() { return description; }

    /** The name used in operation lists and scenario files: "bar-move-hot". */
    public String label() {
        return name().toLowerCase().replace('_', '-');
    }

    public static OpKind of(String label) {
        for (OpKind o : values()) if (o.label().equals(label)) return o;
        throw new IllegalArgumentException("unknown operation '" + label + "'; known: "
                + String.join(", ", java.util.Arrays.stream(values()).map(OpKind::label).toList()));
    }

    /** Whether the kind names a guest of its own (attach to it, map into it) rather than the guest holding the device. */
    public boolean targetsGuest() {
        return this == ATTACH || this == MAP_BEFORE_ASSIGN;
    }

    abstract boolean applicable(Run r);

    abstract List<Failure> apply(Run r);

    /** Where libxl took the index it gave map_pirq from (fix D), as the wrong-line message names it. */
    private static String whereLibxlLooked(Run r) {
        if (!r.kernel().pvh()) return "dom0's IRQ number";
        return switch (r.vdm().fixes().gsiLookup()) {
            case NONE -> "dom0's IRQ number";
            case SYSFS_GSI -> "sysfs gsi, recorded at enable";
            case PRIVCMD -> "privcmd's GET_GSI: the GSI pciback recorded at seize";
        };
    }
}
