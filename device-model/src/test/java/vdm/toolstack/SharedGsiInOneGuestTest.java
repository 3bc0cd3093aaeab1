package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.Vdm;
import vdm.hosts.TestHost;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.log.Level;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.persist.Snapshot;
import vdm.xen.Domain;
import vdm.xen.GuestInterrupts;

/**
 * Two functions on one GSI (on the wide host 01:00.0 and 01:00.1 on GSI 28, 00:02.0 and 00:03.0 on GSI 16) passed
 * through to one guest. Xen's pt_irq_create_bind gives the pirq one link per device and binds the machine irq once;
 * an interrupt asserts both guest lines (hvm_dirq_assist), and the machine irq is EOIed once both are (hvm_pirq_eoi).
 * On detach QEMU leaves the pirq mapped while the other device maps it (xen_pt_destroy counts in
 * xen_pt_mapped_machine_irq), but libxl's pci_remove_detached unmaps the GSI's pirq whoever else uses it, and Xen's
 * unmap_domain_pirq forces the unbind ("forcing unbind of pirq"): the device left in the guest loses its INTx.
 * vdm replays upstream here, not a fix.
 */
class SharedGsiInOneGuestTest {
    private static final int FIRST_SLOT = 4, SECOND_SLOT = 5, FIRST_VECTOR = 0x51, SECOND_VECTOR = 0x52;

    /** On each test host, the first two INTx functions of each GSI that more than one uses. */
    static Stream<Arguments> sharedGsis() {
        List<Arguments> out = new ArrayList<>();
        for (TestHost h : TestHost.values()) {
            Vdm vdm = h.builder().preset(Preset.UPSTREAM).build();
            Map<Integer, List<Sbdf>> byGsi = new LinkedHashMap<>();
            for (Sbdf s : h.intxEndpoints()) {
                vdm.host().route(s).ifPresent(r -> byGsi.computeIfAbsent(r.gsi(), k -> new ArrayList<>()).add(s));
            }
            byGsi.forEach((gsi, devs) -> {
                if (devs.size() > 1) out.add(Arguments.of(h, gsi, devs.get(0), devs.get(1)));
            });
        }
        return out.stream();
    }

    /** A model with {@code first} and {@code second} attached to one new guest; returns the guest's domid. */
    private static int attachBoth(Vdm vdm, Sbdf first, Sbdf second) {
        assertEquals(0, vdm.libxl().pciAssignableAdd(first));
        assertEquals(0, vdm.libxl().pciAssignableAdd(second));
        int d = vdm.libxl().domainCreate(1);
        AttachResult a = vdm.libxl().pciAttach(d, first, FIRST_SLOT);
        assertTrue(a.ok(), a::toString);
        AttachResult b = vdm.libxl().pciAttach(d, second, SECOND_SLOT);
        assertTrue(b.ok(), () -> "the second bind_pt_irq of the pirq adds a link (pt_irq_create_bind): " + b);
        return d;
    }

    /** The guest GSI of an attached device's INTx (hvm_pci_intx_gsi), programmed level, active low, with {@code vector}. */
    private static int programGuestPin(XenPtDevice pt, int vector) {
        int pin = GuestInterrupts.intxGsi(pt.guestSlot(), pt.interruptPin() - 1);
        pt.guest().interrupts().vioapic().setEntry(pin, RedirectionEntry.fixed(vector, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        return pin;
    }

    @ParameterizedTest(name = "{0} GSI {1}: {2} and {3}")
    @MethodSource("sharedGsis")
    void bothDevicesGetOnePirqWithALinkEach(TestHost host, int gsi, Sbdf first, Sbdf second) {
        Vdm vdm = host.builder().preset(Preset.UPSTREAM).build();
        int d = attachBoth(vdm, first, second);
        XenPtDevice a = vdm.libxl().device(first), b = vdm.libxl().device(second);
        assertEquals(a.machineIrq(), b.machineIrq(), "one pirq for the GSI in this guest");
        assertTrue(a.interruptBound() && b.interruptBound());
        Domain guest = vdm.xen().domain(d);
        assertEquals(gsi, guest.pirqs().irq(a.machineIrq()));
        assertTrue(Arrays.stream(guest.pirqs().mappings()).anyMatch(m -> m.pirq() == a.machineIrq() && m.bound()), "bound once");
        List<GuestInterrupts.Binding> links = guest.interrupts().bindings().get(gsi);
        assertEquals(List.of(new GuestInterrupts.Binding(a.machineIrq(), gsi, FIRST_SLOT, a.interruptPin() - 1,
                        GuestInterrupts.intxGsi(FIRST_SLOT, a.interruptPin() - 1)),
                new GuestInterrupts.Binding(b.machineIrq(), gsi, SECOND_SLOT, b.interruptPin() - 1,
                        GuestInterrupts.intxGsi(SECOND_SLOT, b.interruptPin() - 1))), links, "a link per device, in bind order");
        assertEquals(0, vdm.libxl().log().lines().stream().filter(l -> l.level() == Level.ERR && l.expected() == null).count(),
                () -> "no error on either attach: " + vdm.libxl().log().lines());
    }

    @ParameterizedTest(name = "{0} GSI {1}: {2} and {3}")
    @MethodSource("sharedGsis")
    void anIntxReachesBothGuestLinesAndTheMachineIrqIsEoiedOnceBothAre(TestHost host, int gsi, Sbdf first, Sbdf second) {
        Vdm vdm = host.builder().preset(Preset.UPSTREAM).build();
        int d = attachBoth(vdm, first, second);
        GuestInterrupts guest = vdm.xen().domain(d).interrupts();
        int pinA = programGuestPin(vdm.libxl().device(first), FIRST_VECTOR);
        int pinB = programGuestPin(vdm.libxl().device(second), SECOND_VECTOR);
        assertNotEquals(pinA, pinB);
        GsiSpace gsis = vdm.host().gsiSpace();

        gsis.assertGsi(gsi); // the line stays asserted: the device wants service
        assertEquals(1, guest.delivered().count(pinA), "hvm_dirq_assist asserts every link's guest line");
        assertEquals(1, guest.delivered().count(pinB));
        guest.guestEoi(FIRST_VECTOR);
        assertTrue((gsis.entry(gsi) & RedirectionEntry.REMOTE_IRR) != 0, "one link EOIed: pending is not 0, no pirq_guest_eoi");
        assertEquals(1, guest.delivered().count(pinA), "no new interrupt before the machine EOI");
        guest.guestEoi(SECOND_VECTOR);
        assertEquals(2, guest.delivered().count(pinA), "the machine irq was EOIed and fired again at once (the line is still up)");
        assertEquals(2, guest.delivered().count(pinB));

        gsis.deassertGsi(gsi);
        guest.guestEoi(FIRST_VECTOR);
        guest.guestEoi(SECOND_VECTOR);
        assertEquals(0, gsis.entry(gsi) & RedirectionEntry.REMOTE_IRR, "both links EOIed: the machine irq is EOIed");
        assertEquals(2, guest.delivered().count(pinA));
    }

    @ParameterizedTest(name = "{0} GSI {1}: {2} and {3}")
    @MethodSource("sharedGsis")
    void detachingOneForcesTheUnbindOfThePirqTheOtherStillUses(TestHost host, int gsi, Sbdf first, Sbdf second) {
        Vdm vdm = host.builder().preset(Preset.UPSTREAM).build();
        int d = attachBoth(vdm, first, second);
        XenPtDevice a = vdm.libxl().device(first);
        int pirq = a.machineIrq();
        int pinA = programGuestPin(a, FIRST_VECTOR);
        Domain guest = vdm.xen().domain(d);
        List<String> unmaps = new ArrayList<>();
        vdm.xen().addHypercallListener((caller, name, args, rc) -> {
            if (name.equals("XEN_DOMCTL_unbind_pt_irq") || name.equals("PHYSDEVOP_unmap_pirq")) unmaps.add(name + " " + args + " = " + rc);
        });

        assertTrue(vdm.libxl().pciDetach(d, second).ok());
        assertEquals("XEN_DOMCTL_unbind_pt_irq domid=" + d + " machine_irq=" + pirq + " device=" + SECOND_SLOT + " intx="
                + (vdm.kernel().cfgRead(second, 0x3d, 1) - 1) + " = 0", unmaps.getFirst(), "QEMU unbinds its own link only (a partial unmap)");
        assertTrue(unmaps.stream().skip(1).allMatch(u -> u.startsWith("PHYSDEVOP_unmap_pirq")), unmaps::toString);
        assertTrue(vdm.xen().log().events().stream().anyMatch(e -> e.level() == Level.WARNING
                && e.message().equals("dom" + d + ": forcing unbind of pirq " + pirq)),
                () -> "libxl's unmap of the GSI's pirq is forced through (unmap_domain_pirq): " + vdm.xen().log().dmesg());
        assertTrue(Arrays.stream(guest.pirqs().mappings()).noneMatch(m -> m.pirq() == pirq), "the pirq the other device uses is gone");
        assertEquals(pirq, a.machineIrq(), "QEMU still thinks it has it");
        assertEquals(1, guest.interrupts().bindings().get(gsi).size(), "Xen keeps the remaining device's link until its unbind");
        vdm.host().gsiSpace().assertGsi(gsi);
        vdm.host().gsiSpace().deassertGsi(gsi);
        assertEquals(0, guest.interrupts().delivered().count(pinA), "the device left in the guest gets no INTx");
        assertTrue((vdm.host().gsiSpace().entry(gsi) & RedirectionEntry.MASK) != 0, "no guest holds the irq: masked");

        unmaps.clear();
        assertTrue(vdm.libxl().pciDetach(d, first).ok());
        assertEquals("XEN_DOMCTL_unbind_pt_irq domid=" + d + " machine_irq=" + pirq + " device=" + FIRST_SLOT + " intx="
                + (a.interruptPin() - 1) + " = 0", unmaps.getFirst(), "pt_irq_destroy_bind still finds the link: the final unmap");
        assertEquals("PHYSDEVOP_unmap_pirq domid=" + d + " pirq=" + pirq + " = -22", unmaps.get(1), "QEMU's unmap finds no pirq");
        assertTrue(vdm.libxl().log().contains(ToolstackLog.Source.QEMU, String.format(
                "[00:%02x.0] xen_pt_destroy: Error: unmapping of interrupt %d failed. (err: 22) But bravely continuing on..", FIRST_SLOT, pirq)),
                () -> vdm.libxl().log().lines().toString());
        assertTrue(guest.interrupts().bindings().isEmpty());
        assertFalse(Arrays.stream(guest.pirqs().mappings()).anyMatch(m -> m.irq() == gsi));
    }

    @ParameterizedTest(name = "{0} GSI {1}: {2} and {3}")
    @MethodSource("sharedGsis")
    void bothLinksSurviveASnapshot(TestHost host, int gsi, Sbdf first, Sbdf second) {
        Vdm vdm = host.builder().preset(Preset.UPSTREAM).build();
        int d = attachBoth(vdm, first, second);
        String saved = Snapshot.save(vdm);
        Vdm loaded = Vdm.load(saved);
        assertEquals(saved, Snapshot.save(loaded));
        GuestInterrupts guest = loaded.xen().domain(d).interrupts();
        assertEquals(vdm.xen().domain(d).interrupts().bindings(), guest.bindings());
        int pinA = programGuestPin(loaded.libxl().device(first), FIRST_VECTOR);
        int pinB = programGuestPin(loaded.libxl().device(second), SECOND_VECTOR);
        loaded.host().gsiSpace().assertGsi(gsi);
        assertEquals(1, guest.delivered().count(pinA), "a loaded model delivers to both links");
        assertEquals(1, guest.delivered().count(pinB));
    }
}
