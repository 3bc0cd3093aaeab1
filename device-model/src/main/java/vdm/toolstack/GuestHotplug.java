package vdm.toolstack;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vdm.pci.Sbdf;

/**
 * The guests' side of PCI hot-unplug: how each guest answers an unplug request ({@link GuestEject}, at once unless
 * set) and which requests are pending (QEMU's {@code pending_deleted_event}: asked, not yet ejected). A pending
 * request ends when the device is detached ({@link Libxl#pciDetach}) or its domain destroyed.
 */
public final class GuestHotplug {
    private final Map<Integer, GuestEject> policies = new HashMap<>();
    /** Pending requests: the device and its guest, in the order asked. */
    private final Map<Sbdf, Integer> pending = new LinkedHashMap<>();

    GuestHotplug() {}

    public synchronized GuestEject policy(int domid) {
        return policies.getOrDefault(domid, GuestEject.AT_ONCE);
    }

    public synchronized void policy(int domid, GuestEject eject) {
        policies.put(domid, java.util.Objects.requireNonNull(eject, "eject"));
    }

    /**
     * Records an unplug request for {@code device} of guest {@code domid} (qdev_unplug); false if one is pending
     * already (QEMU: "Device x is already in the process of unplug").
     */
    public synchronized boolean request(int domid, Sbdf device) {
        return pending.putIfAbsent(device, domid) == null;
    }

    public synchronized boolean isPending(Sbdf device) {
        return pending.containsKey(device);
    }

    /** The devices of {@code domid} asked to go that the guest has not ejected. */
    public synchronized List<Sbdf> pending(int domid) {
        List<Sbdf> out = new ArrayList<>();
        pending.forEach((s, d) -> { if (d == domid) out.add(s); });
        return out;
    }

    synchronized void detached(Sbdf device) {
        pending.remove(device);
    }

    synchronized void destroyed(int domid) {
        policies.remove(domid);
        pending.values().removeIf(d -> d == domid);
    }
}
