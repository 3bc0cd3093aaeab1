package vdm.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.persist.TraceJson;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.model.Preset;
import vdm.system.Trace;
import vdm.toolstack.AttachResult;
import vdm.xen.Domain;
import vdm.xen.Domctls;
import vdm.xen.IoApicRouting;
import vdm.xen.PhysdevOps;

/**
 * The three interrupt invariants fire on a real model driven into the state each forbids through the model's own
 * calls, name the place, and stay silent on the healthy path: {@code pirq-registered} (a GSI pirq whose GSI Xen never
 * set up), {@code ioapic-programmed} (a physical IO-APIC pin whose programming disagrees with Xen's bookkeeping) and
 * {@code permissions} (a guest's irq permissions that are not those of the devices it holds).
 */
class InterruptInvariantsTest {
    /** The GPU's INTA (GSI 38 on IO-APIC 1) and the NIC's (GSI 28): see {@link DefaultHost}. */
    private static final int GPU_GSI = 38, NIC_GSI = 28;

    private static Vdm upstream() {
        return Vdm.defaultHost().preset(Preset.UPSTREAM).build();
    }

    private static void healthy(Vdm vdm, String when) {
        List<Violation> v = InvariantMonitor.check(vdm);
        assertTrue(v.isEmpty(), () -> when + ": " + v);
    }

    /**
     * The monitor on the model's step bus records {@code expected} in the trace after the next model step (pciback
     * taking the NVMe, which touches neither the GSI nor the guest at stake), once.
     */
    private static void tracedAtTheNextStep(Vdm vdm, Violation expected) {
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NVME));
        List<Trace.Event> events = vdm.trace().matching(e -> e.source() == Trace.Source.INVARIANT);
        assertEquals(List.of(expected.toString()), events.stream().map(Trace.Event::message).toList());
        assertTrue(events.getFirst().detail().startsWith("after "), events.getFirst().detail());
    }

    /** The low dword of a pin's entry as an OS writes it through IOREGSEL/IOWIN. */
    private static void writeLowDword(IoApic ioApic, int pin, long entry) {
        ioApic.write(IoApic.IOREGSEL, 4, IoApic.REG_REDIRECTION_BASE + 2 * pin);
        ioApic.write(IoApic.IOWIN, 4, (int) entry);
    }

    private static long levelLow(int vector, boolean masked) {
        return RedirectionEntry.fixed(vector, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0) | (masked ? RedirectionEntry.MASK : 0);
    }

    // ---- pirq-registered

    @Test
    void aGuestPirqMappedOnAGsiXenNeverSetUpIsFlaggedUntilTheGsiIsSetUp() {
        Vdm vdm = upstream();
        int domid = vdm.libxl().domainCreate(1);
        healthy(vdm, "after boot and domain create");
        IoApicRouting routing = vdm.xen().routing();
        assertEquals(GPU_GSI, vdm.host().route(DefaultHost.GPU).orElseThrow().gsi());
        assertFalse(routing.programmed(GPU_GSI), "nothing set the GPU's GSI up yet");

        // libxl's xc_physdev_map_pirq_gsi for the GPU, but before pciback's PHYSDEVOP_setup_gsi: Xen maps it anyway
        // (allocate_and_map_gsi_pirq takes the GSI as the irq for the hardware domain).
        PhysdevOps.PirqResult r = vdm.xen().physdev().mapPirq(vdm.dom0(), domid, PhysdevOps.MAP_PIRQ_TYPE_GSI, GPU_GSI, GPU_GSI);
        assertEquals(new PhysdevOps.PirqResult(0, GPU_GSI), r);
        Violation expected = new Violation("pirq-registered", "d" + domid + " pirq " + GPU_GSI,
                "GSI " + GPU_GSI + " set up", "GSI " + GPU_GSI + " never set up");
        assertEquals(List.of(expected), InvariantMonitor.check(vdm));
        tracedAtTheNextStep(vdm, expected);

        assertEquals(0, vdm.xen().physdev().setupGsi(vdm.dom0(), GPU_GSI, 1, 1));
        healthy(vdm, "once the GSI is set up");
    }

    @Test
    void dom0MappingAGsiBeforeSettingItUpIsFlaggedAtDom0() {
        Vdm vdm = upstream();
        PhysdevOps.PirqResult r = vdm.xen().physdev().mapPirq(vdm.dom0(), 0, PhysdevOps.MAP_PIRQ_TYPE_GSI, NIC_GSI, -1);
        assertEquals(0, r.rc());
        List<Violation> v = InvariantMonitor.check(vdm);
        assertEquals(List.of(new Violation("pirq-registered", "d0 pirq " + r.pirq(), "GSI " + NIC_GSI + " set up",
                "GSI " + NIC_GSI + " never set up")), v);
    }

    // ---- ioapic-programmed

    @Test
    void anIoApicPinProgrammedBehindXensBackIsFlaggedAtItsGsi() {
        Vdm vdm = upstream();
        healthy(vdm, "after boot");
        IoApic physical = vdm.host().gsiSpace().ioApic(GPU_GSI);
        int pin = vdm.host().gsiSpace().pin(GPU_GSI);
        assertEquals(0, RedirectionEntry.vector(physical.entry(pin)), "the pin is blank at boot");

        // Xen owns the physical IO-APICs (a PVH dom0 programs virtual ones): a vector written straight into the
        // register window is programming Xen's mp_register_gsi knows nothing of.
        writeLowDword(physical, pin, levelLow(0x41, true));
        Violation expected = new Violation("ioapic-programmed", "GSI " + GPU_GSI, "programmed=false", "programmed=true");
        assertEquals(List.of(expected), InvariantMonitor.check(vdm));
        tracedAtTheNextStep(vdm, expected);
    }

    @Test
    void aPinXenSetUpThenClearedBehindItsBackIsFlaggedAtItsGsi() {
        Vdm vdm = upstream();
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NIC)); // pciback's setup_gsi programs GSI 28
        assertTrue(vdm.xen().routing().programmed(NIC_GSI));
        healthy(vdm, "after assignable-add");
        IoApic physical = vdm.host().gsiSpace().ioApic(NIC_GSI);
        writeLowDword(physical, vdm.host().gsiSpace().pin(NIC_GSI), RedirectionEntry.MASK); // vector 0, masked
        assertEquals(List.of(new Violation("ioapic-programmed", "GSI " + NIC_GSI, "programmed=true", "programmed=false")),
                InvariantMonitor.check(vdm));
    }

    @Test
    void dom0UnmaskingItsVirtualPinLetsXenProgramThePhysicalOneAndNothingIsFlagged() {
        Vdm vdm = upstream();
        IoApic virtual = vdm.xen().dom0VioApics().stream()
                .filter(v -> GPU_GSI >= v.gsiBase() && GPU_GSI < v.gsiBase() + v.pins()).findFirst().orElseThrow();
        writeLowDword(virtual, GPU_GSI - virtual.gsiBase(), levelLow(0x51, false)); // vioapic_hwdom_map_gsi
        IoApicRouting routing = vdm.xen().routing();
        assertTrue(routing.programmed(GPU_GSI), "Xen registered the GSI on the unmask");
        assertTrue(RedirectionEntry.vector(routing.physical().entry(GPU_GSI)) != 0, "and programmed the physical pin");
        healthy(vdm, "after dom0 unmasked its virtual pin");
    }

    // ---- permissions

    @Test
    void aPermissionForTheIrqOfADeviceTheGuestDoesNotHoldIsFlaggedAtTheGuest() {
        Vdm vdm = upstream();
        int domid = vdm.libxl().domainCreate(1);
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NIC));
        assertEquals(AttachResult.OK, vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5));
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.GPU)); // pciback holds the GPU; its GSI is set up
        Domain guest = vdm.xen().domain(domid);
        assertEquals(BitSet.valueOf(new long[] {1L << NIC_GSI}), guest.irqCaps(), "the guest may use its NIC's GSI");
        healthy(vdm, "after attaching the NIC");

        // XEN_DOMCTL_gsi_permission for the GPU's GSI, which the guest does not hold (pciback does).
        assertEquals(0, vdm.xen().domctls().gsiPermission(vdm.dom0(), domid, GPU_GSI, Domctls.GSI_GRANT));
        Violation expected = new Violation("permissions", "d" + domid, "irqs {" + NIC_GSI + "}",
                "irqs {" + NIC_GSI + ", " + GPU_GSI + "}");
        assertEquals(List.of(expected), InvariantMonitor.check(vdm));
        tracedAtTheNextStep(vdm, expected);

        assertEquals(0, vdm.xen().domctls().gsiPermission(vdm.dom0(), domid, GPU_GSI, Domctls.GSI_REVOKE));
        healthy(vdm, "after the grant is revoked");
    }

    @Test
    void aGuestDeniedTheIrqOfTheDeviceItHoldsIsFlaggedAtTheGuest() {
        Vdm vdm = upstream();
        int domid = vdm.libxl().domainCreate(1);
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NIC));
        assertEquals(AttachResult.OK, vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5));
        assertEquals(0, vdm.xen().domctls().gsiPermission(vdm.dom0(), domid, NIC_GSI, Domctls.GSI_REVOKE));
        assertEquals(List.of(new Violation("permissions", "d" + domid, "irqs {" + NIC_GSI + "}", "irqs {}")),
                InvariantMonitor.check(vdm));
    }

    // ---- the healthy path

    @Test
    void theUpstreamPassthroughOfEveryDeviceWithInterruptsReportsNoneOfTheThree() {
        for (var dev : List.of(DefaultHost.NIC, DefaultHost.GPU, DefaultHost.NVME)) {
            Vdm vdm = upstream();
            int domid = vdm.libxl().domainCreate(1);
            assertEquals(0, vdm.libxl().pciAssignableAdd(dev));
            assertEquals(AttachResult.OK, vdm.libxl().pciAttach(domid, dev, 5));
            int gsi = vdm.host().route(dev).orElseThrow().gsi();
            // The three checks looked at something: a set-up GSI, its programmed pin, a guest pirq and its permission.
            assertTrue(vdm.xen().routing().programmed(gsi), dev + ": GSI " + gsi + " set up");
            assertTrue(RedirectionEntry.vector(vdm.xen().routing().physical().entry(gsi)) != 0, dev + ": pin programmed");
            Domain guest = vdm.xen().domain(domid);
            assertEquals(1, guest.pirqs().mappings().length, dev + ": one guest pirq");
            assertEquals(gsi, guest.pirqs().mappings()[0].irq(), dev + ": the guest pirq maps the GSI");
            assertTrue(guest.irqPermitted(gsi), dev + ": the guest may use it");
            healthy(vdm, dev + " attached");
            assertTrue(vdm.trace().matching(e -> e.source() == Trace.Source.INVARIANT).isEmpty(), () -> TraceJson.lines(vdm.trace()));
            assertEquals(AttachResult.OK, vdm.libxl().pciDetach(domid, dev));
            healthy(vdm, dev + " detached");
        }
    }
}
