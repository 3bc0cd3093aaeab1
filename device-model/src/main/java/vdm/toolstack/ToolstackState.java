package vdm.toolstack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vdm.dom0.SysfsDevice;
import vdm.pci.Sbdf;
import vdm.fingerprint.StateHash;
import vdm.xen.Domain;

/**
 * The toolstack's mutable state in memory: each attached device with the emulated state QEMU keeps for it (by host
 * SBDF), and how libxl routed each device's interrupt (pirq, GSI, whether through the GSI path).
 */
public record ToolstackState(Attached[] attached, Routed[] routed) {

    /**
     * {@code resources} are the sysfs lines realize read (six BARs and the ROM); {@code mappings} are ordered by BAR;
     * {@code qdevId} is QEMU's qdev id, null if device_add gave none; {@code ioMappings} are the IO BARs QEMU mapped, by BAR;
     * {@code msi} and {@code msix} are QEMU's emulated MSI and MSI-X, null where the device has none (or the state
     * predates them: the emulation then starts as realize leaves it).
     */
    public record Attached(Sbdf host, int domid, int slot, byte[] config, int guestRom, int machineIrq, boolean bound,
                           SysfsDevice.Resource[] resources, long[] guestBars, BarMapping[] mappings, String qdevId,
                           IoBarMapping[] ioMappings, GuestMsiState msi, GuestMsixState msix) {

        /** Without MSI and MSI-X state (a document that does not carry them). */
        public Attached(Sbdf host, int domid, int slot, byte[] config, int guestRom, int machineIrq, boolean bound,
                        SysfsDevice.Resource[] resources, long[] guestBars, BarMapping[] mappings, String qdevId, IoBarMapping[] ioMappings) {
            this(host, domid, slot, config, guestRom, machineIrq, bound, resources, guestBars, mappings, qdevId, ioMappings, null, null);
        }
    }

    public record Routed(Sbdf sbdf, int pirq, int gsi, boolean viaGsi) {}

    public static ToolstackState capture(Libxl libxl) {
        List<Attached> out = new ArrayList<>();
        for (Map.Entry<Sbdf, XenPtDevice> e : libxl.attachedMap().entrySet()) {
            XenPtDevice p = e.getValue();
            out.add(new Attached(e.getKey(), p.guest().id(), p.guestSlot(), p.copy(), p.guestRom(), p.machineIrq(), p.interruptBound(),
                    p.resources(), p.guestBars(), p.mappings(), p.qdevId(), p.ioMappings(),
                    p.msi() == null ? null : p.msi().state(), p.msix() == null ? null : p.msix().state()));
        }
        out.sort(Comparator.comparing(Attached::host));
        List<Routed> routed = new ArrayList<>();
        libxl.routedMap().forEach((s, r) -> routed.add(new Routed(s, r.pirq(), r.index(), r.viaGsi())));
        routed.sort(Comparator.comparing(Routed::sbdf));
        return new ToolstackState(out.toArray(Attached[]::new), routed.toArray(Routed[]::new));
    }

    /** Refuses a state that does not fit before anything changes: {@code domains} are the domain ids the model will have. */
    public void check(java.util.Set<Integer> domains) {
        for (Attached a : attached) {
            if (!domains.contains(a.domid())) throw new IllegalArgumentException("attached device " + a.host() + ": no domain " + a.domid());
            if (a.config().length != 256) throw new IllegalArgumentException("attached device " + a.host() + ": " + a.config().length + " config bytes, 256 expected");
            if (a.guestBars().length != 6) throw new IllegalArgumentException("attached device " + a.host() + ": " + a.guestBars().length + " guest BARs, 6 expected");
            if (a.resources().length != 7) throw new IllegalArgumentException("attached device " + a.host() + ": " + a.resources().length + " resources, 7 expected");
            GuestMsixState x = a.msix();
            if (x != null) {
                int n = x.pirq().length;
                if (n < 1 || n > 2048 || x.latch().length != 4 * n || x.addr().length != n || x.data().length != n || x.updated().length != n) {
                    throw new IllegalArgumentException("attached device " + a.host() + ": MSI-X state of " + n + " entries with "
                            + x.latch().length + " latched dwords, " + x.addr().length + " addresses, " + x.data().length + " data and "
                            + x.updated().length + " updated flags (4, 1, 1 and 1 per entry expected)");
                }
            }
            String wrong = XenPtDevice.msiMismatch(a.config(), a.msi(), a.msix());
            if (wrong != null) throw new IllegalArgumentException("attached device " + a.host() + ": " + wrong);
            java.util.BitSet bars = new java.util.BitSet();
            for (BarMapping m : a.mappings()) {
                if (m.bar() < 0 || m.bar() >= 6) throw new IllegalArgumentException("attached device " + a.host() + ": a mapping of BAR " + m.bar() + " (BARs are 0 to 5)");
                if (bars.get(m.bar())) throw new IllegalArgumentException("attached device " + a.host() + ": BAR " + m.bar() + " is mapped twice");
                bars.set(m.bar());
            }
            for (IoBarMapping m : a.ioMappings()) {
                if (m.bar() < 0 || m.bar() >= 6) throw new IllegalArgumentException("attached device " + a.host() + ": an IO mapping of BAR " + m.bar() + " (BARs are 0 to 5)");
                if (bars.get(m.bar())) throw new IllegalArgumentException("attached device " + a.host() + ": BAR " + m.bar() + " is mapped twice");
                bars.set(m.bar());
            }
        }
    }

    /**
     * Puts the toolstack into this state, once the hypervisor's state (its domains) is restored; {@link #check} first
     * (as {@code ModelState.restore} does for every layer).
     */
    public void restore(Libxl libxl) {
        Map<Sbdf, XenPtDevice> current = libxl.attachedMap();
        Map<Sbdf, XenPtDevice> devices = new LinkedHashMap<>();
        for (Attached a : attached) {
            Domain guest = libxl.xen().domain(a.domid());
            XenPtDevice p = current.get(a.host());
            // QEMU's object for the device is kept when it is the same realization (guest, slot, host resources)
            if (p == null || p.guest() != guest || p.guestSlot() != a.slot() || !Arrays.equals(p.resources(), a.resources())) {
                p = new XenPtDevice(libxl.xen(), libxl.kernel(), libxl.log(), libxl.steps(), guest, a.host(), a.slot(), a.config(), a.resources());
            }
            p.restore(a.config(), a.guestBars(), a.guestRom(), a.machineIrq(), a.bound(), a.mappings(), a.ioMappings());
            p.restoreMsi(a.msi(), a.msix());
            p.qdevId(a.qdevId());
            devices.put(a.host(), p);
        }
        Map<Sbdf, Libxl.Route> routes = new LinkedHashMap<>();
        for (Routed r : routed) routes.put(r.sbdf(), new Libxl.Route(r.pirq(), r.gsi(), r.viaGsi()));
        libxl.restore(devices, routes);
    }

    public void hashInto(StateHash h) {
        h.put(attached.length);
        for (Attached a : attached) {
            h.put(a.host().packed()).put(a.domid()).put(a.slot()).put(a.config()).put(a.guestRom()).put(a.machineIrq()).put(a.bound());
            h.put(a.resources().length);
            for (SysfsDevice.Resource r : a.resources()) h.put(r.start()).put(r.end()).put(r.flags());
            h.put(a.guestBars()).put(a.mappings().length);
            for (BarMapping m : a.mappings()) h.put(m.bar()).put(m.gfn()).put(m.mfn()).put(m.frames());
            h.put(a.qdevId()).put(a.ioMappings().length);
            for (IoBarMapping m : a.ioMappings()) h.put(m.bar()).put(m.gport()).put(m.mport()).put(m.ports());
            GuestMsiState i = a.msi();
            h.put(i != null);
            if (i != null) h.put(i.flags()).put(i.ctrl()).put(i.addrLo()).put(i.addrHi()).put(i.data()).put(i.pirq()).put(i.initialized()).put(i.mapped());
            GuestMsixState x = a.msix();
            h.put(x != null);
            if (x != null) {
                h.put(x.enabled()).put(x.maskall()).put(x.mmioBase()).put(x.inSpace()).put(x.latch()).put(x.addr()).put(x.data()).put(x.pirq());
                for (boolean u : x.updated()) h.put(u);
            }
        }
        h.put(routed.length);
        for (Routed r : routed) h.put(r.sbdf().packed()).put(r.pirq()).put(r.gsi()).put(r.viaGsi());
    }
}
