package vdm.qmp;

/** Where a command's handler runs. */
public enum Execution {
    /**
     * On the client's network thread. Only for handlers that are quick and never block (queries of immutable facts):
     * no model access, no locks, no I/O.
     */
    INLINE,
    /**
     * On the model executor, one thread that runs every model operation in turn, so handlers see a consistent model and
     * network threads never wait. A handler that starts something long returns an incomplete stage instead of
     * blocking that thread.
     */
    MODEL
}
