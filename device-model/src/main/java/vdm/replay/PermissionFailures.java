package vdm.replay;

import java.util.List;

/** A chapter of the failure library: who may use what: iomem permissions, MSI ownership, a shared line. */
final class PermissionFailures {
    private PermissionFailures() {}

    static List<KnownFailure> all() {
        return List.of();
    }
}
