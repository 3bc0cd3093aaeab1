package vdm.qmp.model;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import vdm.Vdm;
import vdm.model.Fixes;
import vdm.model.Preset;

/**
 * The passthrough system QMP commands act on: built from the default host or a host file, under a preset. Changing
 * the preset reboots the model (Xen's behaviour is fixed at boot). Only the model executor touches it.
 */
public final class Model {
    private final Path hostFile;
    private Preset preset;
    private Vdm vdm;
    /** Ids whose device_del is under way (QEMU's pending_deleted_event): they belong to this model, not a later one. */
    private final Set<String> unplugging = new HashSet<>();

    public Model(Path hostFile, Preset preset) {
        this(hostFile, preset, preset.fixes());
    }

    /**
     * Booted with {@code fixes}: the preset's with {@code vdm serve --fix} settings on top ({@link #preset()} stays the
     * one they started from; {@code x-vdm-fixes-get} answers every switch).
     */
    public Model(Path hostFile, Preset preset, Fixes fixes) {
        this.hostFile = hostFile;
        this.preset = Objects.requireNonNull(preset, "preset");
        this.vdm = boot(Objects.requireNonNull(fixes, "fixes"));
    }

    private Vdm boot(Fixes f) {
        Vdm.Builder b = hostFile == null ? Vdm.defaultHost() : Vdm.host(hostFile);
        return b.fixes(f).build();
    }

    public Vdm vdm() { return vdm; }
    public Preset preset() { return preset; }
    public Path hostFile() { return hostFile; }

    /** Replaces the model with a loaded one (a snapshot); the preset follows its fixes. */
    public void replace(Vdm loaded) {
        this.vdm = loaded;
        unplugging.clear();
        for (Preset p : Preset.values()) if (p.fixes().equals(loaded.fixes())) this.preset = p;
    }

    /** Reboots everything under another preset (its fixes, without any --fix): domains, attachments and device state start afresh. */
    public void reboot(Preset p) {
        this.vdm = boot(p.fixes());
        unplugging.clear();
        this.preset = p;
    }

    /** Marks {@code id} as being unplugged; false if it already is. */
    boolean startUnplug(String id) {
        return unplugging.add(id);
    }

    void unplugDone(String id) {
        unplugging.remove(id);
    }
}
