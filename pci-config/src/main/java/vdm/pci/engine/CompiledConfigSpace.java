package vdm.pci.engine;

import vdm.pci.layout.Layout;

/**
 * The compiled engine: {@link LayoutCompiler} generates, once per layout behaviour, a hidden subclass whose
 * {@code write} is a {@code tableswitch} on the dword index with the masks and effect watches as constants.
 * Devices of one layout share that class. Reads are a single acquire load (no dispatch is needed to read).
 */
public abstract class CompiledConfigSpace extends DwordConfigSpace {
    protected CompiledConfigSpace(Layout layout) {
        super(layout);
    }

    /** A new device of this layout, running on the layout's generated class. */
    public static CompiledConfigSpace of(Layout layout) {
        return LayoutCompiler.instantiate(layout);
    }
}
