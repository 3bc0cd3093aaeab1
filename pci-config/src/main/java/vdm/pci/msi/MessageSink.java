package vdm.pci.msi;

/**
 * Where a function's MSI and MSI-X messages go: a message is a DWORD memory write of {@code data} to {@code address}
 * (PCI Local Bus 3.0, 6.8.3.3; PCIe Base 6.x, 6.1.4). Called on the delivery path: an implementation allocates nothing.
 */
@FunctionalInterface
public interface MessageSink {
    void message(long address, int data);
}
