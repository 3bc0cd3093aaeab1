/**
 * Host descriptions from real machines: reads Linux's sysfs PCI tree ({@code /sys/bus/pci/devices}) and the ACPI
 * tables the firmware handed the kernel ({@code /sys/firmware/acpi/tables}: MADT, FADT, MCFG, DSDT and SSDTs) and
 * makes the {@link vdm.host.HostDescription} that {@code --host} accepts, with a report of what was chosen, what was
 * left out and why. A layer above {@code vdm.host}; {@code vdm.persist} writes the result as JSON.
 */
package vdm.capture;
