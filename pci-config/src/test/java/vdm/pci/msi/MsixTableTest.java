package vdm.pci.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;

/**
 * MsixTable on its own config space (QEMU hw/pci/msix.c: msix_notify, msix_handle_mask_update, msix_write_config,
 * msix_reset), on the catalog's e1000e (5 entries in BAR3, Message Control at 0xa2).
 */
class MsixTableTest {
    private final ConfigSpace cs = Engine.COMPILED.create(DeviceCatalog.layout("e1000e"));
    private final MsixTable t = MsixTable.of(cs);
    private final List<long[]> sent = new ArrayList<>();
    private final MessageSink sink = (a, d) -> sent.add(new long[] {a, d});

    private void control(int value) {
        int old = cs.read(t.controlOffset(), 2);
        cs.write(t.controlOffset(), 2, value);
        t.controlWritten(old, sink);
    }

    @Test
    void theGeometryComesFromTheCapability() {
        assertEquals(0xa2, t.controlOffset());
        assertEquals(5, t.size());
        assertEquals(3, t.tableBir());
        assertEquals(0x50, t.tableBytes());
        assertEquals(8, t.pbaBytes());
        assertTrue(t.inTable(3, 0x4f));
        assertFalse(t.inTable(3, 0x50));
        assertTrue(t.inPba(3, 0x2007));
        assertFalse(t.inPba(0, 0x2000));
        assertNull(MsixTable.of(Engine.COMPILED.create(DeviceCatalog.layout("e1000"))));
    }

    @Test
    void enablingWithEveryEntryMaskedSendsNothingAndAnEntryUnmaskedWhileDisabledWaitsForEnable() {
        cs.write(0x04, 2, 0x4);
        control(0xc000);
        t.writeTable(0x0c, 4, 0, sink);
        assertEquals(Delivery.PENDING, t.fire(0, sink));
        control(0x0000); // disabled: QEMU keeps the pending bit
        assertTrue(t.pending(0));
        control(0x8000); // enabled and unmasked: the function's mask goes from masked to unmasked
        assertEquals(1, sent.size());
        assertFalse(t.pending(0));
    }

    @Test
    void maskingAgainAfterAFireKeepsTheMessageUntilTheNextUnmask() {
        cs.write(0x04, 2, 0x4);
        control(0x8000);
        t.writeTable(0x10, 8, 0xfee0_0000L, sink);
        t.writeTable(0x18, 4, 0x33, sink);
        t.writeTable(0x1c, 4, 1, sink); // still masked
        assertEquals(Delivery.PENDING, t.fire(1, sink));
        assertEquals(Delivery.PENDING, t.fire(1, sink)); // one bit, not a count
        t.writeTable(0x1c, 4, 0, sink);
        t.writeTable(0x1c, 4, 0, sink); // already unmasked: nothing more
        assertEquals(1, sent.size());
        assertEquals(0xfee0_0000L, sent.get(0)[0]);
        assertEquals(0x33, sent.get(0)[1]);
    }

    @Test
    void resetMasksEveryEntryAndClearsThePba() {
        cs.write(0x04, 2, 0x4);
        control(0x8000);
        t.writeTable(0x0c, 4, 0, sink);
        control(0xc000);
        t.fire(0, sink);
        t.reset();
        for (int e = 0; e < 5; e++) {
            assertTrue(t.entryMasked(e));
            assertEquals(0, t.address(e));
            assertFalse(t.pending(e));
        }
    }

    @Test
    void aStateOfAnotherTableSizeIsRefusedAndOneOfTheSameSizeRoundTrips() {
        cs.write(0x04, 2, 0x4);
        control(0xc000);
        t.writeTable(0x20, 4, 0xfee0_1000L, sink);
        t.fire(2, sink);
        MsixTable.State s = t.capture();
        t.reset();
        t.restore(s);
        assertEquals(s, t.capture());
        assertTrue(t.pending(2));
        MsixTable nvme = MsixTable.of(Engine.COMPILED.create(DeviceCatalog.layout("nvme")));
        assertEquals("MSI-X state of 5 entries saved, the table has 65",
                assertThrows(IllegalArgumentException.class, () -> nvme.restore(s)).getMessage());
    }
}
