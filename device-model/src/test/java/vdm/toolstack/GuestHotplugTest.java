package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;

/** The guest's side of an unplug: its eject policy, and requests pending until the detach or the domain's end. */
class GuestHotplugTest {
    @Test
    void aRequestStaysPendingUntilTheDetachAndCannotBeRepeated() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        Libxl libxl = vdm.libxl();
        assertEquals(0, libxl.pciAssignableAdd(DefaultHost.NIC));
        int d = libxl.domainCreate(1);
        assertEquals(GuestEject.AT_ONCE, libxl.hotplug().policy(d), "a guest ejects at once unless told otherwise");
        assertTrue(libxl.pciAttach(d, DefaultHost.NIC, 5).ok());
        assertTrue(libxl.hotplug().request(d, DefaultHost.NIC));
        assertFalse(libxl.hotplug().request(d, DefaultHost.NIC), "already in the process of unplug");
        assertEquals(List.of(DefaultHost.NIC), libxl.hotplug().pending(d));
        assertTrue(libxl.pciDetach(d, DefaultHost.NIC).ok());
        assertEquals(List.of(), libxl.hotplug().pending(d), "the eject's detach ends it");
    }

    @Test
    void aGuestThatNeverEjectsKeepsItsRequestUntilItIsDestroyed() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        Libxl libxl = vdm.libxl();
        assertEquals(0, libxl.pciAssignableAdd(DefaultHost.NIC));
        int d = libxl.domainCreate(1);
        libxl.hotplug().policy(d, GuestEject.NEVER);
        assertTrue(libxl.pciAttach(d, DefaultHost.NIC, 5).ok());
        assertTrue(libxl.hotplug().request(d, DefaultHost.NIC));
        assertEquals(0, libxl.domainDestroy(d));
        assertEquals(List.of(), libxl.hotplug().pending(d));
        assertFalse(libxl.hotplug().isPending(DefaultHost.NIC));
        assertEquals(GuestEject.AT_ONCE, libxl.hotplug().policy(d), "the policy went with the domain");
    }

    @Test
    void aDelayIsForAfterOnly() {
        assertEquals("after 250 ms", GuestEject.after(Duration.ofMillis(250)).describe());
        assertThrows(IllegalArgumentException.class, () -> GuestEject.after(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> new GuestEject(GuestEject.Kind.NEVER, Duration.ofSeconds(1)));
    }
}
