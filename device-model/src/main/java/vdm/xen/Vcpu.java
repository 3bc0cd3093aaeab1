package vdm.xen;

/**
 * A virtual CPU: the unit that traps into Xen and resumes. Work that a vPCI write returns (a {@link PendingMapping}:
 * mapping BARs after a COMMAND write) is attached here, as Xen's defer_map fills {@code v->vpci}, and done by
 * {@link #resume()} before the guest runs again (vpci_process_pending).
 *
 * <p>Memory order: the pending work is written by the vCPU's own trap and taken by its resume; the lock orders the
 * two for the tests that attach work from one thread and resume it from another.
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

    /** Attaches work to be done before this vCPU resumes; null attaches nothing. */
    synchronized void defer(PendingMapping work) {
        if (work == null) return;
        pending = pending == null ? work : pending.then(work);
    }

    public synchronized boolean hasPendingWork() {
        return pending != null;
    }

    /** What is attached and not yet done, or null. */
    public synchronized PendingMapping pendingWork() {
        return pending;
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
