package vdm.pci.engine;

import vdm.pci.ConfigAccessException;
import vdm.pci.ResetKind;
import vdm.pci.Effects;
import vdm.pci.Access;
import vdm.pci.layout.Layout;

/**
 * A function's configuration space. Accesses are 1, 2 or 4 bytes, naturally aligned, below 4096; anything else
 * throws {@link ConfigAccessException}. Beyond {@link #size()} reads return all ones and writes are dropped.
 * Engines implementing this contract agree bit for bit on every access sequence.
 */
public interface ConfigSpace {
    /** Reads {@code size} bytes at {@code offset}, little-endian, zero-extended. */
    int read(int offset, int size);

    /**
     * Writes the low {@code size} bytes of {@code value} at {@code offset} through the write masks:
     * {@code cfg = (cfg & ~wmask) | (val & wmask); cfg &= ~(val & w1cmask)}.
     * @return the {@link Effects} bits of what changed (0 when nothing did)
     */
    int write(int offset, int size, int value);

    /** 256 (conventional) or 4096 (PCI Express). */
    int size();

    Layout layout();

    /** Returns the function to its power-on state, keeping sticky bits unless the reset is {@link ResetKind#COLD}. */
    void reset(ResetKind kind);

    /**
     * The device itself changes bits, ignoring the write masks (hardware setting a status bit, link training...).
     * Hard-wired constant bits are never changed.
     */
    void poke(int offset, int size, int value);

    /** A copy of the current bytes, {@link #size()} long. */
    byte[] bytes();

    /** A copy of the current contents as {@link #size()}/4 little-endian dwords (a snapshot). */
    default int[] dwords() {
        int[] out = new int[size() >>> 2];
        for (int d = 0; d < out.length; d++) out[d] = read(d << 2, 4);
        return out;
    }

    /**
     * Puts {@link #dwords()}'s result back, as the device would ({@link #poke}): hard-wired bits keep their values.
     * A snapshot load; not meant to race with accesses. The length must be {@link #size()}/4.
     */
    default void restoreDwords(int[] words) {
        Access.checkDwords(size(), words);
        for (int d = 0; d < words.length; d++) poke(d << 2, 4, words[d]);
    }

    /** Whether the space holds exactly these dwords (a snapshot compare). */
    default boolean holds(int[] words) {
        return java.util.Arrays.equals(dwords(), words);
    }
}
