package vdm.qmp.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.Vdm;
import vdm.host.Bridge;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.pci.layout.BarKind;
import vdm.toolstack.XenPtDevice;

/**
 * query-pci in QEMU 7.2's shape (qapi/pci.json PciInfo, PciDeviceInfo): one entry per root bus, devices with
 * class_info (QEMU's class names, {@link QemuClassNames}), id, irq_pin, irq, qdev_id and regions (ROM is bar 6,
 * address -1 when not decoding), bridges with their bus numbers, windows and the devices behind them; plus vdm's
 * x-vdm-owner (dom0, pciback or dN) and x-vdm-gsi. No MSI or MSI-X state: QEMU has none here (x-vdm-query-msi).
 */
final class QueryPci {
    private QueryPci() {}

    static ArrayNode of(Vdm vdm) {
        ArrayNode out = PassthroughCommands.JSON.arrayNode();
        ObjectNode bus0 = out.addObject().put("bus", 0);
        bus0.set("devices", devices(vdm, 0));
        return out;
    }

    private static ArrayNode devices(Vdm vdm, int bus) {
        ArrayNode list = PassthroughCommands.JSON.arrayNode();
        for (PhysicalFunction f : vdm.host().functions()) {
            Sbdf s = f.sbdf();
            if (s.bus() != bus || s.segment() != 0) continue;
            ObjectNode d = list.addObject().put("bus", s.bus()).put("slot", s.device()).put("function", s.function());
            int cls = vdm.host().read(s, 0x0a, 2);
            ObjectNode classInfo = d.putObject("class_info").put("class", cls);
            QemuClassNames.desc(cls).ifPresent(desc -> classInfo.put("desc", desc));
            ObjectNode id = d.putObject("id").put("vendor", vdm.host().read(s, 0, 2)).put("device", vdm.host().read(s, 2, 2));
            if (f.layout().headerType() == 0) {
                id.put("subsystem", vdm.host().read(s, 0x2e, 2)).put("subsystem-vendor", vdm.host().read(s, 0x2c, 2));
            }
            int pin = vdm.host().read(s, 0x3d, 1);
            d.put("irq_pin", pin);
            if (pin != 0) d.put("irq", vdm.host().read(s, 0x3c, 1));
            d.put("qdev_id", QdevIds.ofHost(vdm, s));
            ArrayNode regions = d.putArray("regions");
            for (int n = 0; n < f.layout().barCount(); n++) {
                if (!f.barImplemented(n)) continue;
                ObjectNode r = regions.addObject().put("bar", n).put("type", f.barKind(n) == BarKind.IO ? "io" : "memory")
                        .put("address", f.barDecodes(n) ? f.barAddress(n) : -1).put("size", f.barSize(n));
                if (f.barKind(n) != BarKind.IO) {
                    r.put("prefetch", f.barPrefetchable(n)).put("mem_type_64", f.barKind(n) == BarKind.MEM64);
                }
            }
            if (f.romSize() > 0) {
                regions.addObject().put("bar", 6).put("type", "memory").put("address", f.romDecodes() ? f.romAddress() : -1)
                        .put("size", f.romSize()).put("prefetch", false).put("mem_type_64", false);
            }
            f.asBridge().ifPresent(b -> d.set("pci_bridge", bridge(vdm, f, b)));
            XenPtDevice pt = vdm.libxl().device(s);
            String owner = pt != null ? "d" + pt.guest().id() : vdm.kernel().pciback().holds(s) ? "pciback" : "dom0";
            d.put("x-vdm-owner", owner);
            vdm.host().route(s).map(IntxRoute::gsi).filter(g -> g >= 0).ifPresent(g -> d.put("x-vdm-gsi", g));
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
