package vdm.cli;

import java.io.PrintWriter;
import java.util.Iterator;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.catalog.Placement;
import vdm.pci.layout.Layout;
import vdm.pci.layout.LayoutException;

/** Catalog look-up shared by the subcommands; also the completion candidates picocli lists in help. */
final class CatalogDevices implements Iterable<String> {
    /** The exit code for an unknown device or a bad address: a usage error, as picocli's own. */
    static final int USAGE = 2;

    @Override
    public Iterator<String> iterator() {
        return DeviceCatalog.names().iterator();
    }

    /** The device's layout, or null after printing the error (which lists the known devices) to {@code err}. */
    static Layout layout(String name, boolean qemuCompat, Placement placement, String command, PrintWriter err) {
        try {
            return DeviceCatalog.layout(name, qemuCompat ? Mode.QEMU_COMPAT : Mode.HARDWARE, placement);
        } catch (LayoutException e) {
            err.println("vdm " + command + ": " + e.getMessage());
            err.flush();
            return null;
        }
    }
}
