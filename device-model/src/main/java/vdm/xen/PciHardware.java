package vdm.xen;

/**
 * What vPCI forwards to: the physical function's config space as the hardware answers (dom0 gaps and pass-through
 * bits). Accesses are 1, 2 or 4 bytes, naturally aligned.
 */
public interface PciHardware {
    int read(int offset, int size);

    void write(int offset, int size, int value);

    /** A device that answers nothing: reads all ones, drops writes (a domU's gaps). */
    PciHardware NONE = new PciHardware() {
        @Override
        public int read(int offset, int size) {
            return -1 >>> ((4 - size) * 8);
        }

        @Override
        public void write(int offset, int size, int value) {
        }
    };
}
