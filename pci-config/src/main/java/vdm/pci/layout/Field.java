package vdm.pci.layout;

/**
 * One declared group of bits: {@code mask} within the {@code width}-byte register at {@code offset}, all of one
 * {@link BitKind}, with its power-on {@code value}. {@code owner} names the header part or capability that declared it.
 */
public record Field(String owner, String name, int offset, int width, BitKind kind, int mask, int value) {
    @Override
    public String toString() {
        return String.format("%s.%s @0x%x/%d %s mask 0x%x value 0x%x", owner, name, offset, width, kind, mask, value);
    }
}
