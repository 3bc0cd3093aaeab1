package vdm.capture;

/**
 * A machine that cannot be captured: an unreadable file, an ACPI table with a bad checksum or length, a truncated
 * structure, or a description vdm would refuse. The message names the file, the offset or field and the reason.
 */
public final class CaptureException extends IllegalArgumentException {
    public CaptureException(String message) {
        super(message);
    }

    public CaptureException(String message, Throwable cause) {
        super(message, cause);
    }
}
