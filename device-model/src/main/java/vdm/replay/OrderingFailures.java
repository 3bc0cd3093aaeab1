package vdm.replay;

import java.util.List;

/** A chapter of the failure library: drivers and firmware doing things in an order vPCI or the toolstack did not expect. */
final class OrderingFailures {
    private OrderingFailures() {}

    static List<KnownFailure> all() {
        return List.of();
    }
}
