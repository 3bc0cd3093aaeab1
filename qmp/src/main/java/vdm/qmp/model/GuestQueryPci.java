package vdm.qmp.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.List;
import vdm.Vdm;
import vdm.dom0.SysfsDevice;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.XenPtDevice;

/**
 * query-pci as one guest's QEMU (the xenfv machine) answers it: the root bus with the emulated functions of
 * {@link GuestPciBus#XENFV} and the domain's passed-through devices at their guest slots, in devfn order as
 * qmp_query_pci_devices walks bus->devices. The emulated functions are as they are after reset: decoding off, so
 * every address is -1, and interrupt line 0 (vdm does not model the guest's writes to them).
 */
final class GuestQueryPci {
    /** include/linux/ioport.h's resource flags, which xen_host_pci_get_resource reads from sysfs {@code resource}. */
    private static final long IORESOURCE_IO = 0x100, IORESOURCE_PREFETCH = 0x2000, IORESOURCE_MEM_64 = 0x100000;
    /** PCI_COMMAND_IO and PCI_COMMAND_MEMORY; PCI_ROM_ADDRESS_ENABLE. */
    private static final int COMMAND_IO = 0x1, COMMAND_MEMORY = 0x2, ROM_ENABLE = 0x1;
    /** PCI_ROM_SLOT: the resource line and query-pci bar of the expansion ROM. */
    private static final int ROM_SLOT = 6;

    private GuestQueryPci() {}

    static ArrayNode of(Vdm vdm, int domid) {
        ArrayNode out = PassthroughCommands.JSON.arrayNode();
        ObjectNode bus0 = out.addObject().put("bus", 0);
        ArrayNode list = bus0.putArray("devices");
        List<XenPtDevice> passed = vdm.libxl().devices(domid).stream().sorted(Comparator.comparingInt(XenPtDevice::guestSlot)).toList();
        int next = 0;
        for (GuestPciBus.EmulatedFunction f : GuestPciBus.XENFV) {
            while (next < passed.size() && passed.get(next).guestSlot() << 3 < f.devfn()) passThrough(vdm, list, passed.get(next++));
            emulated(list, f);
        }
        while (next < passed.size()) passThrough(vdm, list, passed.get(next++));
        return out;
    }

    /** An emulated function as QEMU's device model registered it (no qdev id: the machine created it). */
    private static void emulated(ArrayNode list, GuestPciBus.EmulatedFunction f) {
        GuestPciBus.Identity id = f.id();
        ObjectNode d = PciDeviceInfoJson.add(list, 0, f.devfn() >>> 3, f.devfn() & 7, id.classCode(),
                new PciDeviceInfoJson.Ids(id.vendor(), id.device(), id.subsystemVendor(), id.subsystem()), f.interruptPin(), 0, "");
        for (GuestPciBus.EmulatedBar b : f.bars()) PciDeviceInfoJson.bar(d, b.index(), b.io(), -1, b.size(), b.prefetchable(), false);
        if (f.romSize() > 0) PciDeviceInfoJson.rom(d, -1, f.romSize(), false);
    }

    /**
     * A xen-pci-passthrough device at its guest slot, function 0: its config as the guest reads it through xen_pt,
     * and the regions xen_pt_register_regions (hw/xen/xen_pt.c) registered from the host's sysfs resources (a BAR
     * with a base and a size, its type from the IORESOURCE flags; the ROM as prefetchable memory). A region's address
     * is the guest's BAR while the guest's COMMAND enables its decoding (and, for the ROM, its enable bit is set).
     */
    private static void passThrough(Vdm vdm, ArrayNode list, XenPtDevice pt) {
        boolean type0 = (pt.guestRead(0x0e, 1) & 0x7f) == 0;
        PciDeviceInfoJson.Ids ids = new PciDeviceInfoJson.Ids(pt.guestRead(0x00, 2), pt.guestRead(0x02, 2),
                type0 ? pt.guestRead(0x2c, 2) : -1, type0 ? pt.guestRead(0x2e, 2) : -1);
        ObjectNode d = PciDeviceInfoJson.add(list, 0, pt.guestSlot(), 0, pt.guestRead(0x0a, 2), ids, pt.guestRead(0x3d, 1),
                pt.guestRead(0x3c, 1), QdevIds.of(pt));
        SysfsDevice.Resource[] res = vdm.kernel().sysfs(pt.hostAddress()).regions();
        int command = pt.guestRead(0x04, 2);
        for (int n = 0; n < ROM_SLOT; n++) {
            SysfsDevice.Resource r = res[n];
            if (r.start() == 0 || r.end() <= r.start()) continue;
            long size = r.end() - r.start() + 1;
            boolean io = (r.flags() & IORESOURCE_IO) != 0, mem64 = !io && (r.flags() & IORESOURCE_MEM_64) != 0;
            long address = -1;
            if ((command & (io ? COMMAND_IO : COMMAND_MEMORY)) != 0) {
                long reg = Integer.toUnsignedLong(pt.guestRead(0x10 + 4 * n, 4));
                if (mem64 && n < 5) reg |= Integer.toUnsignedLong(pt.guestRead(0x14 + 4 * n, 4)) << 32;
                address = barAddress(reg & ~(size - 1), size, io || !mem64);
            }
            PciDeviceInfoJson.bar(d, n, io, address, size, (r.flags() & IORESOURCE_PREFETCH) != 0, mem64);
        }
        SysfsDevice.Resource rom = res[ROM_SLOT];
        if (rom.start() != 0 && rom.end() > rom.start()) {
            long size = rom.end() - rom.start() + 1;
            long reg = Integer.toUnsignedLong(pt.guestRead(0x30, 4));
            boolean on = (command & COMMAND_MEMORY) != 0 && (reg & ROM_ENABLE) != 0;
            PciDeviceInfoJson.rom(d, on ? barAddress(reg & ~(size - 1), size, true) : -1, size, true);
        }
    }

    /**
     * pci_bar_address (hw/pci/pci.c) once decoding is on: the pc machine refuses a BAR at 0 (no pci_allow_0_address),
     * a region that wraps, and a 32-bit one (IO, or 32-bit memory) that reaches 4 GiB; those are PCI_BAR_UNMAPPED, -1.
     */
    private static long barAddress(long base, long size, boolean thirtyTwoBit) {
        long last = base + size - 1;
        if (base == 0 || Long.compareUnsigned(last, base) <= 0 || (thirtyTwoBit && last >= 0xffff_ffffL)) return -1;
        return base;
    }
}
