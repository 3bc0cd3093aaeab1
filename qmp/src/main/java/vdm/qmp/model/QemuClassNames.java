package vdm.qmp.model;

import java.util.Map;
import java.util.Optional;

/**
 * The class descriptions QEMU 7.2's query-pci and info pci give (hw/pci/pci.c pci_class_descriptions, looked up by
 * get_class_desc on the exact 16-bit class): a class it does not list has no {@code desc} in query-pci, and info pci
 * prints {@code Class %04} PRId64 for it, the class in decimal (an NVMe's 0x0108 prints "Class 0264", as the real
 * qemu-system-x86_64 7.2 does). These are QEMU's names, not lspci's ({@code vdm.pci.dump.PciClassNames}).
 */
final class QemuClassNames {
    private static final Map<Integer, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry(0x0001, "VGA controller"), Map.entry(0x0100, "SCSI controller"), Map.entry(0x0101, "IDE controller"),
            Map.entry(0x0102, "Floppy controller"), Map.entry(0x0103, "IPI controller"), Map.entry(0x0104, "RAID controller"),
            Map.entry(0x0106, "SATA controller"), Map.entry(0x0107, "SAS controller"), Map.entry(0x0180, "Storage controller"),
            Map.entry(0x0200, "Ethernet controller"), Map.entry(0x0201, "Token Ring controller"), Map.entry(0x0202, "FDDI controller"),
            Map.entry(0x0203, "ATM controller"), Map.entry(0x0280, "Network controller"), Map.entry(0x0300, "VGA controller"),
            Map.entry(0x0301, "XGA controller"), Map.entry(0x0302, "3D controller"), Map.entry(0x0380, "Display controller"),
            Map.entry(0x0400, "Video controller"), Map.entry(0x0401, "Audio controller"), Map.entry(0x0402, "Phone"),
            Map.entry(0x0403, "Audio controller"), Map.entry(0x0480, "Multimedia controller"), Map.entry(0x0500, "RAM controller"),
            Map.entry(0x0501, "Flash controller"), Map.entry(0x0580, "Memory controller"), Map.entry(0x0600, "Host bridge"),
            Map.entry(0x0601, "ISA bridge"), Map.entry(0x0602, "EISA bridge"), Map.entry(0x0603, "MC bridge"),
            Map.entry(0x0604, "PCI bridge"), Map.entry(0x0605, "PCMCIA bridge"), Map.entry(0x0606, "NUBUS bridge"),
            Map.entry(0x0607, "CARDBUS bridge"), Map.entry(0x0608, "RACEWAY bridge"), Map.entry(0x0680, "Bridge"),
            Map.entry(0x0700, "Serial port"), Map.entry(0x0701, "Parallel port"), Map.entry(0x0800, "Interrupt controller"),
            Map.entry(0x0801, "DMA controller"), Map.entry(0x0802, "Timer"), Map.entry(0x0803, "RTC"),
            Map.entry(0x0900, "Keyboard"), Map.entry(0x0901, "Pen"), Map.entry(0x0902, "Mouse"),
            Map.entry(0x0a00, "Dock station"), Map.entry(0x0b00, "i386 cpu"), Map.entry(0x0c00, "Firewire controller"),
            Map.entry(0x0c01, "Access bus controller"), Map.entry(0x0c02, "SSA controller"), Map.entry(0x0c03, "USB controller"),
            Map.entry(0x0c04, "Fibre channel controller"), Map.entry(0x0c05, "SMBus"));

    private QemuClassNames() {}

    /** query-pci's class_info.desc: absent for a class QEMU does not list. */
    static Optional<String> desc(int classCode) {
        return Optional.ofNullable(DESCRIPTIONS.get(classCode));
    }
}
