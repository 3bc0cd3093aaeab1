package vdm.host;

import vdm.pci.Sbdf;

/** A physical function placed at an SBDF, with what firmware left in it ({@link Firmware#NONE}: nothing). */
public record FunctionDescriptor(Sbdf sbdf, FunctionSource source, Firmware firmware) {
    public FunctionDescriptor {
        if (sbdf == null) throw new HostDescriptionException("device", "SBDF is missing");
        if (source == null) throw new HostDescriptionException("device " + sbdf, "what it is (catalog name, layout or dump) is missing");
        if (firmware == null) firmware = Firmware.NONE;
    }

    public FunctionDescriptor(Sbdf sbdf, FunctionSource source) {
        this(sbdf, source, Firmware.NONE);
    }

    @Override
    public String toString() {
        return "device " + sbdf + " (" + source.label() + ")";
    }
}
