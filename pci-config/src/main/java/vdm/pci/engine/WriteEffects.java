package vdm.pci.engine;

/**
 * What a write that touched watched or trigger bits means ({@link vdm.pci.Effects} bits): the generated part of the
 * compiled engine, one hidden class per layout behaviour ({@link LayoutCompiler}). Called only when a write changed
 * a watched bit or wrote a trigger bit, so the megamorphic call it is in an assembled model stays off the common path.
 */
public interface WriteEffects {
    /**
     * @param d       the dword written
     * @param diff    the bits that changed
     * @param written the written value, shifted and masked to the access lanes
     */
    int of(int d, int diff, int written);
}
