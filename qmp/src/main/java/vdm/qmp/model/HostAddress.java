package vdm.qmp.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import vdm.pci.Sbdf;
import vdm.qmp.QmpError;

/** A PCI address argument, refused with the parameter's name: nothing around it, every field in range. */
final class HostAddress {
    /** SSSS:BB:DD.F exactly, as libxl writes it ("%04x:%02x:%02x.%01x", libxl__device_pci_add_xenstore's QMP args). */
    private static final Pattern EXACT = Pattern.compile("([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-9a-fA-F])");

    private HostAddress() {}

    /**
     * An x-vdm command's address: SSSS:BB:DD.F or lspci's BB:DD.F, with no white space around it (a space is a
     * caller's mistake, not part of an address).
     */
    static Sbdf parse(String text, String param) throws QmpError {
        try {
            if (!text.equals(text.strip())) throw new IllegalArgumentException("'" + text + "' has white space around it");
            return Sbdf.parse(text);
        } catch (IllegalArgumentException e) {
            throw QmpError.generic("Parameter '" + param + "' expects a PCI address SSSS:BB:DD.F: " + e.getMessage());
        }
    }

    /**
     * device_add's {@code hostaddr} (xen_pt's PCIHostDeviceAddress property; set_pci_host_devaddr in
     * hw/core/qdev-properties-system.c checks domain <= 0xffff, bus <= 0xff, slot <= 0x1f, function <= 7). vdm takes
     * only the exact SSSS:BB:DD.F that libxl sends, and refuses anything else with QEMU's text for a value the
     * property does not take: {@code Property 'xen-pci-passthrough.hostaddr' doesn't take value 'TEXT'}.
     */
    static Sbdf property(String text, String driver) throws QmpError {
        Matcher m = EXACT.matcher(text);
        if (m.matches()) {
            int device = Integer.parseInt(m.group(3), 16), function = Integer.parseInt(m.group(4), 16);
            if (device <= 0x1f && function <= 7) {
                return new Sbdf(Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16), device, function);
            }
        }
        throw QmpError.generic("Property '" + driver + ".hostaddr' doesn't take value '" + text + "'");
    }
}
