package vdm.pci;

/**
 * A configuration access the PCI bus cannot carry: a size other than 1, 2 or 4, an offset not naturally aligned to
 * the size, or an offset outside 0..4095. The message names offset and size.
 */
public final class ConfigAccessException extends IllegalArgumentException {
    private final int offset;
    private final int size;

    public ConfigAccessException(int offset, int size, String problem) {
        super(String.format("bad config access at offset 0x%x size %d: %s", offset, size, problem));
        this.offset = offset;
        this.size = size;
    }

    public int offset() { return offset; }
    public int size() { return size; }
}
