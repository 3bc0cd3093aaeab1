package vdm.qmp.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import vdm.Vdm;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.XenPtDevice;

/**
 * query-pci on a guest's own socket: the guest's root bus as its QEMU lists it (qmp_query_pci_bus: devices by
 * devfn), the xenfv machine's emulated functions and the passed-through ones, each passed-through one with the
 * qdev_id it was added with at its guest slot, function 0. An interim answer for the per-domain socket (QueryPci's
 * guest view, branch h15-pci, replaces it): ids and classes of the emulated functions as QEMU 7.2 reports them
 * (i440FX to PIIX4 ACPI checked live on the pc machine), regions left out.
 */
final class GuestBus {
    private GuestBus() {}

    /** vendor, device, class of each XENFV function, by devfn. */
    private static int[] ids(int devfn) {
        return switch (devfn) {
            case 0x00 -> new int[] {0x8086, 0x1237, 0x0600};
            case 0x08 -> new int[] {0x8086, 0x7000, 0x0601};
            case 0x09 -> new int[] {0x8086, 0x7010, 0x0101};
            case 0x0b -> new int[] {0x8086, 0x7113, 0x0680};
            case 0x10 -> new int[] {0x1013, 0x00b8, 0x0300};
            case 0x18 -> new int[] {0x5853, 0x0001, 0xff80};
            default -> new int[] {0xffff, 0xffff, 0xff00};
        };
    }

    private record Entry(int devfn, ObjectNode json) {}

    static ArrayNode of(Vdm vdm, int domid) {
        List<Entry> entries = new ArrayList<>();
        for (GuestPciBus.EmulatedFunction f : GuestPciBus.XENFV) {
            int[] id = ids(f.devfn());
            entries.add(new Entry(f.devfn(), device(f.devfn(), id[2], id[0], id[1], 0, "")));
        }
        for (XenPtDevice p : vdm.libxl().devices(domid)) {
            ObjectNode d = device(p.guestSlot() << 3, p.guestRead(0x0a, 2), p.guestRead(0, 2), p.guestRead(2, 2),
                    p.interruptPin(), QdevIds.of(p));
            ((ObjectNode) d.get("id")).put("subsystem", p.guestRead(0x2e, 2)).put("subsystem-vendor", p.guestRead(0x2c, 2));
            entries.add(new Entry(p.guestSlot() << 3, d));
        }
        entries.sort(Comparator.comparingInt(Entry::devfn));
        ArrayNode out = PassthroughCommands.JSON.arrayNode();
        ArrayNode devices = out.addObject().put("bus", 0).putArray("devices");
        for (Entry e : entries) devices.add(e.json());
        return out;
    }

    private static ObjectNode device(int devfn, int cls, int vendor, int device, int pin, String qdevId) {
        ObjectNode d = PassthroughCommands.JSON.objectNode().put("bus", 0).put("slot", devfn >>> 3).put("function", devfn & 7);
        ObjectNode classInfo = d.putObject("class_info").put("class", cls);
        QemuClassNames.desc(cls).ifPresent(desc -> classInfo.put("desc", desc));
        d.putObject("id").put("vendor", vendor).put("device", device);
        d.put("irq_pin", pin);
        if (pin != 0) d.put("irq", 0);
        d.put("qdev_id", qdevId);
        d.putArray("regions");
        return d;
    }
}
