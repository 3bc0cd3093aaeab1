package vdm.xen;

import vdm.pci.Sbdf;

/**
 * What {@link Xen#assignDevice} did, so that a failed attach can put everything back exactly as it was: the result,
 * and the hardware domain's vPCI objects the device left.
 */
public record Assignment(int rc, Sbdf sbdf, Domain from, Vpci fromVpci, Header fromHeader, Domain to) {
    static Assignment failed(int rc, Sbdf sbdf) {
        return new Assignment(rc, sbdf, null, null, null, null);
    }

    public boolean ok() {
        return rc == 0;
    }
}
