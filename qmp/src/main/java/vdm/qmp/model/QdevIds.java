package vdm.qmp.model;

import vdm.Vdm;
import vdm.pci.Sbdf;
import vdm.toolstack.XenPtDevice;

/**
 * The qdev ids of the passed-through devices, read from the model (the toolstack keeps the id device_add gave, so
 * it survives snapshots). A device attached without one is named {@code vdm-SSSS:BB:DD.F}, so that device_del can
 * still name it.
 */
final class QdevIds {
    private QdevIds() {}

    static String of(XenPtDevice device) {
        return device.qdevId() != null ? device.qdevId() : "vdm-" + device.hostAddress();
    }

    /** The attached device named {@code id}, or null. */
    static XenPtDevice find(Vdm vdm, String id) {
        for (Sbdf s : vdm.libxl().attachedDevices()) {
            XenPtDevice p = vdm.libxl().device(s);
            if (p != null && of(p).equals(id)) return p;
        }
        return null;
    }

    /** The id of the device at {@code host} if a guest has it, else "" (query-pci's and info pci's qdev_id). */
    static String ofHost(Vdm vdm, Sbdf host) {
        XenPtDevice p = vdm.libxl().device(host);
        return p == null ? "" : of(p);
    }
}
