package vdm.pci.layout;

import java.util.Arrays;
import java.util.List;
import vdm.pci.Effects;
import vdm.pci.Mode;

/**
 * An immutable description of a function's configuration space: per-byte power-on values and masks (writable,
 * write-1-to-clear, trigger, sticky, constant, reserved), the effects writes report, and the structure (header type,
 * BARs, ROM, capabilities). Built by {@link LayoutBuilder}; every engine runs from the same layout.
 */
public final class Layout {
    private final String name;
    private final Mode mode;
    private final int size;
    private final int headerType;
    private final byte[] init, wmask, w1cmask, trigger, sticky, constant, reserved;
    private final List<Field> fields;
    private final List<Watch> watches;
    private final Bar[] bars;
    private final long romSize;
    private final List<PlacedCapability> capabilities;
    private final boolean noSoftReset;
    // per-dword views used by the table and compiled engines
    private final int[] dwInit, dwWmask, dwW1c, dwTrigger, dwSticky, dwConstant, dwFixed;
    private final int[] watchStart, watchMask, watchEffect, triggerEffect;

    /** A capability as placed: where, how long, and whether it is extended. */
    public record PlacedCapability(Capability capability, int offset) {
        public int id() { return capability.id(); }
        public String name() { return capability.name(); }
        public int length() { return capability.length(); }
        public boolean extended() { return capability.extended(); }
    }

    Layout(String name, Mode mode, int size, int headerType, RegisterMap map, Bar[] bars, long romSize,
           List<PlacedCapability> capabilities, boolean noSoftReset) {
        this.name = name;
        this.mode = mode;
        this.size = size;
        this.headerType = headerType;
        this.init = map.init.clone();
        this.wmask = map.wmask.clone();
        this.w1cmask = map.w1cmask.clone();
        this.trigger = map.trigger.clone();
        this.sticky = map.sticky.clone();
        this.constant = map.constant.clone();
        this.reserved = map.reserved.clone();
        this.fields = List.copyOf(map.fields);
        this.bars = bars.clone();
        this.romSize = romSize;
        this.capabilities = List.copyOf(capabilities);
        this.noSoftReset = noSoftReset;
        int dwords = size / 4;
        dwInit = pack(init);
        dwWmask = pack(wmask);
        dwW1c = pack(w1cmask);
        dwTrigger = pack(trigger);
        dwSticky = pack(sticky);
        dwConstant = pack(constant);
        int[] dwReserved = pack(reserved);
        dwFixed = new int[dwords];
        for (int d = 0; d < dwords; d++) dwFixed[d] = dwConstant[d] | dwReserved[d] | dwTrigger[d];
        // Effects: declared watches, plus OTHER for any other bit that can change by a write.
        List<Watch> all = new java.util.ArrayList<>(map.watches);
        for (int d = 0; d < dwords; d++) {
            int covered = 0;
            for (Watch w : map.watches) if (w.dword() == d && !w.trigger()) covered |= w.mask();
            int rest = (dwWmask[d] | dwW1c[d]) & ~covered;
            if (rest != 0) all.add(new Watch(d, rest, Effects.OTHER, false));
        }
        all.sort((a, b) -> a.dword() != b.dword() ? Integer.compare(a.dword(), b.dword()) : Boolean.compare(a.trigger(), b.trigger()));
        this.watches = List.copyOf(all);
        watchStart = new int[dwords + 1];
        int n = 0;
        for (Watch w : all) if (!w.trigger()) n++;
        watchMask = new int[n];
        watchEffect = new int[n];
        triggerEffect = new int[dwords];
        int i = 0;
        for (int d = 0; d < dwords; d++) {
            watchStart[d] = i;
            for (Watch w : all) {
                if (w.dword() != d) continue;
                if (w.trigger()) {
                    triggerEffect[d] |= w.effect();
                } else {
                    watchMask[i] = w.mask();
                    watchEffect[i] = w.effect();
                    i++;
                }
            }
        }
        watchStart[dwords] = i;
    }

    private static int[] pack(byte[] bytes) {
        int[] out = new int[bytes.length / 4];
        for (int d = 0; d < out.length; d++) {
            out[d] = (bytes[4 * d] & 0xff) | (bytes[4 * d + 1] & 0xff) << 8 | (bytes[4 * d + 2] & 0xff) << 16
                    | (bytes[4 * d + 3] & 0xff) << 24;
        }
        return out;
    }

    public static LayoutBuilder type0(String name) {
        return new LayoutBuilder(name, 0);
    }

    public static LayoutBuilder type1(String name) {
        return new LayoutBuilder(name, 1);
    }

    public String name() { return name; }
    public Mode mode() { return mode; }
    /** 256 or 4096. */
    public int size() { return size; }
    public int dwords() { return size / 4; }
    /** 0 (endpoint) or 1 (bridge). */
    public int headerType() { return headerType; }
    public List<Field> fields() { return fields; }
    public List<Watch> watches() { return watches; }
    public List<PlacedCapability> capabilities() { return capabilities; }
    /** PM No_Soft_Reset: D3hot -> D0 keeps the configuration. */
    public boolean noSoftReset() { return noSoftReset; }

    /** BAR n's declaration, or null if unimplemented (also for the upper half of a 64-bit BAR). */
    public Bar bar(int n) { return bars[n]; }
    public int barCount() { return bars.length; }
    /** Expansion ROM size in bytes, 0 if none. */
    public long romSize() { return romSize; }
    /** 0x30 (type 0) or 0x38 (type 1). */
    public int romOffset() { return headerType == 1 ? 0x38 : 0x30; }

    public PlacedCapability capability(int id, boolean extended) {
        for (PlacedCapability c : capabilities) if (c.id() == id && c.extended() == extended) return c;
        return null;
    }

    // Per-byte masks, copies: the reference engine and tools use them.
    public byte[] initialBytes() { return init.clone(); }
    public byte[] writeMask() { return wmask.clone(); }
    public byte[] w1cMask() { return w1cmask.clone(); }
    public byte[] triggerMask() { return trigger.clone(); }
    public byte[] stickyMask() { return sticky.clone(); }
    public byte[] constantMask() { return constant.clone(); }
    public byte[] reservedMask() { return reserved.clone(); }

    // Per-dword views (not copied: engines read them once at construction; callers must not modify).
    public int initialDword(int d) { return dwInit[d]; }
    public int writeMaskDword(int d) { return dwWmask[d]; }
    public int w1cMaskDword(int d) { return dwW1c[d]; }
    public int triggerMaskDword(int d) { return dwTrigger[d]; }
    public int stickyMaskDword(int d) { return dwSticky[d]; }
    public int constantMaskDword(int d) { return dwConstant[d]; }
    /** Bits the device itself cannot change (poke, a state restore): constant, reserved and trigger bits. */
    public int fixedMaskDword(int d) { return dwFixed[d]; }
    public int triggerEffect(int d) { return dwTrigger[d] == 0 ? 0 : triggerEffect[d]; }
    public int[] initialDwords() { return dwInit.clone(); }

    /** Indices [watchStart(d), watchStart(d+1)) of the change watches of dword d. */
    public int watchStart(int d) { return watchStart[d]; }
    public int watchMask(int i) { return watchMask[i]; }
    public int watchEffect(int i) { return watchEffect[i]; }

    /**
     * The effects of a write to dword {@code d} that changed the bits {@code diff}, with {@code written} the written
     * value shifted and masked to the access lanes. The one definition every engine agrees with.
     */
    public int effects(int d, int diff, int written) {
        int eff = (written & dwTrigger[d]) != 0 ? triggerEffect[d] : 0;
        if (diff != 0) {
            for (int i = watchStart[d]; i < watchStart[d + 1]; i++) {
                if ((diff & watchMask[i]) != 0) eff |= watchEffect[i];
            }
        }
        return eff;
    }

    /**
     * A key equal for layouts whose write behaviour is identical (size, masks, watches), whatever their IDs or
     * power-on values: such layouts share one compiled class.
     */
    public String behaviourKey() {
        return size + ":" + Arrays.hashCode(dwWmask) + ":" + Arrays.hashCode(dwW1c) + ":" + Arrays.hashCode(dwTrigger)
                + ":" + watches.hashCode() + ":" + Arrays.toString(dwWmask).length();
    }

    /** True if both layouts behave the same on writes (the compiled-class cache checks this, not just the key). */
    public boolean sameBehaviour(Layout other) {
        return size == other.size && Arrays.equals(dwWmask, other.dwWmask) && Arrays.equals(dwW1c, other.dwW1c)
                && Arrays.equals(dwTrigger, other.dwTrigger) && Arrays.equals(triggerEffect, other.triggerEffect)
                && Arrays.equals(watchStart, other.watchStart) && Arrays.equals(watchMask, other.watchMask)
                && Arrays.equals(watchEffect, other.watchEffect);
    }

    @Override
    public String toString() {
        return "Layout " + name + " (" + mode + ", " + size + " bytes, type " + headerType + ")";
    }
}
