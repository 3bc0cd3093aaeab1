package vdm.qmp.model;

import vdm.pci.Sbdf;
import vdm.qmp.QmpError;

/** A PCI address argument (SSSS:BB:DD.F, or lspci's shorter forms), refused with the parameter's name. */
final class HostAddress {
    private HostAddress() {}

    static Sbdf parse(String text, String param) throws QmpError {
        try {
            return Sbdf.parse(text);
        } catch (IllegalArgumentException e) {
            throw QmpError.generic("Parameter '" + param + "' expects a PCI address SSSS:BB:DD.F: " + e.getMessage());
        }
    }
}
