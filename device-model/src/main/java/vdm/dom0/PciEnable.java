package vdm.dom0;

import static vdm.pci.ConfigRegisters.COMMAND;
import static vdm.pci.ConfigRegisters.COMMAND_IO;
import static vdm.pci.ConfigRegisters.COMMAND_MASTER;
import static vdm.pci.ConfigRegisters.COMMAND_MEMORY;

import java.util.Optional;
import vdm.host.Bridge;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.log.StepBus;
import vdm.pci.Sbdf;
import vdm.pci.layout.BarKind;

/**
 * pci_enable_device and pci_disable_device (drivers/pci/pci.c). Enabling turns on the decoding the function's BARs
 * need (pci_enable_resources, drivers/pci/setup-res.c), then routes its INTx (pcibios_enable_device ->
 * acpi_pci_irq_enable, {@link AcpiIrqRouting}); disabling turns decoding and bus mastering off.
 */
final class PciEnable {
    private final Host host;
    private final PciConfigAccess config;
    private final PciDevices devices;
    private final AcpiIrqRouting irqRouting;
    private final StepBus steps;

    PciEnable(Host host, PciConfigAccess config, PciDevices devices, AcpiIrqRouting irqRouting, StepBus steps) {
        this.host = host;
        this.config = config;
        this.devices = devices;
        this.irqRouting = irqRouting;
        this.steps = steps;
    }

    /** I/O decoding if the kernel holds an I/O BAR of the function, memory decoding if a memory BAR or the ROM, then the IRQ. */
    void enable(Sbdf sbdf) {
        PciDev d = devices.get(sbdf);
        PhysicalFunction f = host.require(sbdf);
        int cmd = config.read(sbdf, COMMAND, 2);
        int want = 0;
        // pci_enable_resources: only resources the kernel holds count; one that failed to assign was reset
        // (reset_resource: flags 0) at boot and is skipped, its resource start left at 0.
        for (int n = 0; n < f.layout().barCount(); n++) {
            if (!f.barImplemented(n) || d.resource[n] == 0) continue;
            want |= f.barKind(n) == BarKind.IO ? COMMAND_IO : COMMAND_MEMORY;
        }
        if (f.romSize() > 0 && d.resource[PciDev.ROM_RESOURCE] != 0) want |= COMMAND_MEMORY;
        // A bridge's windows are resources too (PCI_BRIDGE_RESOURCES): an open window needs its decoding on.
        Optional<Bridge> bridge = host.bridge(sbdf);
        if (bridge.isPresent() && bridge.get().ioWindow().isPresent()) want |= COMMAND_IO;
        if (bridge.isPresent() && (bridge.get().memoryWindow().isPresent() || bridge.get().prefetchableWindow().isPresent())) {
            want |= COMMAND_MEMORY;
        }
        if ((cmd & want) != want) config.write(sbdf, COMMAND, 2, cmd | want);
        d.enabled = true;
        irqRouting.enable(d);
        steps.end("pci_enable_device " + sbdf);
    }

    /**
     * Decoding and bus mastering off. (Linux's do_pci_disable_device clears only Bus Master; this model clears the
     * decode enables too.)
     */
    void disable(Sbdf sbdf) {
        PciDev d = devices.get(sbdf);
        int cmd = config.read(sbdf, COMMAND, 2);
        int off = COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER;
        if ((cmd & off) != 0) config.write(sbdf, COMMAND, 2, cmd & ~off);
        d.enabled = false;
        steps.end("pci_disable_device " + sbdf);
    }
}
