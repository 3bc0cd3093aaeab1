package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;

/**
 * MSI-X programmed the way software does it, through host physical memory: the WideHost GPU's table (BAR0 +
 * 0xb90000, behind root port 00:01.0) and an AX210-like Wi-Fi function whose 16-entry table shares its 4 KiB page
 * with device registers.
 */
class MsixThroughHostMemoryTest {
    record Message(Sbdf source, long address, int data) {}

    private final List<Message> sent = new ArrayList<>();

    @Test
    void theWideHostGpuTableIsProgrammedAndFiresThroughItsRootPort() {
        Host host = WideHost.build();
        host.msiTarget((source, address, data) -> sent.add(new Message(source.sbdf(), address, data)));
        PhysicalFunction port = host.bridge(WideHost.ROOT_PORT).orElseThrow().function();
        port.write(0x04, 2, port.command() | 0x6);
        PhysicalFunction gpu = host.require(WideHost.GPU);
        gpu.write(0x10, 4, 0xfc00_0000); // BAR0 in the root port's memory window
        gpu.write(0x04, 2, 0x6);
        long table = 0xfc00_0000L + 0xb9_0000L, pba = 0xfc00_0000L + 0xba_0000L;
        assertEquals(1, host.mmioRead(table + 16 * 5 + 12, 4), "reset: masked");
        gpu.write(0xca, 2, 0xc000); // MSI-X enable with Function Mask
        host.mmioWrite(table + 16 * 5, 8, 0xfee0_3000L);
        host.mmioWrite(table + 16 * 5 + 8, 4, 0x41);
        host.mmioWrite(table + 16 * 5 + 12, 4, 0);
        assertEquals(MsiOutcome.PENDING, gpu.fireMsix(5));
        assertEquals(1L << 5, host.mmioRead(pba, 8));
        gpu.write(0xca, 2, 0x8000); // Function Mask cleared: the pending vector goes out
        assertEquals(List.of(new Message(WideHost.GPU, 0xfee0_3000L, 0x41)), sent);
        assertEquals(0, host.mmioRead(pba, 8));
        assertEquals(MsiOutcome.SENT, gpu.fireMsix(5));
        assertEquals(2, sent.size());
    }

    @Test
    void theAx210TableSharesItsPageWithRegisters() {
        Sbdf wifi = Sbdf.parse("0000:00:14.3");
        Host host = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).device(wifi.toString(), "ax210")
                .prt(0, 0x14, IntxPin.A, 16).build();
        host.msiTarget((source, address, data) -> sent.add(new Message(source.sbdf(), address, data)));
        PhysicalFunction f = host.require(wifi);
        f.write(0x10, 4, 0xfe40_0000);
        f.write(0x14, 4, 0);
        f.write(0x04, 2, 0x6);
        long bar = 0xfe40_0000L;
        assertEquals(1, host.mmioRead(bar + 0x20fc, 4), "entry 15's vector control");
        host.mmioWrite(bar + 0x2100, 4, 0x1234_5678L); // just past the table, same page: a device register
        assertEquals(0x1234_5678L, host.mmioRead(bar + 0x2100, 4));
        assertEquals(0x34, host.mmioRead(bar + 0x2102, 1));
        assertEquals(0, host.mmioRead(bar + 0x20f2, 2), "narrow table access reads 0");
        f.write(0x82, 2, 0x8000);
        host.mmioWrite(bar + 0x2000 + 16 * 15, 4, 0xfee0_0000L);
        host.mmioWrite(bar + 0x2000 + 16 * 15 + 8, 4, 0x2f);
        host.mmioWrite(bar + 0x2000 + 16 * 15 + 12, 4, 0);
        assertEquals(MsiOutcome.SENT, f.fireMsix(15));
        assertEquals(List.of(new Message(wifi, 0xfee0_0000L, 0x2f)), sent);
        assertEquals(0x1234_5678L, host.mmioRead(bar + 0x2100, 4));
    }
}
