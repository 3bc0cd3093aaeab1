package vdm.toolstack;

import vdm.errno.Errno;

/**
 * The outcome of an attach or detach: 0 or the -errno of the failing step, which step, the log text, and the
 * interrupt number libxl used in pci_add_dm_done (the index it gave map_pirq: sysfs irq, v4's sysfs gsi or privcmd's
 * GSI), or -1 when it never got that far. Callers read these fields; the message is for people.
 */
public record AttachResult(int rc, String step, String message, int index) {
    public static final AttachResult OK = new AttachResult(0, "", "", -1);

    /** A failure before pci_add_dm_done chose an interrupt number. */
    public AttachResult(int rc, String step, String message) {
        this(rc, step, message, -1);
    }

    public boolean ok() {
        return rc == 0;
    }

    @Override
    public String toString() {
        return ok() ? "ok" : step + ": " + Errno.name(rc) + " (" + message + ")";
    }
}
