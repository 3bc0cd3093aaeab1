package vdm.log;

/** A log line's severity, as the kernel's and Xen's printk levels name the ones the model uses. */
public enum Level {
    ERR, WARNING, INFO, DEBUG;

    /** ERR or WARNING: a line a trace marks as failed. */
    public boolean failure() {
        return this == ERR || this == WARNING;
    }
}
