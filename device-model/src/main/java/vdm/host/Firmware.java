package vdm.host;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the machine's firmware leaves in a function when it hands over to Xen: MSI-X Message Control's Function Mask
 * (MASKALL) and Enable bits, whether the device's own resets clear MASKALL again, and the BARs it placed with memory
 * decoding on (vdm's firmware otherwise leaves every BAR at 0, to the OS).
 *
 * <p>Xen 913751d7af ("x86/msi: clear initial MSI-X state on boot") was written for such a machine: "Some
 * firmware/devices are found to not reset MSI-X properly, leaving MASKALL set. Jason reports on his machine MASKALL
 * persists through a warm reboot, but is cleared on cold boot." {@code maskallSurvivesReset} is that device: its FLR,
 * D3hot and bus resets leave MASKALL as it was; only a power cycle clears it.
 *
 * @param msixMaskall          MASKALL (Message Control bit 14) is set at hand-over
 * @param msixEnable           MSI-X Enable (bit 15) is set at hand-over
 * @param maskallSurvivesReset the function's resets short of a power cycle keep MASKALL's value
 * @param bars                 BAR index to the address firmware placed it at (a 64-bit BAR by its low index)
 * @param memoryDecoding       firmware left COMMAND's memory enable on (a device firmware itself uses: a console, a
 *                             boot disk), which Xen's vPCI finds on at boot
 */
public record Firmware(boolean msixMaskall, boolean msixEnable, boolean maskallSurvivesReset, Map<Integer, Long> bars,
                       boolean memoryDecoding) {
    /** What vdm's firmware leaves: a function as its reset left it. */
    public static final Firmware NONE = new Firmware(false, false, false);

    public Firmware {
        bars = bars == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(bars));
        for (Map.Entry<Integer, Long> e : bars.entrySet()) {
            if (e.getKey() == null || e.getKey() < 0 || e.getKey() > 5) throw new HostDescriptionException("firmware", "BAR index " + e.getKey() + " is not 0..5");
            if (e.getValue() == null || e.getValue() == 0) throw new HostDescriptionException("firmware", "BAR" + e.getKey() + "'s address is missing or 0");
        }
    }

    /** MSI-X state only, no BAR placed. */
    public Firmware(boolean msixMaskall, boolean msixEnable, boolean maskallSurvivesReset) {
        this(msixMaskall, msixEnable, maskallSurvivesReset, Map.of(), false);
    }

    /** BARs placed at these addresses, with memory decoding on or off. */
    public static Firmware placed(Map<Integer, Long> bars, boolean memoryDecoding) {
        return new Firmware(false, false, false, bars, memoryDecoding);
    }

    /** True if firmware left anything at all. */
    public boolean leavesAnything() {
        return touchesMsix() || !bars.isEmpty() || memoryDecoding;
    }

    /** MASKALL (and, if {@code enable}, ENABLE) left set by firmware, on a device whose resets keep MASKALL. */
    public static Firmware msixLeftMasked(boolean enable) {
        return new Firmware(true, enable, true);
    }

    /** True if the firmware left anything in the function's MSI-X capability, or its resets keep MASKALL. */
    public boolean touchesMsix() {
        return msixMaskall || msixEnable || maskallSurvivesReset;
    }

    /** MSI-X Message Control's bits firmware leaves set (PCI_MSIX_FLAGS_MASKALL 0x4000, PCI_MSIX_FLAGS_ENABLE 0x8000). */
    public int msixControlBits() {
        return (msixMaskall ? 0x4000 : 0) | (msixEnable ? 0x8000 : 0);
    }

    @Override
    public String toString() {
        if (!leavesAnything()) return "nothing";
        java.util.List<String> parts = new java.util.ArrayList<>();
        if (touchesMsix()) {
            StringBuilder sb = new StringBuilder("MSI-X");
            if (msixMaskall) sb.append(" MASKALL");
            if (msixEnable) sb.append(" ENABLE");
            if (msixControlBits() != 0) sb.append(" left set");
            if (maskallSurvivesReset) sb.append(", MASKALL kept across resets");
            parts.add(sb.toString());
        }
        bars.forEach((i, a) -> parts.add(String.format("BAR%d at 0x%x", i, a)));
        if (memoryDecoding) parts.add("memory decoding on");
        return String.join(", ", parts);
    }
}
