package vdm.pci.engine;

import vdm.pci.Access;
import vdm.pci.layout.Layout;

/**
 * The compiled engine. One final class for every layout, so each call site in an assembled model, whatever devices
 * it reaches, sees one receiver type and the JIT inlines the access; the layout lives in data and in generated code:
 * <ul>
 * <li>{@link #masks}: per dword, four ints side by side (writable, write-1-to-clear, trigger, watched), indexed by
 *     {@code offset & ~3}, so a write loads one cache line of masks and takes no branch on which register it is;</li>
 * <li>{@link #effects}: a hidden class {@link LayoutCompiler} generates per layout behaviour, a {@code tableswitch}
 *     on the dword with each register's watches unrolled as constants, reached only when a write changed a watched
 *     bit or wrote a trigger bit.</li>
 * </ul>
 * Why not a generated {@code write} with a {@code tableswitch} on every access (the earlier form): on accesses to
 * varying registers the switch is an indirect jump the CPU cannot predict, and C2 compiles it either as a jump table
 * or, from its switch profile, as a tree of compares, so two JVMs running the same code differed by 1.6x; and an
 * assembled model's call sites saw one class per layout (megamorphic, no inlining). Devices of one behaviour share
 * the masks and the effects class. Reads are one acquire load ({@link DwordConfigSpace#read}).
 */
public final class CompiledConfigSpace extends DwordConfigSpace {
    /** Four ints per dword up to the last one with writable, w1c or trigger bits: [wmask, w1c, trigger, watched]. */
    private final int[] masks;
    private final WriteEffects effects;

    private CompiledConfigSpace(Layout layout, LayoutCompiler.Compiled compiled) {
        super(layout);
        this.masks = compiled.masks();
        this.effects = compiled.effects();
    }

    /** A new device of this layout, on the layout behaviour's shared masks and generated effects class. */
    public static CompiledConfigSpace of(Layout layout) {
        return new CompiledConfigSpace(layout, LayoutCompiler.compiled(layout));
    }

    /** The generated class that decodes this device's effects (shared by every device that behaves the same). */
    public Class<? extends WriteEffects> effectsClass() {
        return effects.getClass();
    }

    @Override
    public int write(int offset, int size, int value) {
        Access.check(offset, size);
        int[] k = masks;
        int at = offset & ~3; // dword d's masks are k[4d .. 4d+3], and 4d is the dword's own offset
        if (at >= k.length) return 0; // read-only to the end of the space
        int shift = (offset & 3) << 3;
        int m = Access.ones(size) << shift;
        int v = value << shift;
        int diff = Dwords.update(state, offset >>> 2, k[at] & m, k[at + 1] & m, v);
        int written = v & m;
        if (((diff & k[at + 3]) | (written & k[at + 2])) == 0) return 0;
        return effects.of(offset >>> 2, diff, written);
    }
}
