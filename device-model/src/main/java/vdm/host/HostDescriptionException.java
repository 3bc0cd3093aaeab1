package vdm.host;

/**
 * An invalid host description, from the builder or a JSON file. The message names the offending element (an SBDF,
 * an IO-APIC, a link, a {@code _PRT} entry, a JSON path and line); {@link #element()} gives it alone.
 */
public final class HostDescriptionException extends IllegalArgumentException {
    private final String element;

    public HostDescriptionException(String element, String problem) {
        super(element + ": " + problem);
        this.element = element;
    }

    public HostDescriptionException(String element, String problem, Throwable cause) {
        super(element + ": " + problem, cause);
        this.element = element;
    }

    /** The element at fault, e.g. "device 0000:00:03.0" or "link LNKA". */
    public String element() {
        return element;
    }
}
