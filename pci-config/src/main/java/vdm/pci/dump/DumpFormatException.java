package vdm.pci.dump;

/** A dump (lspci text or sysfs binary) that cannot be read; the message names the line or offset at fault. */
public final class DumpFormatException extends IllegalArgumentException {
    private final int line;

    public DumpFormatException(int line, String problem) {
        super("line " + line + ": " + problem);
        this.line = line;
    }

    public DumpFormatException(String problem) {
        super(problem);
        this.line = 0;
    }

    /** The 1-based line at fault, or 0 when the problem is not tied to one line. */
    public int line() {
        return line;
    }
}
