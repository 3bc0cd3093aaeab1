package vdm.xen;

import vdm.ioapic.GsiSpace;
import vdm.ioapic.IoApic;

final class PhysdevTestSupport {
    private PhysdevTestSupport() {}

    /** Two IO-APICs as the default host has them: GSI 0-23 and 24-55. */
    static GsiSpace gsis() {
        return GsiSpace.of(IoApic.builder().id(0).pins(24).gsiBase(0).build(),
                IoApic.builder().id(1).pins(32).gsiBase(24).address(0xfec01000L).build());
    }
}
