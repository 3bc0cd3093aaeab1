package vdm.qmp.model;

import java.nio.file.Path;
import java.util.Objects;
import vdm.Vdm;
import vdm.model.Preset;

/**
 * The passthrough system QMP commands act on: built from the default host or a host file, under a preset. Changing
 * the preset reboots the model (Xen's behaviour is fixed at boot). Only the model executor touches it.
 */
public final class Model {
    private final Path hostFile;
    private Preset preset;
    private Vdm vdm;

    public Model(Path hostFile, Preset preset) {
        this.hostFile = hostFile;
        this.preset = Objects.requireNonNull(preset, "preset");
        this.vdm = boot(preset);
    }

    private Vdm boot(Preset p) {
        Vdm.Builder b = hostFile == null ? Vdm.defaultHost() : Vdm.host(hostFile);
        return b.preset(p).build();
    }

    public Vdm vdm() { return vdm; }
    public Preset preset() { return preset; }
    public Path hostFile() { return hostFile; }

    /** Replaces the model with a loaded one (a snapshot); the preset follows its fixes. */
    public void replace(Vdm loaded) {
        this.vdm = loaded;
        for (Preset p : Preset.values()) if (p.fixes().equals(loaded.fixes())) this.preset = p;
    }

    /** Reboots everything under another preset: domains, attachments and device state start afresh. */
    public void reboot(Preset p) {
        this.vdm = boot(p);
        this.preset = p;
    }
}
