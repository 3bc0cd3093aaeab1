package vdm.replay;

import java.util.List;

/** A chapter of the failure library: what firmware leaves behind: MSI-X state, BARs over the memory map. */
final class FirmwareFailures {
    private FirmwareFailures() {}

    static List<KnownFailure> all() {
        return List.of();
    }
}
