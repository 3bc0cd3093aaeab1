package vdm.pci.dump;

import vdm.pci.Sbdf;

/**
 * One function read from a dump: its address, the description after the address on its device line, its
 * configuration bytes (64, 256 or 4096) and the line its device line was on (0 for binary dumps).
 */
public record DumpedFunction(Sbdf bdf, String description, byte[] bytes, int line) {
    public DumpedFunction {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return bdf.lspci() + " " + description + " (" + bytes.length + " bytes)";
    }
}
