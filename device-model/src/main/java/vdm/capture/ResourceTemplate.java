package vdm.capture;

import java.util.ArrayList;
import java.util.List;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;

/**
 * The interrupts a resource template buffer ({@code _PRS}, {@code _CRS}; ACPI 6.5, 6.4) lists: the small IRQ
 * descriptor (6.4.2.1: tag 0x22 or 0x23, a 16-bit mask, an optional flags byte with bit 0 edge and bit 3 active
 * low; without it, edge and active high) and the large Extended Interrupt descriptor (6.4.3.6: tag 0x89, length
 * u16, flags with bit 1 edge and bit 2 active low, a count, then u32 interrupt numbers). In APIC mode Linux's
 * {@code acpi_pci_link} uses either kind's numbers as GSIs, and so does vdm. Other descriptors are stepped over.
 */
record ResourceTemplate(List<Integer> irqs, TriggerMode trigger, Polarity polarity) {
    ResourceTemplate {
        irqs = List.copyOf(irqs);
    }

    static ResourceTemplate parse(byte[] b, String where) {
        List<Integer> irqs = new ArrayList<>();
        TriggerMode trigger = TriggerMode.LEVEL;
        Polarity polarity = Polarity.ACTIVE_LOW;
        int pos = 0;
        while (pos < b.length) {
            int tag = b[pos] & 0xff;
            if ((tag & 0x80) == 0) {
                int type = tag >>> 3 & 0xf, len = tag & 7;
                if (pos + 1 + len > b.length) throw truncated(where, pos);
                if (type == 0xf) break;                               // End Tag
                if (type == 0x4 && len >= 2) {                        // IRQ descriptor
                    int mask = (b[pos + 1] & 0xff) | (b[pos + 2] & 0xff) << 8;
                    int flags = len >= 3 ? b[pos + 3] & 0xff : 0x01;
                    for (int i = 0; i < 16; i++) if ((mask & 1 << i) != 0) irqs.add(i);
                    trigger = (flags & 0x01) != 0 ? TriggerMode.EDGE : TriggerMode.LEVEL;
                    polarity = (flags & 0x08) != 0 ? Polarity.ACTIVE_LOW : Polarity.ACTIVE_HIGH;
                }
                pos += 1 + len;
            } else {
                if (pos + 3 > b.length) throw truncated(where, pos);
                int len = (b[pos + 1] & 0xff) | (b[pos + 2] & 0xff) << 8;
                if (pos + 3 + len > b.length) throw truncated(where, pos);
                if ((tag & 0x7f) == 0x09 && len >= 2) {               // Extended Interrupt descriptor
                    int flags = b[pos + 3] & 0xff, count = b[pos + 4] & 0xff;
                    if (2 + 4 * count > len) throw truncated(where, pos);
                    for (int i = 0; i < count; i++) {
                        int o = pos + 5 + 4 * i;
                        irqs.add((b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24);
                    }
                    trigger = (flags & 0x02) != 0 ? TriggerMode.EDGE : TriggerMode.LEVEL;
                    polarity = (flags & 0x04) != 0 ? Polarity.ACTIVE_LOW : Polarity.ACTIVE_HIGH;
                }
                pos += 3 + len;
            }
        }
        return new ResourceTemplate(irqs, trigger, polarity);
    }

    private static CaptureException truncated(String where, int pos) {
        return new CaptureException(String.format("%s: resource descriptor at byte %d runs past the end of the buffer: truncated", where, pos));
    }
}
