package vdm.qmp;

/** vdm's version, reported in QEMU's shape (greeting and query-version). */
public final class VdmVersion {
    public static final int MAJOR = 0, MINOR = 1, MICRO = 0;
    public static final String PACKAGE = "vdm";

    private VdmVersion() {}
}
