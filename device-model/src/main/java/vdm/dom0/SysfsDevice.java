package vdm.dom0;

import java.util.Arrays;
import java.util.Optional;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.model.Fixes;
import vdm.pci.ConfigRegisters;
import vdm.pci.layout.BarKind;

/**
 * /sys/bus/pci/devices/SBDF as dom0 shows it: {@code irq} (the Linux IRQ, not a GSI), {@code resource} (the
 * kernel's idea of the BARs: "start end flags" lines, what QEMU's xen_pt reads), {@code config}, {@code vendor},
 * {@code device}, and {@code gsi} when v4 of the series is in (recorded at pci_enable_device, so it goes stale
 * when a link is re-routed).
 */
public final class SysfsDevice {
    static final long IORESOURCE_IO = 0x100, IORESOURCE_MEM = 0x200, IORESOURCE_PREFETCH = 0x2000,
            IORESOURCE_READONLY = 0x4000, IORESOURCE_SIZEALIGN = 0x40000, IORESOURCE_MEM_64 = 0x100000;

    /**
     * One line of the {@code resource} file: the first and last address the kernel gave a BAR (or the ROM) and its
     * IORESOURCE_* flags with the BAR's own low bits; all zero for a BAR the function does not implement.
     */
    public record Resource(long start, long end, long flags) {
        static final Resource NONE = new Resource(0, 0, 0);
    }

    private final Dom0Kernel kernel;
    private final Sbdf sbdf;

    SysfsDevice(Dom0Kernel kernel, Sbdf sbdf) {
        this.kernel = kernel;
        this.sbdf = sbdf;
    }

    public Sbdf sbdf() { return sbdf; }

    public int irq() {
        return kernel.irq(sbdf);
    }

    public String vendor() {
        return String.format("0x%04x", kernel.cfgRead(sbdf, ConfigRegisters.VENDOR_ID, 2));
    }

    public String device() {
        return String.format("0x%04x", kernel.cfgRead(sbdf, ConfigRegisters.DEVICE_ID, 2));
    }

    /** The config file: the function's config space read through dom0's access path. */
    public byte[] config() {
        PhysicalFunction f = kernel.host().require(sbdf);
        byte[] out = new byte[f.layout().size()];
        for (int off = 0; off < out.length; off += 4) {
            int v = kernel.cfgRead(sbdf, off, 4);
            for (int i = 0; i < 4; i++) out[off + i] = (byte) (v >>> (8 * i));
        }
        return out;
    }

    /** v4's sysfs gsi attribute, present only under that fix. */
    public Optional<Integer> gsi() {
        if (kernel.fixes().gsiLookup() != Fixes.GsiLookup.SYSFS_GSI) return Optional.empty();
        int gsi = kernel.gsiAtEnable(sbdf);
        return gsi < 0 ? Optional.empty() : Optional.of(gsi);
    }

    /** One line per BAR and the ROM, as the kernel assigned them ({@code 0x%016x 0x%016x 0x%016x}). */
    public String resource() {
        PhysicalFunction f = kernel.host().require(sbdf);
        StringBuilder sb = new StringBuilder();
        for (Resource r : regions(f)) sb.append(String.format("0x%016x 0x%016x 0x%016x%n", r.start(), r.end(), r.flags()));
        return sb.toString();
    }

    /** The {@code resource} file's lines: per BAR (0..5) and the ROM (6); unimplemented ones are zero. */
    public Resource[] regions() {
        return regions(kernel.host().require(sbdf));
    }

    private Resource[] regions(PhysicalFunction f) {
        Resource[] out = new Resource[PciDev.ROM_RESOURCE + 1];
        Arrays.fill(out, Resource.NONE);
        for (int n = 0; n < f.layout().barCount(); n++) {
            if (!f.barImplemented(n)) continue;
            long start = kernel.assigned(sbdf, n);
            long size = f.barSize(n);
            // The flags carry the BAR's own low bits too, as decode_bar (drivers/pci/probe.c) leaves them.
            long flags = IORESOURCE_SIZEALIGN
                    | (f.barKind(n) == BarKind.IO ? IORESOURCE_IO | ConfigRegisters.BASE_ADDRESS_SPACE_IO : IORESOURCE_MEM);
            if (f.barKind(n) == BarKind.MEM64) flags |= IORESOURCE_MEM_64 | ConfigRegisters.BASE_ADDRESS_MEM_TYPE_64;
            if (f.barPrefetchable(n)) flags |= IORESOURCE_PREFETCH | ConfigRegisters.BASE_ADDRESS_MEM_PREFETCH;
            out[n] = new Resource(start, start + size - 1, flags);
        }
        if (f.romSize() > 0) {
            long start = kernel.assigned(sbdf, PciDev.ROM_RESOURCE);
            out[PciDev.ROM_RESOURCE] = new Resource(start, start + f.romSize() - 1, IORESOURCE_MEM | IORESOURCE_READONLY | IORESOURCE_PREFETCH);
        }
        return out;
    }
}
