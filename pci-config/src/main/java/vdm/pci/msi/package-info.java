/**
 * The device side of MSI and MSI-X: the MSI-X table and Pending Bit Array that live in BAR memory
 * ({@link vdm.pci.msi.MsixTable}) and MSI's messages described by the capability in config space
 * ({@link vdm.pci.msi.MsiMessages}). Both send through a {@link vdm.pci.msi.MessageSink}.
 */
package vdm.pci.msi;
