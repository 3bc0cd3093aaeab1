package vdm.xen;

/**
 * A virtual CPU: the unit that traps into Xen and resumes. Work that vPCI defers (Xen's vpci_process_pending:
 * mapping BARs after a COMMAND write) is attached here and done by {@link #resume()} before the guest runs again.
 */
public final class Vcpu {
    private final Domain domain;
    private final int id;
    private PendingMapping pending;

    Vcpu(Domain domain, int id) {
        this.domain = domain;
        this.id = id;
    }

    public Domain domain() { return domain; }
    public int id() { return id; }

    synchronized void defer(PendingMapping work) {
        if (pending != null) pending = pending.then(work);
        else pending = work;
    }

    public synchronized boolean hasPendingWork() {
        return pending != null;
    }

    /** Does the deferred work, as Xen does before returning to the guest. Returns the ranges (un)mapped. */
    public int resume() {
        PendingMapping work;
        synchronized (this) {
            work = pending;
            pending = null;
        }
        return work == null ? 0 : work.apply();
    }

    @Override
    public String toString() {
        return "d" + domain.id() + "v" + id;
    }
}
