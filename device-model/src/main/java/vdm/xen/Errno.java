package vdm.xen;

/** Linux/Xen errno values as hypercalls return them (negated). */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;

    /** "-EPERM" for -1, "0" for 0, as traces print results. */
    public static String name(int rc) {
        if (rc >= 0) return Integer.toString(rc);
        return switch (-rc) {
            case EPERM -> "-EPERM";
            case ENOENT -> "-ENOENT";
            case ESRCH -> "-ESRCH";
            case EBUSY -> "-EBUSY";
            case EEXIST -> "-EEXIST";
            case ENODEV -> "-ENODEV";
            case EINVAL -> "-EINVAL";
            case ENOSPC -> "-ENOSPC";
            case ERANGE -> "-ERANGE";
            case ENOSYS -> "-ENOSYS";
            default -> Integer.toString(rc);
        };
    }

    /** strerror text, as libxc's error lines print it ("Function not implemented"). */
    public static String text(int rc) {
        return switch (Math.abs(rc)) {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case ESRCH -> "No such process";
            case EBUSY -> "Device or resource busy";
            case EEXIST -> "File exists";
            case ENODEV -> "No such device";
            case EINVAL -> "Invalid argument";
            case ENOSPC -> "No space left on device";
            case ERANGE -> "Numerical result out of range";
            case ENOSYS -> "Function not implemented";
            default -> "Unknown error " + Math.abs(rc);
        };
    }
}
