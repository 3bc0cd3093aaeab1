package vdm.qmp.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vdm.errno.Errno;
import vdm.qmp.QmpError;

/**
 * A model operation the model refused (libxl's or the hypervisor's errno): logged as a warning, and answered with
 * the errno's name and the log text, so that the client reads what libxl would have logged.
 */
final class ModelRefusal {
    private static final Logger log = LoggerFactory.getLogger(ModelRefusal.class);

    private ModelRefusal() {}

    static QmpError of(String what, int rc, String text) {
        String detail = text == null || text.isEmpty() ? "" : " (" + text + ")";
        log.warn("refused: {}: {}{}", what, Errno.name(rc), detail);
        return QmpError.generic(what + ": " + Errno.name(rc) + detail);
    }
}
