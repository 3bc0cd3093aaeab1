package vdm.pci.layout;

/** An invalid layout declaration; the message names the offending field, BAR or capability. */
public final class LayoutException extends IllegalArgumentException {
    public LayoutException(String message) {
        super(message);
    }
}
