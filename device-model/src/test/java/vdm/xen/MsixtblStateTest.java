package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import vdm.host.Host;
import vdm.host.DefaultHost;
import vdm.pci.Sbdf;

/** Msixtbl's registered tables as a state: restored exactly, and refused whole when they do not fit. */
class MsixtblStateTest {
    private static Xen xen() {
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, Host.create(DefaultHost.description()).enumerate());
        xen.createDom0(Domain.Kind.PVH, 1);
        return xen;
    }

    @Test
    void aRestoredStateCapturesAsItWasAndAddsTheDomainsInterceptOnce() {
        Xen xen = xen();
        Domain g = xen.createDomain(1);
        Msixtbl.Entry e = new Msixtbl.Entry(g.id(), Sbdf.parse("0000:01:00.0"), 0xe000_2000L, 65, 2, new long[] {5, 0}, new int[] {1, 2, 3, 0, 0, 0, 0, 0, 0}, 7);
        Msixtbl.State s = new Msixtbl.State(new Msixtbl.Entry[] {e});
        xen.msixtbl().check(s, id -> xen.domain(id) != null);
        xen.msixtbl().restore(s, xen::domain);
        xen.msixtbl().restore(s, xen::domain);
        Msixtbl.Entry back = xen.msixtbl().capture().entries()[0];
        assertEquals(e.gtable(), back.gtable());
        assertEquals(e.refcnt(), back.refcnt());
        assertArrayEquals(e.flags(), back.flags());
        assertArrayEquals(e.shadow(), back.shadow());
        assertEquals(e.accValid(), back.accValid());
        assertEquals(1, g.mmioIntercepts().length, "msixtbl_init adds the handler once");
        assertArrayEquals(new long[] {0xe000_2000L}, xen.msixtbl().registered(g));
    }

    @Test
    void aStateForAMissingDomainOrWithAWrongFlagLengthIsRefused() {
        Xen xen = xen();
        Domain g = xen.createDomain(1);
        Msixtbl.State noDomain = new Msixtbl.State(new Msixtbl.Entry[] {
                new Msixtbl.Entry(77, Sbdf.parse("0000:01:00.0"), 0x1000, 4, 1, new long[1], new int[9], 0)});
        assertThrows(IllegalArgumentException.class, () -> xen.msixtbl().check(noDomain, id -> xen.domain(id) != null));
        Msixtbl.State badFlags = new Msixtbl.State(new Msixtbl.Entry[] {
                new Msixtbl.Entry(g.id(), Sbdf.parse("0000:01:00.0"), 0x1000, 65, 1, new long[1], new int[9], 0)});
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> xen.msixtbl().check(badFlags, id -> xen.domain(id) != null));
        assertEquals("msixtbl entry of 0000:01:00.0 in d" + g.id() + ": 65 entries, refcnt 1, 1 flag words, 9 shadow dwords", x.getMessage());
        assertEquals(0, xen.msixtbl().capture().entries().length, "nothing changed");
    }
}
