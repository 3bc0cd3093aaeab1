package vdm.toolstack;

/**
 * One guest IO BAR that QEMU's xen_pt mapped onto the host's ports (xen_pt_region_update's XEN_DOMCTL_ioport_mapping):
 * the BAR's index, the first guest port, the first machine port (the host BAR's, from sysfs {@code resource}) and how
 * many ports (the BAR's size).
 */
public record IoBarMapping(int bar, int gport, int mport, int ports) {

    /** Whether this mapping is the one asked for (QEMU's memory listener then sees no change). */
    boolean covers(int wantGport, int wantMport, int wantPorts) {
        return gport == wantGport && mport == wantMport && ports == wantPorts;
    }
}
