package vdm.toolstack;

import java.util.HexFormat;
import java.util.TreeMap;
import vdm.Vdm;
import vdm.host.PhysicalFunction;
import vdm.xen.Domain;
import vdm.xen.P2m;
import vdm.xen.PirqTable;

/** A fingerprint of everything an attach or detach may touch, to prove a failed one changed nothing. */
final class SystemState {
    private SystemState() {}

    static String of(Vdm vdm) {
        StringBuilder sb = new StringBuilder();
        for (Domain d : vdm.xen().domains()) {
            sb.append("d").append(d.id()).append(" caps ").append(d.irqCaps()).append('\n');
            for (PirqTable.Mapping m : d.pirqs().mappings()) sb.append("  pirq ").append(m.pirq()).append("->").append(m.irq()).append(m.bound() ? " bound" : "").append('\n');
            for (P2m.Range r : d.p2m().ranges()) sb.append("  p2m ").append(r).append('\n');
            sb.append("  assigned ").append(vdm.xen().assignedDevices(d)).append('\n');
            TreeMap<String, String> vpci = new TreeMap<>();
            for (var h : d.headers()) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < h.barCount(); i++) b.append(h.bar(i)).append(';');
                vpci.put(h.sbdf().toString(), b + " rom " + h.rom());
            }
            sb.append("  vpci ").append(vpci).append('\n');
            if (d.interrupts() != null) sb.append("  bindings ").append(new TreeMap<>(d.interrupts().bindings())).append('\n');
        }
        sb.append("pciback ").append(vdm.kernel().pciback().devices()).append('\n');
        sb.append("attached ").append(vdm.libxl().attachedDevices()).append('\n');
        for (PhysicalFunction f : vdm.host().functions()) {
            sb.append(f.sbdf()).append(' ').append(HexFormat.of().formatHex(f.config().bytes(), 0, 64)).append('\n');
        }
        return sb.toString();
    }
}
