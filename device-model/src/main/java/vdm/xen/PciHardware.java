package vdm.xen;

import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.FunctionReactions;

/**
 * What vPCI forwards to: the physical function's config space as the hardware answers (dom0 gaps and pass-through
 * bits). Accesses are 1, 2 or 4 bytes, naturally aligned. A write returns what it changed in the function
 * (pci-config's {@link vdm.pci.Effects} bits), so that a caller never reads the hardware back to learn it.
 */
public interface PciHardware {
    int read(int offset, int size);

    /** Writes and returns the write's {@link vdm.pci.Effects} (0 when nothing changed or nothing answers). */
    int write(int offset, int size, int value);

    /**
     * A bare config space as the hardware behind vPCI: writes apply the function's own reactions (an FLR request
     * resets it, MSI's clamp), as a physical function does. For test buses and benchmarks without a full host.
     */
    static PciHardware of(ConfigSpace cs) {
        return new PciHardware() {
            @Override
            public int read(int offset, int size) {
                return cs.read(offset, size);
            }

            @Override
            public int write(int offset, int size, int value) {
                return FunctionReactions.afterWrite(cs, cs.write(offset, size, value));
            }
        };
    }

    /** A device that answers nothing: reads all ones, drops writes (a domU's gaps). */
    PciHardware NONE = new PciHardware() {
        @Override
        public int read(int offset, int size) {
            return -1 >>> ((4 - size) * 8);
        }

        @Override
        public int write(int offset, int size, int value) {
            return 0;
        }
    };
}
