package vdm.pci.dump;

/**
 * A dumped byte the imported layout cannot reproduce (e.g. a latency timer or BIST that vdm hard-wires to 0):
 * the offset, the register that owns it, the dump's value and what the model reads.
 */
public record Mismatch(int offset, String register, int dumped, int modelled) {
    @Override
    public String toString() {
        return String.format("0x%03x (%s): dump 0x%02x, model 0x%02x", offset, register, dumped, modelled);
    }
}
