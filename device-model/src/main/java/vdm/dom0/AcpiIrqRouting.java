package vdm.dom0;

import static vdm.pci.ConfigRegisters.INTERRUPT_PIN;

import java.util.Optional;
import vdm.errno.Errno;
import vdm.host.Host;
import vdm.host.IntxRoute;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.log.Level;
import vdm.pci.Sbdf;
import vdm.xen.Domain;
import vdm.xen.PhysdevOps;
import vdm.xen.Xen;

/**
 * How dom0's kernel gives a function's INTx an IRQ: acpi_pci_irq_enable (drivers/acpi/pci_irq.c) looks the pin up in
 * _PRT (a link is given an IRQ on first use), then acpi_register_gsi makes the GSI an IRQ, which differs by dom0 kind:
 * a PV dom0 asks Xen (acpi_register_gsi_xen -> xen_register_gsi, arch/x86/pci/xen.c), a PVH dom0 programs its
 * virtual IO-APIC as a native kernel programs an IO-APIC (acpi_register_gsi_ioapic, arch/x86/kernel/acpi/boot.c) and
 * Xen never hears of the GSI.
 */
final class AcpiIrqRouting {
    /** The first vector a PVH dom0 gives an IO-APIC pin, and the next one after each. */
    static final int FIRST_VECTOR = 0x31;
    /**
     * The last vector a device can get: x86-64 Linux keeps FIRST_SYSTEM_VECTOR (0xec, the local timer) and above for
     * itself (arch/x86/include/asm/irq_vectors.h). This model aims every line at CPU 0 (destination 0), so CPU 0's
     * vectors are the limit; Linux's matrix allocator would spread lines over dom0's other vCPUs and run out later.
     */
    static final int LAST_VECTOR = 0xeb;

    private final Host host;
    private final Xen xen;
    private final Domain dom0;
    private final PciConfigAccess config;
    private final LinuxIrqs irqs;
    private final KernelLog log;
    private int nextVector = FIRST_VECTOR;

    AcpiIrqRouting(Host host, Xen xen, Domain dom0, PciConfigAccess config, LinuxIrqs irqs, KernelLog log) {
        this.host = host;
        this.xen = xen;
        this.dom0 = dom0;
        this.config = config;
        this.irqs = irqs;
        this.log = log;
    }

    /**
     * acpi_pci_irq_enable: the function's pin through _PRT to a GSI, acpi_register_gsi, and the classic line
     * "PCI INT A -> GSI 28 (level, low) -> IRQ 17". The device records the IRQ and the GSI; a function with no pin,
     * or whose route has no GSI, keeps none.
     */
    void enable(PciDev d) {
        int pin = config.read(d.sbdf, INTERRUPT_PIN, 1);
        if (pin == 0) return;
        Optional<IntxRoute> route = host.routeAllocating(d.sbdf);
        if (route.isEmpty() || route.get().gsi() < 0) {
            log.info("pci %s: PCI INT %c: no GSI", d.sbdf, (char) ('A' + pin - 1));
            return;
        }
        IntxRoute r = route.get();
        int irq = registerGsi(r.gsi(), r.trigger() == TriggerMode.LEVEL, r.polarity() == Polarity.ACTIVE_LOW);
        if (irq < 0) {
            log.warn("pci %s: PCI INT %c: failed to register GSI", d.sbdf, (char) ('A' + pin - 1)); // acpi_pci_irq_enable
            return;
        }
        d.irq = irq;
        d.gsiAtEnable = r.gsi();
        String link = r.viaLink() ? " -> Link[" + r.link() + "]" : "";
        log.info("pci %s: PCI INT %c%s -> GSI %d (%s, %s) -> IRQ %d", d.sbdf, (char) ('A' + pin - 1), link, r.gsi(),
                r.trigger() == TriggerMode.LEVEL ? "level" : "edge", r.polarity() == Polarity.ACTIVE_LOW ? "low" : "high", irq);
    }

    /**
     * acpi_register_gsi: the IRQ of a GSI, the one it already has if registered before. A PV dom0 goes through
     * xen_register_gsi (map_pirq for itself with pirq = gsi, then PHYSDEVOP_setup_gsi); a PVH dom0 programs its
     * virtual IO-APIC pin, masked until a driver requests the IRQ. Returns -1 if Xen refused the pirq, or (PVH) when no
     * vector is left for the pin.
     */
    int registerGsi(int gsi, boolean level, boolean activeLow) {
        int known = irqs.irqOf(gsi);
        if (known >= 0) return known;
        if (dom0.kind() != Domain.Kind.PVH) {
            log.debug("xen: registering gsi %d triggering %d polarity %d", gsi, level ? 0 : 1, activeLow ? 1 : 0);
            PhysdevOps.PirqResult r = xen.physdev().mapPirq(dom0, dom0.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, gsi);
            if (r.rc() != 0) {
                log.log(Level.WARNING, "xen map irq failed " + r.rc());
                return -1;
            }
            int rc = xen.physdev().setupGsi(dom0, gsi, level ? 1 : 0, activeLow ? 1 : 0);
            if (rc == -Errno.EEXIST) log.info("Already setup the GSI :%d", gsi);
            else if (rc < 0) log.err("Failed to setup GSI :%d, err_code:%d", gsi, rc);
        } else {
            // the vector matrix is full: irq_matrix_alloc fails -ENOSPC and the GSI is not registered
            if (nextVector > LAST_VECTOR) return -1;
            for (IoApic v : xen.dom0VioApics()) {
                if (gsi >= v.gsiBase() && gsi < v.gsiBase() + v.pins()) {
                    long entry = RedirectionEntry.fixed(nextVector++, level ? TriggerMode.LEVEL : TriggerMode.EDGE,
                            activeLow ? Polarity.ACTIVE_LOW : Polarity.ACTIVE_HIGH, 0) | RedirectionEntry.MASK;
                    v.setEntry(gsi - v.gsiBase(), entry);
                }
            }
        }
        return irqs.register(gsi);
    }

    /**
     * xen_acpi_get_gsi_info (drivers/xen/acpi.c): the GSI, trigger and polarity of the function's INTx, evaluated
     * now through _PRT; empty without an INTx pin or a GSI. The pin is read from the device directly, not through
     * dom0's trapped path.
     */
    Optional<IntxRoute> gsiInfo(Sbdf sbdf) {
        if (host.read(sbdf, INTERRUPT_PIN, 1) == 0) return Optional.empty();
        return host.routeAllocating(sbdf).filter(IntxRoute::routed);
    }

    /**
     * The IO-APIC chip's startup of a requested IRQ (startup_ioapic_irq -> unmask): a PVH dom0 clears the mask bit of
     * the GSI's pin in its virtual IO-APIC, which Xen traps (vioapic_write_redirent -> vioapic_hwdom_map_gsi). A PV
     * dom0 binds its pirq through event channels instead, which vdm does not model.
     */
    void unmask(int gsi) {
        if (dom0.kind() != Domain.Kind.PVH) return;
        for (IoApic v : xen.dom0VioApics()) {
            if (gsi >= v.gsiBase() && gsi < v.gsiBase() + v.pins()) v.updateEntry(gsi - v.gsiBase(), RedirectionEntry.MASK, 0);
        }
    }

    /**
     * pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI) -> msi_capability_init: one vector, its address (0xfee00000, CPU 0)
     * and data (a fresh vector) written, then MSI Enable in Message Control, all through dom0's config path (trapped by
     * vPCI for a PVH dom0). False when the function has no MSI capability.
     */
    boolean enableMsi(Sbdf sbdf) {
        for (var c : host.require(sbdf).layout().capabilities()) {
            if (!(c.capability() instanceof vdm.pci.cap.Msi msi)) continue;
            if (nextVector > LAST_VECTOR) return false; // -ENOSPC: the driver falls back to its INTx line
            int at = c.offset();
            config.write(sbdf, at + 4, 4, 0xfee0_0000);
            if (msi.is64()) config.write(sbdf, at + 8, 4, 0);
            config.write(sbdf, at + msi.dataOffset(), 2, nextVector++);
            int control = config.read(sbdf, at + vdm.pci.cap.Msi.CONTROL, 2);
            config.write(sbdf, at + vdm.pci.cap.Msi.CONTROL, 2, (control & ~0x70) | 0x1); // one vector (MME 0), MSI Enable
            return true;
        }
        return false;
    }

    /** The next vector a PVH dom0 gives an IO-APIC pin, for a state capture. */
    int nextVector() {
        return nextVector;
    }

    void restoreNextVector(int vector) {
        nextVector = vector;
    }
}
