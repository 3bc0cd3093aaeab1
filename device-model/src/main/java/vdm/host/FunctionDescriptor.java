package vdm.host;

import vdm.pci.Sbdf;

/** A physical function placed at an SBDF. */
public record FunctionDescriptor(Sbdf sbdf, FunctionSource source) {
    public FunctionDescriptor {
        if (sbdf == null) throw new HostDescriptionException("device", "SBDF is missing");
        if (source == null) throw new HostDescriptionException("device " + sbdf, "what it is (catalog name, layout or dump) is missing");
    }

    @Override
    public String toString() {
        return "device " + sbdf + " (" + source.label() + ")";
    }
}
