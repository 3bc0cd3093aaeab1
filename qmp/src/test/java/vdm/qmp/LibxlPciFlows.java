package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import vdm.pci.Sbdf;

/**
 * libxl's PCI conversations with its QEMU, as tools/libs/light/libxl_pci.c holds them, over {@link LibxlQmp}:
 * attach (pci_add_qmp_device_add, pci_add_qmp_device_add_cb, pci_add_qmp_query_pci_cb) and detach
 * (pci_remove_qmp_device_del, _device_del_cb, _retry_timer_cb, _query_cb, pci_remove_timeout), with libxl's timings
 * scaled by the caller. Outcomes are libxl's rc names.
 */
final class LibxlPciFlows {
    private LibxlPciFlows() {}

    /** PCI_PT_QDEV_ID: "pci-pt-%02x_%02x.%01x" of bus, device, function: the segment is not in it. */
    static String qdevId(Sbdf host) {
        return String.format("pci-pt-%02x_%02x.%01x", host.bus(), host.device(), host.function());
    }

    record Attach(String rc, int vdevfn, LibxlQmp ev, List<String> log) {}

    record Detach(String rc, int polls, List<LibxlQmp> evs, List<String> log) {}

    /** pci_add_qmp_device_add: driver, id, hostaddr, addr "%x.%x" if a vdevfn was asked, permissive only if true. */
    static Attach add(Path socket, Sbdf host, int vdevfn, boolean permissive) throws IOException {
        List<String> log = new ArrayList<>();
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("driver", "xen-pci-passthrough").put("id", qdevId(host))
                .put("hostaddr", String.format("%04x:%02x:%02x.%01x", host.segment(), host.bus(), host.device(), host.function()));
        if (vdevfn != 0) args.put("addr", String.format("%x.%x", vdevfn >>> 3, vdevfn & 7));
        if (permissive) args.put("permissive", true);
        LibxlQmp ev = new LibxlQmp(socket);
        LibxlQmp.Reply added = ev.send("device_add", args);
        if (!added.ok()) {
            log.add("libxl: error: Domain:" + added.error().path("desc").asText());
            ev.dispose();
            return new Attach("ERROR_FAIL", -1, ev, log);
        }
        LibxlQmp.Reply pci = ev.send("query-pci", null); // pci_add_qmp_device_add_cb: same ev, still connected
        ev.dispose();
        if (!pci.ok()) return new Attach("ERROR_FAIL", -1, ev, log);
        String asked = qdevId(host);
        for (JsonNode bus : pci.value()) {
            JsonNode devices = bus.get("devices");
            if (devices == null || !devices.isArray()) return qemuApi(ev, log, pci.value());
            for (JsonNode device : devices) {
                JsonNode id = device.get("qdev_id");
                if (id == null || !id.isTextual()) return qemuApi(ev, log, pci.value());
                if (!asked.equals(id.textValue())) continue;
                JsonNode slot = device.get("slot"), function = device.get("function");
                if (slot == null || !slot.isIntegralNumber() || function == null || !function.isIntegralNumber()) {
                    return qemuApi(ev, log, pci.value());
                }
                return new Attach("0", slot.intValue() << 3 | function.intValue(), ev, log);
            }
        }
        log.add("libxl: error: PCI device id '" + asked + "' wasn't found in QEMU's 'query-pci' response.");
        return new Attach("ERROR_FAIL", -1, ev, log);
    }

    private static Attach qemuApi(LibxlQmp ev, List<String> log, JsonNode response) {
        log.add("libxl: error: Unexpected response to QMP cmd 'query-pci', received:\n" + response);
        return new Attach("ERROR_QEMU_API", -1, ev, log);
    }

    /**
     * pci_remove_qmp_device_del: the LIBXL_QMP_CMD_TIMEOUT timer starts, device_del goes out; its callback polls at
     * once on the same connection; pci_remove_qmp_query_cb disposes the ev before it reads the answer, so every later
     * poll, {@code every} apart, is a fresh connection; the timer ends it with "timed out waiting for DM to remove".
     */
    static Detach remove(Path socket, Sbdf host, Duration every, Duration timeout) throws IOException {
        List<String> log = new ArrayList<>();
        List<LibxlQmp> evs = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        String asked = qdevId(host);
        LibxlQmp ev = new LibxlQmp(socket);
        evs.add(ev);
        LibxlQmp.Reply del = ev.send("device_del", JsonNodeFactory.instance.objectNode().put("id", asked));
        if (!del.ok()) {
            ev.dispose();
            log.add("libxl: error: Domain:" + del.error().path("desc").asText());
            return new Detach("ERROR_FAIL", 0, evs, log);
        }
        int polls = 0;
        while (true) {
            LibxlQmp.Reply pci = ev.send("query-pci", null);
            polls++;
            ev.dispose();
            if (!pci.ok()) return new Detach("ERROR_FAIL", polls, evs, log);
            boolean present = false;
            for (JsonNode bus : pci.value()) {
                JsonNode devices = bus.get("devices");
                if (devices == null || !devices.isArray()) return new Detach("ERROR_QEMU_API", polls, evs, log);
                for (JsonNode device : devices) {
                    JsonNode id = device.get("qdev_id");
                    if (id == null || !id.isTextual()) return new Detach("ERROR_QEMU_API", polls, evs, log);
                    if (asked.equals(id.textValue())) present = true;
                }
            }
            if (!present) return new Detach("0", polls, evs, log);
            long next = System.nanoTime() + every.toNanos();
            if (next >= deadline) {
                sleepUntil(deadline);
                log.add("libxl: warning: timed out waiting for DM to remove " + asked);
                return new Detach("ERROR_TIMEDOUT", polls, evs, log);
            }
            sleepUntil(next);
            ev = new LibxlQmp(socket);
            evs.add(ev);
        }
    }

    private static void sleepUntil(long nanoTime) {
        long left = nanoTime - System.nanoTime();
        if (left <= 0) return;
        try {
            Thread.sleep(Duration.ofNanos(left));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
