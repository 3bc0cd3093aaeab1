package vdm.persist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import vdm.invariants.InvariantMonitor;
import vdm.invariants.Violation;
import vdm.pci.Sbdf;
import vdm.persist.Snapshot.SnapshotException;
import vdm.system.Machine;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;

/**
 * The loaded model checked across layers before it may replace a running one (issue 16: a document whose parts
 * disagree, such as a toolstack without an attachment Xen keeps, loaded a model that was neither the document nor the
 * base). The checks are the invariant monitor's and the toolstack's agreement with Xen's assignments. A model in a
 * failure's state (vdm replays those) disagrees with itself on purpose, so {@link #record} writes what the saved model
 * disagreed on ({@code "inconsistent"}, only when there is something), and a load refuses only what the document does
 * not own to.
 */
final class LoadCheck {
    private LoadCheck() {}

    static final String MEMBER = "inconsistent";

    /** Writes what {@code vdm} disagrees on, if anything. */
    static void record(Machine vdm, ObjectNode document) {
        Set<String> found = problems(vdm);
        if (found.isEmpty()) return;
        ArrayNode a = document.putArray(MEMBER);
        for (String p : found) a.add(p);
    }

    /** Refuses a loaded model with a disagreement the document does not list, naming the first. */
    static void consistent(Machine loaded, JsonNode document) {
        Set<String> owned = new TreeSet<>();
        if (document.has(MEMBER)) {
            JsonNode a = Strict.array(document, MEMBER, MEMBER);
            for (int i = 0; i < a.size(); i++) owned.add(Strict.text(a.get(i), MEMBER + "[" + i + "]"));
        }
        for (String p : problems(loaded)) {
            if (!owned.contains(p)) throw new SnapshotException("inconsistent snapshot: the loaded model's layers disagree: " + p, null);
        }
    }

    /** Every disagreement, as "check at where" (no values: those change with the state and are in the document anyway). */
    static Set<String> problems(Machine vdm) {
        Set<String> out = new TreeSet<>();
        for (Violation v : InvariantMonitor.check(vdm)) out.add(v.invariant() + " at " + v.where());
        toolstack(vdm, out);
        return out;
    }

    /**
     * libxl's attached devices against Xen's assignments (tools/libs/light/libxl_pci.c: pci_add_dm_done assigns with
     * xc_assign_device as the attach completes, pci_remove_detached deassigns as the detach does): each attached
     * device is assigned to its domain, and each device Xen assigns to a domU is attached there.
     */
    private static void toolstack(Machine vdm, Set<String> out) {
        List<Sbdf> attached = new ArrayList<>();
        for (Domain d : vdm.xen().domains()) {
            if (d.isHardwareDomain()) continue;
            for (XenPtDevice p : vdm.libxl().devices(d.id())) {
                attached.add(p.hostAddress());
                Domain holder = vdm.xen().assignedTo(p.hostAddress());
                if (holder == null || holder.id() != d.id()) out.add("toolstack-assigned at d" + d.id() + " " + p.hostAddress());
            }
            for (Sbdf s : vdm.xen().assignedDevices(d)) {
                if (vdm.libxl().devices(d.id()).stream().noneMatch(p -> p.hostAddress().equals(s))) out.add("toolstack-attached at d" + d.id() + " " + s);
            }
        }
    }
}
