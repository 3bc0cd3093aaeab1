package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import vdm.dom0.Dom0Kernel;
import vdm.hosts.TestHost;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.log.StepBus;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.xen.Domain;
import vdm.xen.Xen;
import vdm.xen.XenConfig;

/**
 * A booted host, hypervisor, PVH dom0 and toolstack with one HVM guest, built with a chosen {@link XenConfig} (the
 * presets fix Xen's MSI-X switches on), and what a guest driver does with a passed-through device's MSI and MSI-X.
 */
public final class MsiGuest {
    static final int MSI_CAP = 0x05, MSIX_CAP = 0x11;

    final Host host;
    final Xen xen;
    final Dom0Kernel kernel;
    final Libxl libxl;
    final Domain guest;

    MsiGuest(TestHost testHost, XenConfig config) {
        this(testHost, config, Domain.Kind.PVH);
    }

    MsiGuest(TestHost testHost, XenConfig config, Domain.Kind dom0) {
        host = Host.create(testHost.description()).enumerate();
        xen = Xen.onHost(config, host);
        xen.createDom0(dom0, 1);
        StepBus steps = new StepBus();
        kernel = new Dom0Kernel(host, xen, Preset.UPSTREAM.fixes(), steps);
        kernel.boot();
        libxl = new Libxl(xen, kernel, new ToolstackLog(), steps);
        guest = xen.domain(libxl.domainCreate(1));
    }

    MsiGuest(TestHost testHost) {
        this(testHost, XenConfig.UPSTREAM);
    }

    /** The host's endpoints with capability {@code id}, read off the booted host. */
    static List<Sbdf> withCapability(TestHost testHost, int id) {
        Host h = Host.create(testHost.description()).enumerate();
        return testHost.endpoints().stream().filter(s -> capability(h.require(s), id) != 0).toList();
    }

    static int capability(PhysicalFunction f, int id) {
        if ((f.read(0x06, 2) & 0x10) == 0) return 0;
        int pos = f.read(0x34, 1) & ~3;
        for (int ttl = 48; ttl > 0 && pos >= 0x40; ttl--) {
            int header = f.read(pos, 2);
            if ((header & 0xff) == id) return pos;
            pos = (header >>> 8) & ~3;
        }
        return 0;
    }

    XenPtDevice attach(Sbdf sbdf, int slot) {
        assertEquals(0, libxl.pciAssignableAdd(sbdf), "pci-assignable-add " + sbdf);
        AttachResult r = libxl.pciAttach(guest.id(), sbdf, slot);
        assertTrue(r.ok(), () -> "attach " + sbdf + ": " + r);
        return libxl.device(sbdf);
    }

    /**
     * The guest's firmware places every memory BAR of the device (naturally aligned, from {@code base} up, as
     * hvmloader packs them) and turns memory decoding and bus mastering on; returns the guest BAR addresses.
     */
    public static long[] placeBars(XenPtDevice pt, long base) {
        long[] at = new long[6];
        long next = base;
        for (int n = 0; n < 6; n++) {
            int lo = pt.guestRead(0x10 + 4 * n, 4);
            if ((lo & 1) != 0) continue;
            boolean is64 = (lo & 0x6) == 0x4;
            pt.guestWrite(0x10 + 4 * n, 4, -1);
            long mask = pt.guestRead(0x10 + 4 * n, 4) & 0xfffffff0L;
            if (is64) {
                pt.guestWrite(0x14 + 4 * n, 4, -1);
                mask |= (long) pt.guestRead(0x14 + 4 * n, 4) << 32;
            } else {
                mask |= 0xffffffff00000000L;
            }
            if (mask == 0xffffffff00000000L || mask == 0) {
                if (is64) n++;
                continue;
            }
            long size = -mask;
            next = (next + size - 1) & -size;
            at[n] = next;
            pt.guestWrite(0x10 + 4 * n, 4, (int) next);
            if (is64) pt.guestWrite(0x14 + 4 * n, 4, (int) (next >>> 32));
            next += size;
            if (is64) n++;
        }
        pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) | 0x6);
        return at;
    }

    long read(long gaddr, int size) {
        return xen.mmioRead(guest.vcpu(0), gaddr, size);
    }

    void write(long gaddr, int size, long value) {
        xen.mmioWrite(guest.vcpu(0), gaddr, size, value);
    }
}
