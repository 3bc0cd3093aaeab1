package vdm.log;

import java.util.function.IntSupplier;

/**
 * The expectation of the call a layer is making now: a layer that knows a hypercall may fail in a way it treats as
 * success (pciback's setup_gsi of a GSI already set up, libxl's unmap of a pirq QEMU unmapped) runs it through here,
 * so whoever merges the hypervisor's reports with that layer's log can mark the failure expected. One call at a
 * time, as each layer makes its calls.
 *
 * @param <E> the layer's own record of what is expected and why
 */
public final class ExpectedCall<E> {
    private volatile E current;

    /** Runs {@code call} under {@code why} and returns its result. */
    public int run(E why, IntSupplier call) {
        current = why;
        try {
            return call.getAsInt();
        } finally {
            current = null;
        }
    }

    /** The expectation of the call under way, or null. */
    public E current() {
        return current;
    }
}
