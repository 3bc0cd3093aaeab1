package vdm.dom0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.Host;
import vdm.host.HostBuilder;
import vdm.host.IntxPin;
import vdm.pci.Sbdf;

/**
 * A PVH dom0 with more lines to register than the vectors the model gives them (0x31..0xeb, all on CPU 0: 187): the
 * GSIs beyond get no vector, so acpi_pci_irq_enable says "failed to register GSI" and the device keeps no IRQ, as
 * Linux does when irq_matrix_alloc fails. Before, the 188th line threw out of the boot ("vector 256 is not 0..255").
 */
class VectorExhaustionTest {
    private static final int DEVICES = 200;

    private static Sbdf sbdf(int i) {
        return new Sbdf(0, (i + 1) / 32, (i + 1) % 32, 0);
    }

    @Test
    void linesBeyondTheVectorsDom0HasAreNotRegisteredAndTheBootGoesOn() {
        HostBuilder b = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).ioApic(1, 0xfec0_1000L, 24, 240);
        for (int bus = 0; bus <= DEVICES / 32; bus++) b.rootBridge(bus);
        for (int i = 0; i < DEVICES; i++) {
            b.device(sbdf(i).toString(), "e1000");
            b.prt(0, sbdf(i).bus(), sbdf(i).device(), IntxPin.A, 24 + i); // a line of its own each
        }
        Vdm vdm = Vdm.host(b.describe()).build();
        int vectors = AcpiIrqRouting.LAST_VECTOR - AcpiIrqRouting.FIRST_VECTOR + 1;
        assertEquals(187, vectors);
        for (int i = 0; i < DEVICES; i++) {
            int irq = vdm.kernel().irq(sbdf(i));
            if (i < vectors) assertTrue(irq > 0, sbdf(i) + " got a vector and an IRQ");
            else assertEquals(0, irq, sbdf(i) + " has no IRQ: no vector was left");
        }
        assertTrue(vdm.kernel().log().contains("pci " + sbdf(vectors) + ": PCI INT A: failed to register GSI"));
        assertTrue(vdm.kernel().log().contains("pci " + sbdf(vectors - 1) + ": PCI INT A -> GSI " + (24 + vectors - 1)));
    }
}
