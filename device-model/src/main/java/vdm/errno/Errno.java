package vdm.errno;

/**
 * The error numbers the modelled systems return, negated, as Linux syscalls and Xen hypercalls do, with their
 * symbolic names and strerror texts. One table serves both: Xen's public {@code xen/include/public/errno.h} defines
 * its values "as in Linux (x86)" (XEN_EPERM 1 ... XEN_ENOSYS 38, XEN_EOPNOTSUPP 95), and libxc prints hypercall
 * failures with the C library's strerror, so dom0's kernel, the hypervisor and the toolstack all speak these numbers.
 *
 * <p>Model code returns {@code -Errno.EPERM} style ints on the hot paths (no allocation, as the real calls return
 * ints); {@link #name(int)} and {@link #text(int)} turn one into what a trace prints.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int ENOSPC = 28;
    public static final int EDOM = 33;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;

    /** "-EPERM" for -1, "0" for 0, as traces print results; an unknown negative number prints as a number. */
    public static String name(int rc) {
        if (rc >= 0) return Integer.toString(rc);
        String symbol = symbol(-rc);
        return symbol == null ? Integer.toString(rc) : "-" + symbol;
    }

    /** The symbolic name of a positive errno ("EPERM"), or null if this table does not know it. */
    public static String symbol(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case E2BIG -> "E2BIG";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENFILE -> "ENFILE";
            case ENOSPC -> "ENOSPC";
            case EDOM -> "EDOM";
            case ERANGE -> "ERANGE";
            case ENOSYS -> "ENOSYS";
            case ENODATA -> "ENODATA";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            default -> null;
        };
    }

    /** The number of a symbolic name ("EPERM" or "-EPERM"), or 0 if unknown. */
    public static int of(String symbol) {
        String s = symbol.startsWith("-") ? symbol.substring(1) : symbol;
        for (int e = 1; e <= EOPNOTSUPP; e++) if (s.equals(symbol(e))) return e;
        return 0;
    }

    /** strerror text of {@code rc} or {@code -rc}, as glibc prints it and libxc's error lines quote it. */
    public static String text(int rc) {
        return switch (Math.abs(rc)) {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case ESRCH -> "No such process";
            case EINTR -> "Interrupted system call";
            case EIO -> "Input/output error";
            case ENXIO -> "No such device or address";
            case E2BIG -> "Argument list too long";
            case EBADF -> "Bad file descriptor";
            case EAGAIN -> "Resource temporarily unavailable";
            case ENOMEM -> "Cannot allocate memory";
            case EACCES -> "Permission denied";
            case EFAULT -> "Bad address";
            case EBUSY -> "Device or resource busy";
            case EEXIST -> "File exists";
            case ENODEV -> "No such device";
            case EINVAL -> "Invalid argument";
            case ENFILE -> "Too many open files in system";
            case ENOSPC -> "No space left on device";
            case EDOM -> "Numerical argument out of domain";
            case ERANGE -> "Numerical result out of range";
            case ENOSYS -> "Function not implemented";
            case ENODATA -> "No data available";
            case EOPNOTSUPP -> "Operation not supported";
            default -> "Unknown error " + Math.abs(rc);
        };
    }
}
