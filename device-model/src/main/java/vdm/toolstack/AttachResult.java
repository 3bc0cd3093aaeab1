package vdm.toolstack;

import vdm.errno.Errno;

/** The outcome of an attach or detach: 0 or the -errno of the failing step, which step, and the log text. */
public record AttachResult(int rc, String step, String message) {
    public static final AttachResult OK = new AttachResult(0, "", "");

    public boolean ok() {
        return rc == 0;
    }

    @Override
    public String toString() {
        return ok() ? "ok" : step + ": " + Errno.name(rc) + " (" + message + ")";
    }
}
