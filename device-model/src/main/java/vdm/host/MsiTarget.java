package vdm.host;

/**
 * Where a function's MSI and MSI-X messages go: a message is a memory write of {@code data} (32 bits, the MSI data
 * register or the table entry's Message Data) to {@code address}, which on x86 is in the local APICs' interrupt
 * window 0xfee00000-0xfeefffff (Intel SDM vol. 3, 11.11). Xen owns that window and takes every message; the host
 * only carries it. Called on the delivery hot path: an implementation allocates nothing.
 */
@FunctionalInterface
public interface MsiTarget {
    /** Drops every message (a host with no hypervisor on it). */
    MsiTarget DISCARD = (source, address, data) -> { };

    void message(PhysicalFunction source, long address, int data);
}
