package vdm.host;

import vdm.pci.engine.ConfigSpace;
import vdm.pci.layout.BarKind;
import vdm.pci.layout.Layout;

/**
 * What firmware left in one function ({@link Firmware}), put there once when the host places the function, before
 * anything runs: BARs at their addresses, COMMAND's memory enable, MSI-X Message Control's MASKALL and ENABLE; and,
 * for a device whose resets keep MASKALL, the bit put back after each reset short of a power cycle.
 */
final class FirmwareLeftovers {
    static final FirmwareLeftovers NONE = new FirmwareLeftovers(-1, -1);
    private static final int COMMAND = 0x04, COMMAND_MEMORY = 0x2, MSIX_MASKALL = 0x4000;

    /** Message Control's offset when the function's resets keep MASKALL, else -1. */
    private final int keptControl;
    /** PCIe Device Control's dword (an FLR is requested there) when resets keep MASKALL, else -1. */
    final int flrDword;

    private FirmwareLeftovers(int keptControl, int flrDword) {
        this.keptControl = keptControl;
        this.flrDword = flrDword;
    }

    /**
     * Writes what firmware left into {@code config}; {@code msixControl} is Message Control's offset (-1 without
     * MSI-X, which the host description refuses for MSI-X leftovers), {@code pcie} the PCIe capability's (or -1).
     */
    static FirmwareLeftovers apply(Firmware fw, ConfigSpace config, Layout layout, int msixControl, int pcie) {
        fw.bars().forEach((n, address) -> {
            config.write(0x10 + 4 * n, 4, (int) address.longValue());
            if (layout.bar(n).kind() == BarKind.MEM64) config.write(0x14 + 4 * n, 4, (int) (address >>> 32));
        });
        if (fw.memoryDecoding()) config.write(COMMAND, 2, config.read(COMMAND, 2) | COMMAND_MEMORY);
        if (!fw.touchesMsix()) return NONE;
        config.write(msixControl, 2, config.read(msixControl, 2) | fw.msixControlBits());
        if (!fw.maskallSurvivesReset()) return NONE;
        return new FirmwareLeftovers(msixControl, pcie >= 0 ? (pcie + 8) >>> 2 : -1);
    }

    /** config.reset(kind), with MASKALL kept across it if the device keeps it (a power cycle clears it). */
    void reset(ConfigSpace config, vdm.pci.ResetKind kind) {
        boolean kept = kind != vdm.pci.ResetKind.COLD && keepsMaskall(config);
        config.reset(kind);
        if (kept) restoreMaskall(config);
    }

    /** Before a reset: whether MASKALL is set and the device keeps it. */
    boolean keepsMaskall(ConfigSpace config) {
        return keptControl >= 0 && (config.read(keptControl, 2) & MSIX_MASKALL) != 0;
    }

    /** After a reset that cleared MASKALL on a device that keeps it: the bit goes back, as the device never cleared it. */
    void restoreMaskall(ConfigSpace config) {
        config.write(keptControl, 2, config.read(keptControl, 2) | MSIX_MASKALL);
    }
}
