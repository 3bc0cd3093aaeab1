package vdm.replay;

import java.util.List;

/** A chapter of the failure library: MSI-X tables and vPCI's holes in dom0's p2m (Xen's vpci/msix.c). */
final class MsixTableFailures {
    private MsixTableFailures() {}

    static List<KnownFailure> all() {
        return List.of();
    }
}
