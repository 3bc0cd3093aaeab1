package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import vdm.errno.Errno;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;

/**
 * The hardware domain's virtual IO-APICs (Xen's vioapic.c for a PVH dom0): they mirror the host's IO-APICs (pin
 * counts and GSI bases, version 0x11), and unmasking a pin is when Xen registers that GSI with the physical IO-APIC,
 * maps pirq = gsi for dom0 and binds it (vioapic_hwdom_map_gsi). A dom0 whose device uses MSI never unmasks the
 * pin, so its GSI is never registered: the reason pciback must call PHYSDEVOP_setup_gsi. A GSI registered before
 * (-EEXIST) is neither mapped nor bound again; a new one is bound shared only if the pin is level-triggered.
 */
final class HwdomVioapics {
    private HwdomVioapics() {}

    static List<IoApic> build(Xen xen, Domain dom0) {
        List<IoApic> out = new ArrayList<>();
        for (IoApic physical : xen.routing().physical().ioApics()) {
            IoApic v = IoApic.builder().id(physical.id()).pins(physical.pins()).version(IoApic.VERSION_11)
                    .gsiBase(physical.gsiBase()).address(physical.address()).sink(InterruptSink.DISCARD).build();
            v.addUnmaskListener((source, pin, gsi, trigger, polarity) -> mapGsi(xen, dom0, gsi, trigger, polarity));
            out.add(v);
        }
        return List.copyOf(out);
    }

    /** vioapic_hwdom_map_gsi, with its log lines. */
    static int mapGsi(Xen xen, Domain dom0, int gsi, TriggerMode trigger, Polarity polarity) {
        int rc = xen.routing().registerGsi(gsi, trigger == TriggerMode.LEVEL, polarity == Polarity.ACTIVE_LOW);
        if (rc == -Errno.EEXIST) return 0;
        if (rc != 0) {
            xen.log().warn(dom0.id(), "vioapic: error registering GSI %d: %d", gsi, rc);
            return rc;
        }
        PhysdevOps.PirqResult mapped = xen.physdev().allocateAndMapGsiPirq(dom0, dom0, gsi, gsi);
        if (mapped.rc() != 0) {
            xen.log().warn(dom0.id(), "vioapic: error mapping GSI %d: %d", gsi, mapped.rc());
            return mapped.rc();
        }
        // pt_irq_create_bind for the hardware domain: share = the vIO-APIC pin's trigger mode (level shares, edge does
        // not), then pirq_guest_bind; a refusal unmaps the pirq again (unmap_domain_pirq).
        int bound = xen.irqActions().bind(dom0, mapped.pirq(), gsi, trigger == TriggerMode.LEVEL);
        if (bound != 0) {
            xen.log().warn(dom0.id(), "vioapic: error binding GSI %d: %d", gsi, bound);
            dom0.pirqs().unmap(mapped.pirq()); // the hardware domain keeps its irq permission
            return bound;
        }
        dom0.pirqs().bind(mapped.pirq(), true);
        return 0;
    }
}
