package vdm.explore;

import vdm.errno.Errno;

/**
 * What went wrong in one operation, as data the explorer and its findings read (no parsing of messages): what kind
 * of failure, the errno a refused call returned (0 otherwise), what was asked (the call or check, without the
 * addresses and numbers of this run, so that one failure met in many states is one finding), and the message a
 * person reads.
 */
public record Failure(Kind kind, int errno, String asked, String message) {
    public enum Kind {
        /** A call refused with an errno (map_pirq -EPERM, pci-assignable-add -EBUSY...). */
        REFUSED,
        /** A call made with the wrong argument (a Linux IRQ number given as a GSI). */
        WRONG_ARGUMENT,
        /** A layer's copy of the truth no longer matches what happened (a dropped restore, a BAR elsewhere). */
        DIVERGED
    }

    public static Failure refused(String asked, int rc, String message) {
        return new Failure(Kind.REFUSED, Math.abs(rc), asked, message);
    }

    public static Failure wrongArgument(String asked, String message) {
        return new Failure(Kind.WRONG_ARGUMENT, 0, asked, message);
    }

    public static Failure diverged(String asked, String message) {
        return new Failure(Kind.DIVERGED, 0, asked, message);
    }

    /** A refusal or a wrong argument: the hypervisor or toolstack said no, no state went astray. */
    public boolean refusal() {
        return kind != Kind.DIVERGED;
    }

    /** What makes two failures the same finding: the kind, what was asked and the errno. */
    public String key() {
        return kind.name().toLowerCase() + " " + asked + (errno == 0 ? "" : " " + Errno.name(-errno));
    }

    @Override
    public String toString() {
        return message;
    }
}
