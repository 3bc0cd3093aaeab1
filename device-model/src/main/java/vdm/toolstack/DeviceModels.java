package vdm.toolstack;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import vdm.xen.Domain;

/**
 * The guests' QEMUs as ioreq servers: one per guest, created with the guest's first MSI-X device (QEMU registers
 * itself with Xen as the domain's ioreq server when it starts; vdm does it when there is something to serve) and kept
 * while the guest lives, serving the MSI-X tables of the devices attached to it now.
 */
final class DeviceModels {
    private final Map<Domain, DeviceModelMmio> servers = new HashMap<>();

    /** After an attach, a detach or a restore: {@code d}'s server serves the tables of {@code devices}. */
    void refresh(Domain d, List<XenPtDevice> devices) {
        List<XenPtMsix> tables = devices.stream().map(XenPtDevice::msix).filter(Objects::nonNull).toList();
        DeviceModelMmio server = servers.get(d);
        if (server == null) {
            if (tables.isEmpty()) return;
            server = new DeviceModelMmio();
            servers.put(d, server);
            d.ioreqServer(server);
        }
        server.tables(tables);
    }

    /** After a state restore: every guest's server serves the tables of the devices {@code attached} gives it. */
    void restore(java.util.Collection<XenPtDevice> attached) {
        java.util.Set<Domain> guests = new java.util.HashSet<>(servers.keySet());
        for (XenPtDevice p : attached) guests.add(p.guest());
        for (Domain d : guests) refresh(d, attached.stream().filter(p -> p.guest() == d).toList());
    }
}
