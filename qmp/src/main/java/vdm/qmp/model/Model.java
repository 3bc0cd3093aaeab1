package vdm.qmp.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;
import vdm.Vdm;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.qmp.QmpEvents;

/**
 * The passthrough system QMP commands act on: built from the default host or a host file, under a preset. Changing
 * the preset reboots the model (Xen's behaviour is fixed at boot). Only the model executor touches it.
 */
public final class Model {
    /**
     * The served model's trace is a ring of this many events (the newest; older ones are dropped): a client that
     * cycles device_add/device_del for days holds bounded memory. Each layer's log is a ring already (8,192 lines).
     */
    public static final int SERVED_TRACE_EVENTS = 16_384;

    private final Path hostFile;
    private Preset preset;
    private Vdm vdm;
    /** Told (old, new) when the model is replaced or rebooted ({@link LibxlSockets} follows it). */
    private final List<BiConsumer<Vdm, Vdm>> changes = new CopyOnWriteArrayList<>();
    /** The event bus of a domain's own QMP socket, if it has one (set by {@link LibxlSockets}). */
    private volatile IntFunction<QmpEvents> domainEvents = domid -> null;
    /** Where snapshot file arguments may go ({@code vdm serve --state-dir}); null: file arguments are refused. */
    private volatile StateDir stateDir;

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
        return bounded(b.fixes(f).build());
    }

    private static Vdm bounded(Vdm v) {
        v.trace().keepNewest(SERVED_TRACE_EVENTS);
        return v;
    }

    public Vdm vdm() { return vdm; }
    public Preset preset() { return preset; }
    public Path hostFile() { return hostFile; }

    /** Replaces the model with a loaded one (a snapshot); the preset follows its fixes. */
    public void replace(Vdm loaded) {
        Vdm old = this.vdm;
        this.vdm = bounded(loaded);
        for (Preset p : Preset.values()) if (p.fixes().equals(loaded.fixes())) this.preset = p;
        for (BiConsumer<Vdm, Vdm> c : changes) c.accept(old, loaded);
    }

    /** Reboots everything under another preset (its fixes, without any --fix): domains, attachments and device state start afresh. */
    public void reboot(Preset p) {
        Vdm old = this.vdm;
        this.vdm = boot(p.fixes());
        this.preset = p;
        for (BiConsumer<Vdm, Vdm> c : changes) c.accept(old, vdm);
    }

    /** Adds {@code c}, told (old, new) on the model executor whenever {@link #replace} or {@link #reboot} swaps the Vdm. */
    public void addChangeListener(BiConsumer<Vdm, Vdm> c) {
        changes.add(Objects.requireNonNull(c, "listener"));
    }

    public void removeChangeListener(BiConsumer<Vdm, Vdm> c) {
        changes.remove(c);
    }

    /** Lets x-vdm-snapshot-save/load use files in {@code dir} (which must be a directory), and nowhere else. */
    public void stateDir(Path dir) throws java.io.IOException {
        this.stateDir = dir == null ? null : StateDir.of(dir);
    }

    Optional<StateDir> stateDir() {
        return Optional.ofNullable(stateDir);
    }

    void domainEvents(IntFunction<QmpEvents> lookup) {
        this.domainEvents = lookup == null ? domid -> null : lookup;
    }

    /** The bus of {@code domid}'s own socket, where its device model's events also go. */
    Optional<QmpEvents> domainEvents(int domid) {
        return Optional.ofNullable(domainEvents.apply(domid));
    }
}
