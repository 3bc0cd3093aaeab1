package vdm.pci.catalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import vdm.pci.Mode;
import vdm.pci.cap.Aer;
import vdm.pci.cap.Dsn;
import vdm.pci.cap.Msi;
import vdm.pci.cap.MsiX;
import vdm.pci.cap.PciExpress;
import vdm.pci.cap.PowerManagement;
import vdm.pci.cap.VendorSpecific;
import vdm.pci.layout.Bar;
import vdm.pci.layout.Layout;
import vdm.pci.layout.LayoutException;

/**
 * Named device layouts. Where QEMU 7.2 models the device (e1000, e1000e, virtio-net-pci, nvme, pcie-root-port) the
 * IDs, BARs, capability offsets and their order, and the writable bits are as QEMU shows them (read live through
 * qtest); the GPU is a hardware-like device QEMU does not have.
 */
public final class DeviceCatalog {
    private static final long KiB = 1024, MiB = 1024 * KiB;
    private static final Map<String, BiFunction<Mode, Placement, Layout>> DEVICES = new LinkedHashMap<>();
    private static final Map<String, Layout> BUILT = new ConcurrentHashMap<>();

    static {
        DEVICES.put("e1000", DeviceCatalog::e1000);
        DEVICES.put("e1000e", DeviceCatalog::e1000e);
        DEVICES.put("virtio-net-pci", DeviceCatalog::virtioNet);
        DEVICES.put("nvme", DeviceCatalog::nvme);
        DEVICES.put("gpu", DeviceCatalog::gpu);
        DEVICES.put("ax210", DeviceCatalog::ax210);
        DEVICES.put("ax201", DeviceCatalog::ax201);
        DEVICES.put("amd-fch-sata", DeviceCatalog::amdFchSata);
        DEVICES.put("ahci-msi8", DeviceCatalog::ahciMsi8);
        DEVICES.put("pcie-root-port", DeviceCatalog::rootPort);
    }

    private DeviceCatalog() {}

    public static List<String> names() {
        return List.copyOf(DEVICES.keySet());
    }

    /**
     * The layout of a catalog device in the given mode, on the root bus: where QEMU puts a {@code -device} given
     * no {@code bus=} on q35. An unknown name lists the known ones.
     */
    public static Layout layout(String name, Mode mode) {
        return layout(name, mode, Placement.ROOT_BUS);
    }

    /**
     * The layout of a catalog device in the given mode at the given place. In QEMU-compatible mode the place can
     * change what the device shows (see {@link Placement#endpointType}); in hardware mode it does not.
     */
    public static Layout layout(String name, Mode mode, Placement placement) {
        BiFunction<Mode, Placement, Layout> f = DEVICES.get(name);
        if (f == null) throw new LayoutException("unknown device '" + name + "'; known: " + String.join(", ", names()));
        if (mode == null) throw new LayoutException("mode is missing");
        if (placement == null) throw new LayoutException("placement is missing");
        // Layouts are immutable: each catalog entry is built once per mode and placement, and shared.
        return BUILT.computeIfAbsent(name + "/" + mode + "/" + placement, k -> f.apply(mode, placement));
    }

    /** The hardware layout of a catalog device (the same wherever it sits). */
    public static Layout layout(String name) {
        return layout(name, Mode.HARDWARE, Placement.ROOT_BUS);
    }

    /** Intel 82540EM, QEMU's e1000: 8086:100e rev 3, subsystem 1af4:1100. */
    static Layout e1000(Mode mode, Placement placement) {
        return Layout.type0("e1000").mode(mode)
                .ids(0x8086, 0x100e).revision(3).classCode(0x020000).subsystem(0x1af4, 0x1100)
                .bar(0, Bar.mem32(128 * KiB)).bar(1, Bar.io(64)).rom(256 * KiB).interruptPin(1)
                .build();
    }

    /**
     * Intel 82574L, QEMU's e1000e: PCIe endpoint, PM 0xc8, MSI 0xd0, PCIe (v1) 0xe0, MSI-X 0xa0, AER, DSN. QEMU
     * declares its PCIe capability with pcie_endpoint_cap_v1_init: on the root bus it is an integrated endpoint.
     */
    static Layout e1000e(Mode mode, Placement placement) {
        return Layout.type0("e1000e").mode(mode)
                .ids(0x8086, 0x10d3).classCode(0x020000).subsystem(0x8086, 0x0000)
                .bar(0, Bar.mem32(128 * KiB)).bar(1, Bar.mem32(128 * KiB)).bar(2, Bar.io(32)).bar(3, Bar.mem32(16 * KiB))
                .rom(256 * KiB).interruptPin(1)
                .capability(new PowerManagement().capabilities(0x0022).dataSelectWritable(true).at(0xc8))
                .capability(new Msi(1).address64().at(0xd0))
                .capability(new PciExpress(placement.endpointType(mode)).version1(false).at(0xe0))
                .capability(new MsiX(5, 3, 0x0000, 3, 0x2000).at(0xa0))
                .capability(new Aer().uncorrectableMaskReadOnly().length(0x40).at(0x100))
                .capability(new Dsn(0x525400ff_ff123456L).at(0x140))
                .build();
    }

    /**
     * QEMU's transitional virtio-net-pci on the root bus: 1af4:1000, five virtio vendor capabilities and MSI-X. Below a
     * port QEMU shows another device (virtio_pci_realize adds PCIe, PM and more when the bus is express and not the
     * root one: its capability list starts at 0xdc), which the catalog does not model, so that is refused.
     */
    static Layout virtioNet(Mode mode, Placement placement) {
        if (mode == Mode.QEMU_COMPAT && placement != Placement.ROOT_BUS) {
            throw new LayoutException("virtio-net-pci below a root port is not modelled in QEMU-compatible mode "
                    + "(QEMU makes it a PCIe endpoint there, with other capabilities); place it on the root bus");
        }
        return Layout.type0("virtio-net-pci").mode(mode)
                .ids(0x1af4, 0x1000).classCode(0x020000).subsystem(0x1af4, 0x0001)
                .bar(0, Bar.io(32)).bar(1, Bar.mem32(4 * KiB)).bar(4, Bar.mem64(16 * KiB).asPrefetchable())
                .rom(256 * KiB).interruptPin(1)
                .capability(new MsiX(4, 1, 0x0000, 1, 0x0800).at(0x98))
                .capability(virtioPciCfg().at(0x84))
                .capability(virtioCap(2, 4, 0x3000, 0x1000, 4).at(0x70))   // notify, multiplier 4
                .capability(virtioCap(4, 4, 0x2000, 0x1000, -1).at(0x60))  // device config
                .capability(virtioCap(3, 4, 0x1000, 0x1000, -1).at(0x50))  // ISR
                .capability(virtioCap(1, 4, 0x0000, 0x1000, -1).at(0x40))  // common config
                .build();
    }

    /** struct virtio_pci_cap (virtio 1.2, 4.1.4): cfg_type, bar, id, padding, offset, length [, notify multiplier]. */
    private static VendorSpecific virtioCap(int type, int bar, int offset, int length, int notifyMultiplier) {
        byte[] body = new byte[notifyMultiplier >= 0 ? 17 : 13];
        body[0] = (byte) type;
        body[1] = (byte) bar;
        putLe(body, 5, offset);
        putLe(body, 9, length);
        if (notifyMultiplier >= 0) putLe(body, 13, notifyMultiplier);
        return new VendorSpecific(body);
    }

    /** VIRTIO_PCI_CAP_PCI_CFG: bar, offset, length and the data window are writable (QEMU's cfg_mask). */
    private static VendorSpecific virtioPciCfg() {
        byte[] body = new byte[17];
        body[0] = 5;
        return new VendorSpecific(body).writable(4, 1, 0xff).writable(8, 4, -1).writable(12, 4, -1).writable(16, 4, -1);
    }

    private static void putLe(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >>> (8 * i));
    }

    /** QEMU's nvme: 1b36:0010 rev 2, class 010802, 64-bit BAR0 16 KiB, MSI-X 0x40 (65 vectors), PCIe 0x80, PM 0x60. */
    static Layout nvme(Mode mode, Placement placement) {
        return Layout.type0("nvme").mode(mode)
                .ids(0x1b36, 0x0010).revision(2).classCode(0x010802).subsystem(0x1af4, 0x1100)
                .bar(0, Bar.mem64(16 * KiB)).interruptPin(1)
                .capability(new MsiX(65, 0, 0x2000, 0, 0x3000).at(0x40))
                .capability(new PciExpress(placement.endpointType(mode)).flr().deviceCapabilities(0x8000).at(0x80))
                .capability(new PowerManagement().capabilities(0x0003).noSoftReset(true).at(0x60))
                .build();
    }

    /**
     * A GPU-like 3D controller (hardware-like, not in QEMU): BAR0 16 MiB, BAR1 256 MiB 64-bit prefetchable,
     * BAR3 32 MiB 64-bit prefetchable, BAR5 I/O 128 B, ROM 512 KiB; PM 0x60, MSI 0x68 (64-bit, per-vector mask), PCIe v2 0x80
     * with FLR at 8 GT/s x16, MSI-X 0xc8 (6 vectors, table at BAR0 + 0xb90000, PBA at BAR0 + 0xba0000, where NVIDIA's
     * Turing and Ampere parts put them: an A100's lspci shows "MSI-X: Enable- Count=6 Masked- Vector table: BAR=0
     * offset=00b90000 PBA: BAR=0 offset=00ba0000"), AER and DSN.
     */
    static Layout gpu(Mode mode, Placement placement) {
        return Layout.type0("gpu").mode(mode)
                .ids(0x10de, 0x1eb8).revision(0xa1).classCode(0x030200).subsystem(0x10de, 0x12a2)
                .bar(0, Bar.mem32(16 * MiB)).bar(1, Bar.mem64(256 * MiB).asPrefetchable())
                .bar(3, Bar.mem64(32 * MiB).asPrefetchable()).bar(5, Bar.io(128))
                .rom(512 * KiB).interruptPin(1)
                .capability(new PowerManagement().capabilities(0x0003).at(0x60))
                .capability(new Msi(1).address64().perVectorMask().at(0x68))
                // Not a QEMU device, so QEMU's integrated-endpoint rule does not apply: its type is wired, as hardware's.
                .capability(new PciExpress(PciExpress.PortType.ENDPOINT).flr().link(3, 16).at(0x80))
                .capability(new MsiX(6, 0, 0xb9_0000, 0, 0xba_0000).at(0xc8))
                .capability(new Aer().at(0x100))
                .capability(new Dsn(0x0123456789abcdefL).at(0x148))
                .build();
    }

    /**
     * An Intel Wi-Fi 6E AX210-like network controller (8086:2725 rev 0x1a, class 028000, subsystem 8086:0024;
     * hardware-like, not in QEMU): BAR0 16 KiB 64-bit, PM 0xc8, MSI 0xd0 (64-bit, 1 vector), PCIe endpoint 0x40 with
     * FLR, MSI-X 0x80 with 16 vectors, table at BAR0 + 0x2000 and PBA at BAR0 + 0x3000 as lspci shows for the AX210:
     * the table fills only the first 256 bytes of its 4 KiB page, whose rest are device registers (what Xen 4.18's
     * handling of accesses adjacent to the table is for), AER 0x100.
     */
    static Layout ax210(Mode mode, Placement placement) {
        return Layout.type0("ax210").mode(mode)
                .ids(0x8086, 0x2725).revision(0x1a).classCode(0x028000).subsystem(0x8086, 0x0024)
                .bar(0, Bar.mem64(16 * KiB)).interruptPin(1)
                .capability(new PowerManagement().capabilities(0x0003).at(0xc8))
                .capability(new Msi(1).address64().at(0xd0))
                .capability(new PciExpress(PciExpress.PortType.ENDPOINT).flr().link(2, 1).at(0x40))
                .capability(new MsiX(16, 0, 0x2000, 0, 0x3000).at(0x80))
                .capability(new Aer().at(0x100))
                .build();
    }

    /**
     * An Intel Wi-Fi 6 AX201 (8086:a0f0 rev 0x20, class 028000, subsystem 8086:0244: the CNVi Wi-Fi of Tiger Lake's
     * PCH, at 00:14.3; hardware-like, not in QEMU), the device of Xen's b177892d2d: BAR0 16 KiB 64-bit, PCIe root
     * complex integrated endpoint 0x40, MSI-X 0x80 with 16 vectors, PM 0xc8, MSI 0xd0 (64-bit, 1 vector). The table
     * is at BAR0 + 0x2000 and the PBA at BAR0 + 0x3000, where iwlwifi's register map puts them (iwl-csr.h:
     * CSR_MSIX_BASE 0x2000, CSR_MSIX_PENDING_PBA_AD 0x3000); the table's 256 bytes share their page with the MSI-X
     * cause, mask and IVAR registers (CSR_MSIX_FH_INT_CAUSES_AD = 0x2800 ...), against PCIe's 4 KiB isolation rule.
     * Capabilities past 0x100 (LTR, vendor-specific) are left out.
     */
    static Layout ax201(Mode mode, Placement placement) {
        return Layout.type0("ax201").mode(mode)
                .ids(0x8086, 0xa0f0).revision(0x20).classCode(0x028000).subsystem(0x8086, 0x0244)
                .bar(0, Bar.mem64(16 * KiB)).interruptPin(1)
                .capability(new PowerManagement().capabilities(0x0003).at(0xc8))
                .capability(new Msi(1).address64().at(0xd0))
                .capability(new PciExpress(PciExpress.PortType.ROOT_COMPLEX_INTEGRATED_ENDPOINT).at(0x40))
                .capability(new MsiX(16, 0, 0x2000, 0, 0x3000).at(0x80))
                .build();
    }

    /**
     * AMD's FCH SATA Controller [AHCI mode] rev 93 (1022:7901, class 010601), the device of Xen's 53859596c0 on
     * Supermicro AS -2126HS-TN servers (EPYC 9965): the AHCI registers (ABAR) in BAR5, 2 KiB 32-bit; PM 0x50, PCIe
     * legacy endpoint 0x64, MSI 0xa0 (64-bit, 16 messages), and an MSI-X capability 0xc0 whose table and PBA BIR
     * name BAR2, which the function does not implement (size 0), as the commit describes. The commit gives neither
     * the BIR nor the vector count: BAR2, 16 vectors, table at offset 0 and PBA at 0x1000 are vdm's assumption, and
     * so are the capability offsets (those of AMD's earlier FCH SATA functions).
     */
    static Layout amdFchSata(Mode mode, Placement placement) {
        return Layout.type0("amd-fch-sata").mode(mode)
                .ids(0x1022, 0x7901).revision(0x93).classCode(0x010601).subsystem(0x15d9, 0x1c1a)
                .bar(5, Bar.mem32(2 * KiB)).interruptPin(1)
                .capability(new PowerManagement().capabilities(0x0003).at(0x50))
                .capability(new PciExpress(PciExpress.PortType.LEGACY_ENDPOINT).link(1, 1).at(0x64))
                .capability(new Msi(16).address64().at(0xa0))
                .capability(new MsiX(16, 2, 0, 2, 0x1000).at(0xc0))
                .build();
    }

    /**
     * A device with MSI's multiple messages and per-vector masking (hardware-like): a SATA AHCI controller (class
     * 010601) with an ABAR of 2 KiB in BAR5, PM 0x80 and a 64-bit MSI at 0x88 capable of 8 messages with per-vector
     * masking, and no MSI-X. AHCI allows several MSI messages, one per port (AHCI 1.3.1, 10.6.1); the ids are Intel's
     * Cannon Point AHCI (8086:a352), whose own MSI is single-message and not maskable: this is a test device for the
     * multi-message and masking path, not a model of that part.
     */
    static Layout ahciMsi8(Mode mode, Placement placement) {
        return Layout.type0("ahci-msi8").mode(mode)
                .ids(0x8086, 0xa352).revision(0x10).classCode(0x010601).subsystem(0x8086, 0x7270)
                .bar(5, Bar.mem32(2 * KiB)).interruptPin(1)
                .capability(new PowerManagement().capabilities(0x0003).at(0x80))
                .capability(new Msi(8).address64().perVectorMask().at(0x88))
                .build();
    }

    /** QEMU's pcie-root-port (1b36:000c): a type 1 bridge, BAR0 4 KiB (MSI-X), PCIe v2 root port 0x54 with a slot. */
    static Layout rootPort(Mode mode, Placement placement) {
        return Layout.type1("pcie-root-port").mode(mode)
                .ids(0x1b36, 0x000c).classCode(0x060400).interruptPin(1)
                .bar(0, Bar.mem32(4 * KiB))
                .capability(new PciExpress(PciExpress.PortType.ROOT_PORT).port(0x10).slot(0).at(0x54))
                .capability(new MsiX(1, 0, 0x0000, 0, 0x0800).at(0x48))
                .capability(new Aer(true).at(0x100))
                .build();
    }
}
