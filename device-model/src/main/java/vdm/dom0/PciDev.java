package vdm.dom0;

import vdm.pci.Sbdf;

/**
 * What dom0's kernel knows of one function (Linux's {@code struct pci_dev}, include/linux/pci.h): the driver bound,
 * whether it is enabled, its IRQ, its resources and the config state pci_save_state kept.
 */
final class PciDev {
    /** Index of the expansion ROM among the resources, after BARs 0..5 (Linux {@code PCI_ROM_RESOURCE}). */
    static final int ROM_RESOURCE = 6;

    final Sbdf sbdf;
    Dom0Kernel.Driver driver = Dom0Kernel.Driver.NONE;
    /** pci_is_enabled: pci_enable_device ran and pci_disable_device has not since. */
    boolean enabled;
    /** dev->irq: the Linux IRQ (sysfs irq), 0 if none. */
    int irq;
    /** dev->resource[].start: the kernel's resources for BARs 0..5 and the ROM ({@link #ROM_RESOURCE}). */
    final long[] resource = new long[ROM_RESOURCE + 1];
    /** The GSI acpi_pci_irq_enable found, as v4's sysfs gsi attribute recorded it (-1 if none). */
    int gsiAtEnable = -1;
    /** dev->saved_config_space: what pci_save_state last saved (null before any save). */
    int[] savedState;

    PciDev(Sbdf sbdf) {
        this.sbdf = sbdf;
    }
}
