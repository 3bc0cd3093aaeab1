package vdm.qmp;

import java.util.Objects;

/** A command's failure as the client sees it: {@code {"error": {"class": ..., "desc": ...}}}. */
public final class QmpError extends Exception {
    private final ErrorClass errorClass;

    public QmpError(ErrorClass errorClass, String desc) {
        super(Objects.requireNonNull(desc, "desc"), null, false, false);
        this.errorClass = Objects.requireNonNull(errorClass, "errorClass");
    }

    /** The common case: a {@link ErrorClass#GenericError} with this text. */
    public static QmpError generic(String desc) {
        return new QmpError(ErrorClass.GenericError, desc);
    }

    public ErrorClass errorClass() { return errorClass; }

    public String desc() { return getMessage(); }

    @Override
    public String toString() { return errorClass + ": " + desc(); }
}
