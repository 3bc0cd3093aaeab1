package vdm.explore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import vdm.Vdm;
import vdm.host.LinkDevice;
import vdm.host.PhysicalFunction;
import vdm.ioapic.IoApic;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;
import vdm.xen.Header;
import vdm.xen.P2m;

/**
 * A digest of everything that decides what the model does next: every function's config space, the links, the
 * physical and virtual IO-APIC entries, each domain's pirqs, permissions, p2m and vPCI caches, the GSIs set up,
 * dom0's drivers and IRQs, pciback's devices and the guests' devices. Logs and traces are output, not state, and
 * are left out. Two models with equal fingerprints answer every operation the same way.
 */
public final class ModelFingerprint {
    private ModelFingerprint() {}

    public static String of(Vdm vdm) {
        StringBuilder sb = new StringBuilder(4096);
        for (PhysicalFunction f : vdm.host().functions()) {
            sb.append(f.sbdf()).append(HexFormat.of().formatHex(f.config().bytes(), 0, 256));
            sb.append(vdm.kernel().driver(f.sbdf())).append(vdm.kernel().enabled(f.sbdf())).append(vdm.kernel().irq(f.sbdf()));
            sb.append(vdm.kernel().sysfs(f.sbdf()).gsi().orElse(-1)).append(';');
        }
        for (LinkDevice l : vdm.host().links()) sb.append(l.name()).append(l.current()).append(';');
        for (IoApic a : vdm.host().gsiSpace().ioApics()) appendIoApic(sb, a);
        for (IoApic a : vdm.xen().dom0VioApics()) appendIoApic(sb, a);
        if (vdm.xen().routing() != null) sb.append(vdm.xen().routing().programmedGsis());
        for (Domain d : vdm.xen().domains()) {
            sb.append("|d").append(d.id()).append(d.irqCaps());
            for (int[] m : d.pirqs().mappings()) sb.append(m[0]).append('>').append(m[1]).append(d.pirqs().bound(m[0]) ? 'b' : 'u');
            for (P2m.Range r : d.p2m().ranges()) sb.append(r);
            for (Header h : d.headers()) {
                sb.append(h.sbdf());
                for (int i = 0; i < h.barCount(); i++) sb.append(h.bar(i));
                sb.append(h.rom()).append(h.romEnabled());
            }
            if (d.interrupts() != null) {
                appendIoApic(sb, d.interrupts().vioapic());
                sb.append(d.interrupts().bindings());
            }
            sb.append(vdm.xen().assignedDevices(d));
        }
        for (var s : vdm.kernel().pciback().devices()) sb.append("pb").append(s).append(vdm.kernel().pciback().gsi(s));
        for (var s : vdm.libxl().attachedDevices()) {
            XenPtDevice pt = vdm.libxl().device(s);
            sb.append("pt").append(s).append(pt.guest().id()).append(pt.machineIrq()).append(pt.interruptBound());
            for (int off = 0; off < 0x40; off += 4) sb.append(Integer.toHexString(pt.guestRead(off, 4)));
        }
        return digest(sb.toString());
    }

    private static void appendIoApic(StringBuilder sb, IoApic a) {
        for (int pin = 0; pin < a.pins(); pin++) sb.append(Long.toHexString(a.entry(pin))).append(a.pending(pin) ? '!' : ',');
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
