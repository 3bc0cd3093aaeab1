package vdm.host;

/**
 * What the machine's firmware leaves in a function when it hands over to Xen, beyond the BARs (which vdm's firmware
 * leaves to the OS): MSI-X Message Control's Function Mask (MASKALL) and Enable bits, and whether the device's own
 * resets clear MASKALL again.
 *
 * <p>Xen 913751d7af ("x86/msi: clear initial MSI-X state on boot") was written for such a machine: "Some
 * firmware/devices are found to not reset MSI-X properly, leaving MASKALL set. Jason reports on his machine MASKALL
 * persists through a warm reboot, but is cleared on cold boot." {@code maskallSurvivesReset} is that device: its FLR,
 * D3hot and bus resets leave MASKALL as it was; only a power cycle clears it.
 *
 * @param msixMaskall          MASKALL (Message Control bit 14) is set at hand-over
 * @param msixEnable           MSI-X Enable (bit 15) is set at hand-over
 * @param maskallSurvivesReset the function's resets short of a power cycle keep MASKALL's value
 */
public record Firmware(boolean msixMaskall, boolean msixEnable, boolean maskallSurvivesReset) {
    /** What vdm's firmware leaves: a function as its reset left it. */
    public static final Firmware NONE = new Firmware(false, false, false);

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
        if (!touchesMsix()) return "nothing";
        StringBuilder sb = new StringBuilder("MSI-X");
        if (msixMaskall) sb.append(" MASKALL");
        if (msixEnable) sb.append(" ENABLE");
        if (msixControlBits() != 0) sb.append(" left set");
        if (maskallSurvivesReset) sb.append(", MASKALL kept across resets");
        return sb.toString();
    }
}
