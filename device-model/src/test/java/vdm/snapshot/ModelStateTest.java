package vdm.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;

/** The in-memory state: fingerprints and shared config images (its JSON form is tested in vdm.persist.SnapshotTest). */
class ModelStateTest {
    @Test
    void fingerprintsTellStatesApartAndCapturesShareUnchangedConfigSpaces() {
        Vdm a = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        ModelState before = ModelState.capture(a);
        assertEquals(before.fingerprint(), ModelState.capture(a, before).fingerprint(), "nothing changed");
        a.kernel().cfgWrite(DefaultHost.NIC, 0x3c, 1, 0x0b); // interrupt line: one byte of one function
        ModelState after = ModelState.capture(a, before);
        assertTrue(!before.fingerprint().equals(after.fingerprint()), "one config byte changes the fingerprint");
        int nic = a.host().functions().indexOf(a.host().require(DefaultHost.NIC));
        for (int i = 0; i < after.host().configs().length; i++) {
            if (i == nic) assertTrue(after.host().configs()[i] != before.host().configs()[i], "the changed space is a new image");
            else assertTrue(after.host().configs()[i] == before.host().configs()[i], "function " + i + "'s image is shared");
        }
        before.restore(a);
        assertEquals(before.fingerprint(), ModelState.capture(a).fingerprint());
        assertEquals(0, a.host().read(DefaultHost.NIC, 0x3c, 1) & 0xff, "the restore put the byte back");
    }

    @Test
    void aDomainsVpciIsPartOfTheStateAndARestoreRecreatesTheDomainWithIt() {
        Vdm withVpci = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        int id = withVpci.xen().createDomainWithVpci(1).id();
        Vdm without = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        assertEquals(id, without.xen().createDomain(1).id());
        ModelState state = ModelState.capture(withVpci);
        assertNotEquals(state.fingerprint(), ModelState.capture(without).fingerprint(), "the domains differ only in has_vpci");
        state.restore(without);
        assertTrue(without.xen().domain(id).hasVpci(), "the domain without vPCI was replaced by one with it");
        assertEquals(state.fingerprint(), ModelState.capture(without).fingerprint());
    }

    @Test
    void barsMappedIsPartOfTheFingerprintAndComesBackWithARestore() {
        Vdm a = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        ModelState s = ModelState.capture(a);
        vdm.xen.XenState x = s.xen();
        vdm.xen.XenState.DomainState d0 = x.domains()[0];
        vdm.xen.XenState.HeaderState[] vpci = d0.vpci().clone();
        int i = 0;
        while (!vpci[i].barsMapped()) i++;
        vdm.xen.XenState.HeaderState h = vpci[i];
        vpci[i] = new vdm.xen.XenState.HeaderState(h.sbdf(), h.headerType(), h.romEnabled(), false, h.bars(), h.rom(), h.msi());
        vdm.xen.XenState.DomainState[] ds = x.domains().clone();
        ds[0] = new vdm.xen.XenState.DomainState(d0.id(), d0.kind(), d0.vcpus(), d0.hasVpci(), d0.cf8(), d0.irqCaps(), d0.pirqs(),
                d0.p2m(), vpci, d0.vioapic(), d0.bindings(), d0.ioportCaps(), d0.ioports(), d0.iomemCaps(), d0.receipts(), d0.ramEnd(), d0.ramLost());
        ModelState flipped = new ModelState(s.host(), new vdm.xen.XenState(x.nextDomid(), x.programmedGsis(), x.routingVector(),
                x.dom0VioApics(), x.assigned(), ds, x.msi(), x.msixtbl(), x.unsharedIrqs()), s.dom0(), s.toolstack());
        assertNotEquals(s.fingerprint(), flipped.fingerprint(), "the states differ only in " + h.sbdf() + "'s bars_mapped");
        flipped.restore(a);
        assertTrue(!a.dom0().header(h.sbdf()).barsMapped());
        assertEquals(flipped.fingerprint(), ModelState.capture(a).fingerprint());
    }
}
