package vdm.persist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import java.util.List;
import vdm.host.DeviceMemoryState;
import vdm.host.Host;
import vdm.host.HostState;
import vdm.host.LinkDevice;
import vdm.host.PhysicalFunction;

/**
 * The hardware's part of a snapshot document: {@link HostState} as JSON and back. Config spaces are keyed by SBDF
 * and written as the bytes {@code lspci -xxxx} shows (little-endian dwords), links by name with their current IRQ,
 * the physical IO-APICs as their exported words, BAR memory (MSI-X table, PBA, registers written) by SBDF for the
 * functions that have any. The host's description is written apart, as a host document.
 */
final class HostSnapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private HostSnapshot() {}

    static ObjectNode toJson(Host host, HostState s) {
        ObjectNode hs = JSON.objectNode();
        ObjectNode fns = hs.putObject("functions");
        List<PhysicalFunction> functions = host.functions();
        for (int i = 0; i < functions.size(); i++) fns.put(functions.get(i).sbdf().toString(), hex(s.configs()[i].words()));
        ObjectNode links = hs.putObject("links");
        List<LinkDevice> ls = host.links();
        for (int i = 0; i < ls.size(); i++) links.put(ls.get(i).name(), s.links()[i]);
        ArrayNode apics = hs.putArray("ioapics");
        for (long[] a : s.ioApics()) {
            ArrayNode w = apics.addArray();
            for (long x : a) w.add(x);
        }
        // BAR memory, for the functions that have an MSI-X table or registers written: {"msix": {"table", "pba"}, "registers"}.
        ObjectNode memory = hs.putObject("memory");
        for (int i = 0; i < functions.size(); i++) {
            DeviceMemoryState m = s.memories()[i];
            if (m.msix() != null || m.registers().length > 0) memory.set(functions.get(i).sbdf().toString(), RecordJson.toJson(m));
        }
        return hs;
    }

    /** The state a document describes for {@code host}; a part the host lacks or has otherwise is refused by name. */
    static HostState fromJson(Host host, JsonNode hs) {
        List<PhysicalFunction> functions = host.functions();
        JsonNode fns = Strict.object(hs, "functions", "hostState.functions");
        int[][] configs = new int[functions.size()][];
        for (int i = 0; i < configs.length; i++) {
            PhysicalFunction fn = functions.get(i);
            String p = "hostState.functions." + fn.sbdf();
            JsonNode hex = fns.get(fn.sbdf().toString());
            if (hex == null) throw new IllegalArgumentException("no config space saved for " + fn.sbdf());
            byte[] b = Strict.hex(hex, p);
            if (b.length != fn.config().size()) throw new IllegalArgumentException(fn.sbdf() + ": " + b.length + " config bytes, expected " + fn.config().size());
            int[] w = new int[b.length >>> 2];
            for (int off = 0; off < b.length; off += 4) {
                w[off >>> 2] = (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
            }
            configs[i] = w;
        }
        if (fns.size() != functions.size()) throw new IllegalArgumentException("hostState.functions has " + fns.size() + " config spaces, the host " + functions.size() + " functions");
        List<LinkDevice> ls = host.links();
        JsonNode linkStates = Strict.object(hs, "links", "hostState.links");
        int[] links = new int[ls.size()];
        for (int i = 0; i < links.length; i++) {
            JsonNode irq = linkStates.get(ls.get(i).name());
            if (irq == null) throw new IllegalArgumentException("no state saved for link " + ls.get(i).name());
            links[i] = Strict.integer(irq, "hostState.links." + ls.get(i).name(), 0, 255); // an ISA/APIC IRQ the link routes to (0: none)
        }
        if (linkStates.size() != ls.size()) throw new IllegalArgumentException("hostState.links has " + linkStates.size() + " links, the host " + ls.size());
        JsonNode a = Strict.array(hs, "ioapics", "hostState.ioapics");
        long[][] apics = new long[a.size()][];
        for (int i = 0; i < apics.length; i++) {
            JsonNode w = Strict.array(a.get(i), "hostState.ioapics[" + i + "]");
            apics[i] = new long[w.size()];
            for (int k = 0; k < apics[i].length; k++) apics[i][k] = Strict.int64(w.get(k), "hostState.ioapics[" + i + "][" + k + "]");
        }
        return HostState.of(host, configs, links, apics, memory(host, hs.has("memory") ? Strict.object(hs, "memory", "hostState.memory") : null));
    }

    /**
     * Each function's BAR memory as saved; a function the document does not list has the memory a reset gives it (no
     * registers written, every MSI-X vector masked), and a document from before BAR memory (no member) gives null.
     */
    private static DeviceMemoryState[] memory(Host host, JsonNode saved) {
        if (saved == null) return null;
        List<PhysicalFunction> functions = host.functions();
        DeviceMemoryState[] out = new DeviceMemoryState[functions.size()];
        List<PhysicalFunction> fresh = null;
        for (int i = 0; i < out.length; i++) {
            String sbdf = functions.get(i).sbdf().toString();
            if (saved.has(sbdf)) {
                out[i] = RecordJson.fromJson(saved.get(sbdf), DeviceMemoryState.class, "hostState.memory." + sbdf);
            } else {
                if (fresh == null) fresh = Host.create(host.description()).functions();
                out[i] = fresh.get(i).captureMemory();
            }
        }
        return out;
    }

    /** Config spaces as the lspci-style bytes, little-endian. */
    private static String hex(int[] words) {
        byte[] b = new byte[words.length << 2];
        for (int d = 0; d < words.length; d++) {
            for (int k = 0; k < 4; k++) b[4 * d + k] = (byte) (words[d] >>> (8 * k));
        }
        return HexFormat.of().formatHex(b);
    }
}
