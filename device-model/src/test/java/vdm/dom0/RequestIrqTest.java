package vdm.dom0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.WideHost;
import vdm.ioapic.IoApic;
import vdm.ioapic.RedirectionEntry;
import vdm.model.Fix;
import vdm.model.Preset;
import vdm.pci.cap.Msi;

/**
 * A driver's request_irq on a PVH dom0: the INTx IRQ's virtual IO-APIC pin is unmasked (the IO-APIC chip's startup),
 * which Xen traps to set the GSI up, map it and bind it for dom0 (vioapic_hwdom_map_gsi); with shared-line-msi the
 * driver takes an MSI and leaves the pin masked.
 */
class RequestIrqTest {
    private static final int GSI = 28; // 01:00.1's INTA on the wide host

    private static boolean masked(Vdm vdm) {
        for (IoApic v : vdm.xen().dom0VioApics()) {
            if (GSI >= v.gsiBase() && GSI < v.gsiBase() + v.pins()) return (v.entry(GSI - v.gsiBase()) & RedirectionEntry.MASK) != 0;
        }
        throw new AssertionError("no vIO-APIC serves GSI " + GSI);
    }

    @Test
    void requestingTheIntxUnmasksItsPinAndXenBindsTheGsiForDom0() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        assertTrue(vdm.kernel().enabled(WideHost.SECOND_FUNCTION), "dom0's driver enabled it at boot");
        assertTrue(masked(vdm), "pci_enable_device programs the pin masked");
        assertEquals(GSI, vdm.kernel().requestIrq(WideHost.SECOND_FUNCTION));
        assertFalse(masked(vdm));
        assertTrue(vdm.xen().routing().programmed(GSI), "mp_register_gsi on the unmask");
        assertTrue(vdm.dom0().pirqs().bound(GSI), "pirq = gsi, bound for dom0");
    }

    @Test
    void withSharedLineMsiTheDriverTakesAnMsiAndTheLineStaysMasked() {
        Vdm vdm = Vdm.host(WideHost.description()).fixes(Preset.UPSTREAM.fixes().with(Fix.SHARED_LINE_MSI, true)).build();
        assertEquals(0, vdm.kernel().requestIrq(WideHost.SECOND_FUNCTION));
        assertTrue(masked(vdm));
        assertFalse(vdm.xen().routing().programmed(GSI));
        var f = vdm.host().require(WideHost.SECOND_FUNCTION);
        int msi = f.layout().capabilities().stream().filter(c -> c.capability() instanceof Msi).findFirst().orElseThrow().offset();
        assertEquals(1, vdm.host().read(WideHost.SECOND_FUNCTION, msi + Msi.CONTROL, 2) & 1, "MSI Enable, through vPCI");
    }

    @Test
    void aFunctionThatIsNotEnabledHasNoIrqToRequest() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        vdm.kernel().disableDevice(WideHost.SECOND_FUNCTION);
        assertEquals(-1, vdm.kernel().requestIrq(WideHost.SECOND_FUNCTION));
    }
}
