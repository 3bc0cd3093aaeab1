package vdm.dom0;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vdm.pci.Sbdf;
import vdm.fingerprint.StateHash;

/**
 * dom0's mutable state in memory: each device's driver, enable state, IRQ, recorded GSI and resources (by SBDF); the
 * IRQ numbers given to GSIs (by GSI, and the next free IRQ); the resource and vector cursors; pciback's devices with
 * their saved config and GSI (by SBDF). The kernel log is output, not state.
 */
public record Dom0State(Cursors cursors, Device[] devices, LinuxIrqs.Saved irqs, Held[] pciback) {

    /**
     * Where the kernel's allocators are: the next IO-APIC vector. (BAR assignment runs at boot only and keeps no cursor:
     * what it placed is in each device's resources.)
     */
    public record Cursors(int nextVector) {}

    /** {@code savedState}: what pci_save_state kept in the device, null if nothing. */
    public record Device(Sbdf sbdf, Dom0Kernel.Driver driver, boolean enabled, int irq, int gsiAtEnable, long[] resource,
                         int[] savedState) {}

    /** A device pciback holds: the GSI it set up (-1 if none) and the state it saved. */
    public record Held(Sbdf sbdf, int gsi, int[] savedState) {}

    public static Dom0State capture(Dom0Kernel k) {
        List<Device> devices = new ArrayList<>();
        for (Map.Entry<Sbdf, PciDev> e : new TreeMap<>(k.devices()).entrySet()) {
            PciDev d = e.getValue();
            devices.add(new Device(e.getKey(), d.driver, d.enabled, d.irq, d.gsiAtEnable, d.resource.clone(),
                    d.savedState == null ? null : d.savedState.clone()));
        }
        return new Dom0State(k.cursors(), devices.toArray(Device[]::new), k.irqs().export(), k.pciback().export());
    }

    /** Refuses a state that does not fit {@code k} before anything changes, naming what does not fit. */
    public void check(Dom0Kernel k) {
        if (cursors == null) throw new IllegalArgumentException("dom0 cursors are missing");
        for (Device d : devices) {
            if (!k.exists(d.sbdf())) throw new IllegalArgumentException("no PCI device " + d.sbdf() + " in dom0");
            if (d.resource().length != 7) throw new IllegalArgumentException(d.sbdf() + ": " + d.resource().length + " resources saved, 7 expected");
            if (d.savedState() != null && d.savedState().length != 16) {
                throw new IllegalArgumentException(d.sbdf() + ": " + d.savedState().length + " saved config dwords, 16 expected");
            }
        }
        for (LinuxIrqs.Registration r : irqs.registrations()) {
            if (r.gsi() < 0 || r.irq() < 0) throw new IllegalArgumentException("dom0 registered GSI " + r.gsi() + " as IRQ " + r.irq() + ": a negative number");
        }
        for (Held h : pciback) if (!k.exists(h.sbdf())) throw new IllegalArgumentException("pciback holds " + h.sbdf() + ", which dom0 lacks");
    }

    /** Puts dom0's kernel into this state; {@link #check} first (as {@code ModelState.restore} does for every layer). */
    public void restore(Dom0Kernel k) {
        k.restoreCursors(cursors);
        for (Device s : devices) {
            PciDev d = k.dev(s.sbdf());
            d.driver = s.driver();
            d.enabled = s.enabled();
            d.irq = s.irq();
            d.gsiAtEnable = s.gsiAtEnable();
            System.arraycopy(s.resource(), 0, d.resource, 0, 7);
            d.savedState = s.savedState() == null ? null : s.savedState().clone();
        }
        k.irqs().restore(irqs);
        k.pciback().restore(pciback);
    }

    public void hashInto(StateHash h) {
        h.put(cursors.nextVector()).put(devices.length);
        for (Device d : devices) {
            h.put(d.sbdf().packed()).put(d.driver().ordinal()).put(d.enabled()).put(d.irq()).put(d.gsiAtEnable()).put(d.resource()).put(d.savedState());
        }
        h.put(irqs.registrations().length);
        for (LinuxIrqs.Registration r : irqs.registrations()) h.put(r.gsi()).put(r.irq());
        h.put(irqs.nextIrq());
        h.put(pciback.length);
        for (Held x : pciback) h.put(x.sbdf().packed()).put(x.gsi()).put(x.savedState());
    }
}
