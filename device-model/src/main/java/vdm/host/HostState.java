package vdm.host;

import java.util.List;
import vdm.ioapic.IoApic;
import vdm.fingerprint.StateHash;

/**
 * The host's mutable state in memory: every function's config space and BAR memory (MSI-X table, PBA, registers
 * written: {@link DeviceMemoryState}), both in {@link Host#functions()} order, each link's current IRQ (in
 * {@link Host#links()} order, 0 when disabled) and the physical IO-APICs' words. Config images
 * are immutable and shared between states that have the same contents, so a state that differs from its parent in one
 * register costs one new image, not a copy of every space.
 */
public record HostState(HostDescription description, ConfigImage[] configs, int[] links, long[][] ioApics,
                        DeviceMemoryState[] memories) {

    /** One function's config space as dwords, with its hash computed once. Never modified after construction. */
    public static final class ConfigImage {
        private final int[] words;
        private final StateHash.Fingerprint hash;

        ConfigImage(int[] words) {
            this.words = words;
            this.hash = new StateHash().put(words).finish();
        }

        /** A copy of the dwords. */
        public int[] words() {
            return words.clone();
        }

        public int dwordCount() {
            return words.length;
        }

        public StateHash.Fingerprint hash() {
            return hash;
        }
    }

    /**
     * The host as it is now. Images equal to those of {@code like} (a state of the same host, e.g. the one this state
     * was reached from; may be null) are shared with it rather than copied.
     */
    public static HostState capture(Host host, HostState like) {
        List<PhysicalFunction> fns = host.functions();
        ConfigImage[] images = new ConfigImage[fns.size()];
        boolean share = like != null && like.description == host.description() && like.configs.length == images.length;
        for (int i = 0; i < images.length; i++) {
            var config = fns.get(i).config();
            images[i] = share && config.holds(like.configs[i].words) ? like.configs[i] : new ConfigImage(config.dwords());
        }
        List<LinkDevice> ls = host.links();
        int[] links = new int[ls.size()];
        for (int i = 0; i < links.length; i++) links[i] = ls.get(i).current();
        List<IoApic> apics = host.gsiSpace().ioApics();
        long[][] words = new long[apics.size()][];
        for (int i = 0; i < words.length; i++) words[i] = apics.get(i).exportState();
        DeviceMemoryState[] memories = new DeviceMemoryState[fns.size()];
        boolean shareMemory = share && like.memories.length == memories.length;
        for (int i = 0; i < memories.length; i++) {
            DeviceMemoryState m = fns.get(i).captureMemory();
            memories[i] = shareMemory && m.equals(like.memories[i]) ? like.memories[i] : m;
        }
        return new HostState(host.description(), images, links, words, memories);
    }

    /**
     * Builds a state from saved parts (a snapshot document), checking them against {@code host}. With no BAR memory
     * saved (a document from before it was modelled) every function's memory is its reset state.
     */
    public static HostState of(Host host, int[][] configs, int[] links, long[][] ioApics) {
        return of(host, configs, links, ioApics, null);
    }

    /** As {@link #of(Host, int[][], int[], long[][])} with each function's BAR memory ({@code null}: reset state). */
    public static HostState of(Host host, int[][] configs, int[] links, long[][] ioApics, DeviceMemoryState[] memories) {
        ConfigImage[] images = new ConfigImage[configs.length];
        for (int i = 0; i < images.length; i++) images[i] = new ConfigImage(configs[i].clone());
        DeviceMemoryState[] mem = memories != null ? memories.clone() : resetMemories(host);
        HostState s = new HostState(host.description(), images, links.clone(), ioApics.clone(), mem);
        s.check(host);
        return s;
    }

    /** What each function's BAR memory holds after a reset: read off a throwaway host of the same description. */
    private static DeviceMemoryState[] resetMemories(Host host) {
        List<PhysicalFunction> fresh = Host.create(host.description()).functions();
        DeviceMemoryState[] out = new DeviceMemoryState[fresh.size()];
        for (int i = 0; i < out.length; i++) out[i] = fresh.get(i).captureMemory();
        return out;
    }

    /** Refuses a state that does not fit {@code host}, naming what does not fit; checks before anything changes. */
    public void check(Host host) {
        List<PhysicalFunction> fns = host.functions();
        if (configs.length != fns.size()) {
            throw new IllegalArgumentException(configs.length + " config spaces saved, the host has " + fns.size() + " functions");
        }
        for (int i = 0; i < configs.length; i++) {
            if (configs[i].words.length << 2 != fns.get(i).config().size()) {
                throw new IllegalArgumentException(fns.get(i).sbdf() + ": " + (configs[i].words.length << 2) + " config bytes saved, the function has "
                        + fns.get(i).config().size());
            }
        }
        if (memories == null || memories.length != fns.size()) {
            throw new IllegalArgumentException((memories == null ? 0 : memories.length) + " BAR memories saved, the host has "
                    + fns.size() + " functions");
        }
        for (int i = 0; i < memories.length; i++) fns.get(i).checkMemory(memories[i]);
        List<LinkDevice> ls = host.links();
        if (links.length != ls.size()) throw new IllegalArgumentException(links.length + " links saved, the host has " + ls.size());
        for (int i = 0; i < links.length; i++) {
            if (links[i] != 0 && !ls.get(i).isPossible(links[i])) {
                throw new IllegalArgumentException("link " + ls.get(i).name() + ": IRQ " + links[i] + " saved, possible IRQs are " + ls.get(i).possible());
            }
        }
        List<IoApic> apics = host.gsiSpace().ioApics();
        if (ioApics.length != apics.size()) throw new IllegalArgumentException(ioApics.length + " IO-APICs saved, the host has " + apics.size());
        for (int i = 0; i < ioApics.length; i++) {
            if (ioApics[i] == null || ioApics[i].length != apics.get(i).pins() + 2) {
                throw new IllegalArgumentException("IO-APIC " + i + ": " + (ioApics[i] == null ? 0 : ioApics[i].length) + " words saved, "
                        + (apics.get(i).pins() + 2) + " expected");
            }
        }
    }

    /** Puts the host back into this state; {@link #check} first (as {@code ModelState.restore} does for every layer). */
    public void restore(Host host) {
        List<PhysicalFunction> fns = host.functions();
        for (int i = 0; i < configs.length; i++) fns.get(i).config().restoreDwords(configs[i].words);
        for (int i = 0; i < memories.length; i++) fns.get(i).restoreMemory(memories[i]);
        host.mmioChanged(); // BARs and windows came back behind the bus's back
        List<LinkDevice> ls = host.links();
        for (int i = 0; i < links.length; i++) {
            if (links[i] == 0) ls.get(i).disable(); else ls.get(i).setResource(links[i]);
        }
        List<IoApic> apics = host.gsiSpace().ioApics();
        for (int i = 0; i < ioApics.length; i++) apics.get(i).importState(ioApics[i]);
    }

    public void hashInto(StateHash h) {
        h.put(configs.length);
        for (ConfigImage c : configs) h.put(c.hash);
        h.put(links);
        for (long[] w : ioApics) h.put(w);
        for (DeviceMemoryState m : memories) {
            h.put(m.msix() != null);
            if (m.msix() != null) h.put(m.msix().table()).put(m.msix().pba());
            h.put(m.registers());
        }
    }
}
