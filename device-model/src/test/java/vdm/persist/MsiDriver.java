package vdm.persist;

import java.util.ArrayList;
import java.util.List;
import vdm.host.Host;
import vdm.hosts.TestHost;
import vdm.pci.Sbdf;
import vdm.system.Machine;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Vcpu;

/**
 * What a driver does with a device's MSI-X table, in a guest (through QEMU's emulated config space and the guest's
 * memory) or in dom0 (through vPCI): Linux's msix_capability_init order, from the capability the driver reads.
 */
final class MsiDriver {
    static final int MSIX_CAP = 0x11;
    static final int ENABLE = 0x8000, MASKALL = 0x4000;
    static final long LAPIC = 0xfee0_0000L;

    /** Reads one config register as this driver sees it (QEMU's emulation for a guest, vPCI for dom0). */
    interface Config {
        int read(int offset, int size);

        void write(int offset, int size, int value);
    }

    private final Machine vdm;
    private final Vcpu vcpu;
    private final Config config;
    /** The MSI-X capability's offset, the table's address in the driver's memory, the table's size in entries. */
    final int cap;
    final long table;
    final int entries;

    private MsiDriver(Machine vdm, Vcpu vcpu, Config config, long[] bars) {
        this.vdm = vdm;
        this.vcpu = vcpu;
        this.config = config;
        this.cap = capability(config, MSIX_CAP);
        int bir = config.read(cap + 4, 4);
        this.table = bars[bir & 7] + (bir & ~7L & 0xffffffffL);
        this.entries = (config.read(cap + 2, 2) & 0x7ff) + 1;
    }

    /** A guest's driver of passed-through device {@code pt}, whose BARs the guest's firmware placed at {@code bars}. */
    static MsiDriver guest(Machine vdm, XenPtDevice pt, long[] bars) {
        return new MsiDriver(vdm, pt.guest().vcpu(0), new Config() {
            public int read(int offset, int size) { return pt.guestRead(offset, size); }
            public void write(int offset, int size, int value) { pt.guestWrite(offset, size, value); }
        }, bars);
    }

    /** dom0's driver of {@code sbdf}, at the BAR addresses the host has (dom0's memory is the host's). */
    static MsiDriver dom0(Machine vdm, Sbdf sbdf) {
        Config c = new Config() {
            public int read(int offset, int size) { return vdm.kernel().cfgRead(sbdf, offset, size); }
            public void write(int offset, int size, int value) { vdm.kernel().cfgWrite(sbdf, offset, size, value); }
        };
        long[] bars = new long[6];
        for (int n = 0; n < 6; n++) {
            int lo = c.read(0x10 + 4 * n, 4);
            if ((lo & 1) != 0) continue;
            bars[n] = lo & 0xfffffff0L;
            if ((lo & 0x6) == 0x4 && n < 5) bars[n] |= (long) c.read(0x14 + 4 * n, 4) << 32;
            if ((lo & 0x6) == 0x4) n++;
        }
        c.write(0x04, 2, c.read(0x04, 2) | 0x6); // memory decoding and bus mastering, as pci_enable_device and pci_set_master
        return new MsiDriver(vdm, vdm.xen().dom0().vcpu(0), c, bars);
    }

    /** Enable with the function masked, program entries 0 to {@code n - 1} with vectors from {@code vector} up, unmask them and the function. */
    void bringUp(int n, int vector) {
        config.write(cap + 2, 2, ENABLE | MASKALL);
        for (int e = 0; e < n; e++) {
            write(e, 0, (int) LAPIC);
            write(e, 4, 0);
            write(e, 8, vector + e);
            write(e, 12, 0);
        }
        config.write(cap + 2, 2, ENABLE);
    }

    /** A dword of entry {@code e} at {@code field} (0 address, 4 upper address, 8 data, 12 Vector Control). */
    void write(int e, int field, int value) {
        vdm.xen().mmioWrite(vcpu, table + 16L * e + field, 4, value & 0xffffffffL);
    }

    long read(int e, int field) {
        return vdm.xen().mmioRead(vcpu, table + 16L * e + field, 4);
    }

    /** The host's endpoints with an MSI-X capability of at least {@code min} entries, on segment 0 (QEMU's map_pirq carries the bus alone). */
    static List<Sbdf> msixEndpoints(TestHost h, int min) {
        Host host = Host.create(h.description()).enumerate();
        List<Sbdf> out = new ArrayList<>();
        for (Sbdf s : h.endpoints()) {
            Config c = new Config() {
                public int read(int offset, int size) { return host.read(s, offset, size); }
                public void write(int offset, int size, int value) { throw new UnsupportedOperationException(); }
            };
            int cap = capability(c, MSIX_CAP);
            if (s.segment() == 0 && cap != 0 && (c.read(cap + 2, 2) & 0x7ff) + 1 >= min) out.add(s);
        }
        return out;
    }

    static int capability(Config c, int id) {
        if ((c.read(0x06, 2) & 0x10) == 0) return 0;
        int pos = c.read(0x34, 1) & ~3;
        for (int ttl = 48; ttl > 0 && pos >= 0x40; ttl--) {
            int header = c.read(pos, 2);
            if ((header & 0xff) == id) return pos;
            pos = (header >>> 8) & ~3;
        }
        return 0;
    }

}
