package vdm.dom0;

import java.util.Optional;
import vdm.errno.Errno;
import vdm.log.StepBus;
import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;

/**
 * pci_save_state and pci_restore_state (drivers/pci/pci.c) for the standard header: the 16 dwords kept in the device
 * (dev->saved_config_space) and written back in pci_restore_config_space's order, each through dom0's config path so
 * that a PVH dom0's vPCI sees every access.
 */
final class ConfigStateSaver {
    static final int HEADER_DWORDS = ConfigRegisters.STD_HEADER_SIZE / 4;

    private final PciConfigAccess config;
    private final PciDevices devices;
    private final KernelLog log;
    private final StepBus steps;

    ConfigStateSaver(PciConfigAccess config, PciDevices devices, KernelLog log, StepBus steps) {
        this.config = config;
        this.devices = devices;
        this.log = log;
        this.steps = steps;
    }

    /** pci_save_state: the header's 16 dwords, kept in the device; returns a copy. */
    int[] save(Sbdf sbdf) {
        PciDev d = devices.get(sbdf);
        int[] saved = new int[HEADER_DWORDS];
        for (int i = 0; i < HEADER_DWORDS; i++) saved[i] = config.read(sbdf, 4 * i, 4);
        d.savedState = saved;
        return saved.clone();
    }

    /** pci_restore_state: puts back what {@link #save} kept in the device; -EINVAL if nothing was saved. */
    int restore(Sbdf sbdf) {
        PciDev d = devices.get(sbdf);
        if (d.savedState == null) return -Errno.EINVAL;
        restore(sbdf, d.savedState);
        return 0;
    }

    /** What {@link #save} last kept for the device, a copy; empty before any save. */
    Optional<int[]> saved(Sbdf sbdf) {
        int[] s = devices.get(sbdf).savedState;
        return s == null ? Optional.empty() : Optional.of(s.clone());
    }

    /**
     * pci_restore_config_space for a type 0 header: dwords 10..15, then the BARs (4..9) with up to 10 retries, then
     * 0..3 (COMMAND last); a dword is written only if it reads back different, as pci_restore_config_dword does.
     */
    void restore(Sbdf sbdf, int[] saved) {
        restoreRange(sbdf, saved, 10, 15, 0);
        restoreRange(sbdf, saved, 4, 9, 10);
        restoreRange(sbdf, saved, 0, 3, 0);
        steps.end("pci_restore_state " + sbdf);
    }

    /** pci_restore_config_space_range: from the highest dword down, each rewritten until it reads back or retries run out. */
    private void restoreRange(Sbdf sbdf, int[] saved, int from, int to, int retry) {
        for (int i = to; i >= from; i--) {
            int val = config.read(sbdf, 4 * i, 4);
            if (val == saved[i]) continue;
            for (int left = retry; ; left--) {
                log.debug("pci %s: restore config %#04x: %#010x -> %#010x", sbdf, 4 * i, val, saved[i]);
                config.write(sbdf, 4 * i, 4, saved[i]);
                if (left <= 0) break;
                val = config.read(sbdf, 4 * i, 4);
                if (val == saved[i]) break;
            }
        }
    }
}
