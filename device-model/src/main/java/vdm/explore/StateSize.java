package vdm.explore;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import vdm.dom0.Dom0State;
import vdm.dom0.LinuxIrqs;
import vdm.dom0.SysfsDevice;
import vdm.host.HostState;
import vdm.snapshot.ModelState;
import vdm.toolstack.BarMapping;
import vdm.toolstack.ToolstackState;
import vdm.xen.BarState;
import vdm.xen.P2m;
import vdm.xen.PirqTable;
import vdm.xen.XenState;

/**
 * An estimate of the heap a set of captured states holds, for the explorer's memory figure: 16-byte object and array
 * headers (12 bytes for an object, 16 for an array), 4-byte references (compressed oops), fields of their own size,
 * 8-byte alignment; an object shared between states (a config image, a string) is counted once. Immutable JDK values it points at (enum constants, SBDFs interned by the host) are not counted.
 */
final class StateSize {
    private final Set<Object> counted = Collections.newSetFromMap(new IdentityHashMap<>());
    private long bytes;

    static long of(List<ModelState> states) {
        StateSize s = new StateSize();
        for (ModelState m : states) s.model(m);
        return s.bytes;
    }

    private boolean first(Object o) {
        return o != null && counted.add(o);
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }

    private static final int REF = 4, INT = 4, LONG = 8, BOOLEAN = 1;

    /** An object whose fields are all references or ints. */
    private void object(int fields) {
        fields(4 * fields);
    }

    /** An object with {@code fieldBytes} bytes of fields. */
    private void fields(int fieldBytes) {
        bytes += align(12 + fieldBytes);
    }

    /** A record counted once however many states share it. */
    private void record(Object r, int fieldBytes) {
        if (first(r)) fields(fieldBytes);
    }

    private void ints(int[] a) {
        if (first(a)) bytes += align(16 + 4L * a.length);
    }

    private void longs(long[] a) {
        if (first(a)) bytes += align(16 + 8L * a.length);
    }

    private void refs(Object[] a) {
        if (first(a)) bytes += align(16 + 4L * a.length);
    }

    private void model(ModelState m) {
        object(4);
        HostState h = m.host();
        object(4);
        refs(h.configs());
        for (HostState.ConfigImage c : h.configs()) {
            if (first(c)) bytes += align(12 + 8) + align(16 + 16) + align(16 + 4L * c.dwordCount());
        }
        ints(h.links());
        refs(h.ioApics());
        for (long[] w : h.ioApics()) longs(w);
        XenState x = m.xen();
        object(6);
        ints(x.programmedGsis());
        refs(x.dom0VioApics());
        for (long[] w : x.dom0VioApics()) longs(w);
        refs(x.assigned());
        for (XenState.Assigned a : x.assigned()) record(a, REF + INT);
        refs(x.domains());
        for (XenState.DomainState d : x.domains()) {
            fields(3 * INT + BOOLEAN + 7 * REF);
            longs(d.irqCaps());
            refs(d.pirqs());
            for (PirqTable.Mapping p : d.pirqs()) record(p, 2 * INT + REF + BOOLEAN);
            refs(d.p2m());
            for (P2m.Range r : d.p2m()) {
                if (first(r)) object(7);
                if (first(r.owner())) object(2);
            }
            refs(d.vpci());
            for (XenState.HeaderState hs : d.vpci()) {
                record(hs, REF + INT + BOOLEAN + 2 * REF);
                refs(hs.bars());
                for (BarState.Saved b : hs.bars()) bar(b);
                bar(hs.rom());
            }
            longs(d.vioapic());
            if (d.bindings() != null) {
                refs(d.bindings());
                for (var b : d.bindings()) if (first(b)) object(5);
            }
        }
        Dom0State k = m.dom0();
        object(4);
        record(k.cursors(), INT);
        refs(k.devices());
        for (Dom0State.Device d : k.devices()) {
            if (first(d)) object(6);
            longs(d.resource());
            ints(d.savedState());
        }
        record(k.irqs(), REF + INT);
        refs(k.irqs().registrations());
        for (LinuxIrqs.Registration r : k.irqs().registrations()) record(r, 2 * INT);
        refs(k.pciback());
        for (Dom0State.Held p : k.pciback()) {
            if (first(p)) object(3);
            ints(p.savedState());
        }
        ToolstackState t = m.toolstack();
        object(2);
        refs(t.attached());
        for (ToolstackState.Attached a : t.attached()) {
            if (first(a)) object(11); // Attached has 11 components
            if (first(a.config())) bytes += align(16 + a.config().length);
            refs(a.resources());
            for (SysfsDevice.Resource r : a.resources()) record(r, 3 * LONG);
            longs(a.guestBars());
            refs(a.mappings());
            for (BarMapping b : a.mappings()) record(b, INT + 3 * LONG);
        }
        refs(t.routed());
        for (var r : t.routed()) if (first(r)) object(4);
    }

    private void bar(BarState.Saved b) {
        record(b, REF + 3 * LONG + 2 * BOOLEAN);
    }
}
