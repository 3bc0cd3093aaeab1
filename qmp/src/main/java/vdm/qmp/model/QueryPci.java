package vdm.qmp.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.Vdm;
import vdm.host.Bridge;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.pci.layout.BarKind;

/**
 * query-pci in QEMU 7.2's shape (qapi/pci.json PciInfo, PciDeviceInfo, {@link PciDeviceInfoJson}), in two views:
 * the host's (the main socket: one entry per root bus, the host's functions with class_info ({@link QemuClassNames}),
 * id, irq_pin, irq, qdev_id and regions (ROM is bar 6, address -1 when not decoding), bridges with their bus
 * numbers, windows and the devices behind them), and a guest's ({@link #guest}, what that domain's QEMU answers).
 * Nothing outside PciDeviceInfo: who holds a function and its GSI are x-vdm-pci-owners'; MSI state x-vdm-query-msi's.
 */
final class QueryPci {
    private QueryPci() {}

    static ArrayNode of(Vdm vdm) {
        ArrayNode out = PassthroughCommands.JSON.arrayNode();
        ObjectNode bus0 = out.addObject().put("bus", 0);
        bus0.set("devices", devices(vdm, 0));
        return out;
    }

    /**
     * What domain {@code domid}'s QEMU answers: its root bus with the xenfv machine's emulated functions and the
     * domain's passed-through devices at their guest slots, each with the qdev_id device_add gave it.
     */
    static ArrayNode guest(Vdm vdm, int domid) {
        return GuestQueryPci.of(vdm, domid);
    }

    private static ArrayNode devices(Vdm vdm, int bus) {
        ArrayNode list = PassthroughCommands.JSON.arrayNode();
        for (PhysicalFunction f : vdm.host().functions()) {
            Sbdf s = f.sbdf();
            if (s.bus() != bus || s.segment() != 0) continue;
            boolean type0 = f.layout().headerType() == 0;
            PciDeviceInfoJson.Ids ids = new PciDeviceInfoJson.Ids(vdm.host().read(s, 0, 2), vdm.host().read(s, 2, 2),
                    type0 ? vdm.host().read(s, 0x2c, 2) : -1, type0 ? vdm.host().read(s, 0x2e, 2) : -1);
            ObjectNode d = PciDeviceInfoJson.add(list, s.bus(), s.device(), s.function(), vdm.host().read(s, 0x0a, 2), ids,
                    vdm.host().read(s, 0x3d, 1), vdm.host().read(s, 0x3c, 1), QdevIds.ofHost(vdm, s));
            for (int n = 0; n < f.layout().barCount(); n++) {
                if (!f.barImplemented(n)) continue;
                PciDeviceInfoJson.bar(d, n, f.barKind(n) == BarKind.IO, f.barDecodes(n) ? f.barAddress(n) : -1, f.barSize(n),
                        f.barPrefetchable(n), f.barKind(n) == BarKind.MEM64);
            }
            if (f.romSize() > 0) PciDeviceInfoJson.rom(d, f.romDecodes() ? f.romAddress() : -1, f.romSize(), false);
            // PciDeviceInfo orders pci_bridge before regions; JSON objects are unordered, QEMU's own output is not sorted
            f.asBridge().ifPresent(b -> d.set("pci_bridge", bridge(vdm, f, b)));
        }
        return list;
    }

    /** qmp_query_pci_bridge: bus numbers, the ranges from the registers, and the devices on a numbered secondary bus. */
    private static ObjectNode bridge(Vdm vdm, PhysicalFunction f, Bridge b) {
        ObjectNode o = PassthroughCommands.JSON.objectNode();
        ObjectNode bus = o.putObject("bus").put("number", b.primaryBus()).put("secondary", b.secondaryBus())
                .put("subordinate", b.subordinateBus());
        BridgeRanges r = BridgeRanges.of(f);
        bus.putObject("io_range").put("base", r.ioBase()).put("limit", r.ioLimit());
        bus.putObject("memory_range").put("base", r.memoryBase()).put("limit", r.memoryLimit());
        bus.putObject("prefetchable_range").put("base", r.prefetchableBase()).put("limit", r.prefetchableLimit());
        if (b.secondaryBus() != 0) o.set("devices", devices(vdm, b.secondaryBus()));
        return o;
    }
}
