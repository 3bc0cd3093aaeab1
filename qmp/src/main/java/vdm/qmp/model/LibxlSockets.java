package vdm.qmp.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vdm.Vdm;
import vdm.qmp.CommandRegistry;
import vdm.qmp.CoreCommands;
import vdm.qmp.Endpoint;
import vdm.qmp.QmpEvents;
import vdm.qmp.QmpServer;
import vdm.toolstack.Libxl;
import vdm.xen.Domain;

/**
 * One QMP socket per HVM guest, as libxl expects one QEMU per domain: {@code DIR/qmp-libxl-<domid>} (mode 0600),
 * opened when the toolstack creates the guest (libxl__spawn_local_dm starts its QEMU) and closed and removed when it
 * destroys it (libxl__destroy_device_model), whether over QMP or from Java. On it the core commands (not {@code quit}:
 * one guest's device model must not stop vdm) and device_add, device_del and query-pci act on that guest alone
 * ({@link DeviceCommands#registerForDomain}). When the model is replaced (a snapshot load) or rebooted (a preset
 * change) the sockets follow: the old model's close, the new model's HVM guests get theirs.
 */
public final class LibxlSockets implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LibxlSockets.class);
    /** libxl's name for a domain's QMP socket in its run directory (libxl__qemu_qmp_path: "qmp-libxl-%d"). */
    public static final String PREFIX = "qmp-libxl-";

    private final QmpServer server;
    private final Model model;
    private final Path dir;
    /** Open sockets by domid (guarded by this). */
    private final Map<Integer, QmpServer.Listener> open = new TreeMap<>();
    private final BiConsumer<Vdm, Vdm> follow = this::follow;
    private final Libxl.DomainListener domains = new Libxl.DomainListener() {
        @Override
        public void created(Domain guest) {
            openFor(guest);
        }

        @Override
        public void destroyed(int domid) {
            closeFor(domid);
        }
    };
    private Vdm watched;
    private boolean closed;

    private LibxlSockets(QmpServer server, Model model, Path dir) {
        this.server = server;
        this.model = model;
        this.dir = dir;
    }

    /**
     * Serves a socket in {@code dir} for each HVM guest of {@code model}, now and from now on, on {@code server}.
     * {@code dir} must exist. Call it where the model is not being changed (before serving, or on the model executor).
     */
    public static LibxlSockets open(QmpServer server, Model model, Path dir) throws IOException {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(model, "model");
        if (!Files.isDirectory(dir)) throw new IOException("libxl directory " + dir + " does not exist or is not a directory");
        LibxlSockets s = new LibxlSockets(server, model, dir.toAbsolutePath().normalize());
        s.follow(null, model.vdm());
        model.addChangeListener(s.follow);
        model.domainEvents(s::events);
        return s;
    }

    /** Where guest {@code domid}'s socket is (or would be). */
    public Path path(int domid) {
        return dir.resolve(PREFIX + domid);
    }

    /** The guests that have a socket now. */
    public synchronized List<Integer> domains() {
        return new ArrayList<>(open.keySet());
    }

    /** The listener of {@code domid}'s socket, if open. */
    public synchronized Optional<QmpServer.Listener> listener(int domid) {
        return Optional.ofNullable(open.get(domid));
    }

    private synchronized QmpEvents events(int domid) {
        return open.get(domid);
    }

    /** The table of a guest's socket: QMP's core commands without quit, and the device model's, on {@code domid}. */
    static CommandRegistry registry(Model model, int domid) {
        CommandRegistry r = new CommandRegistry();
        CoreCommands.registerAll(r, false);
        DeviceCommands.registerForDomain(r, model, domid);
        return r;
    }

    private synchronized void follow(Vdm old, Vdm now) {
        if (closed) return;
        if (watched != null) watched.libxl().removeDomainListener(domains);
        for (int domid : List.copyOf(open.keySet())) closeFor(domid);
        watched = now;
        now.libxl().addDomainListener(domains);
        for (Domain d : now.xen().domains()) openFor(d);
    }

    private synchronized void openFor(Domain guest) {
        if (closed || guest.kind() != Domain.Kind.HVM || guest.isHardwareDomain() || open.containsKey(guest.id())) return;
        try {
            open.put(guest.id(), server.listen(new Endpoint.Unix(path(guest.id())), registry(model, guest.id())));
            log.info("d{}: QMP listening on unix:{}", guest.id(), path(guest.id()));
        } catch (IOException | RuntimeException e) {
            // the guest exists without its socket, as a guest whose QEMU failed to start; the caller's operation stands
            log.warn("d{}: cannot open its QMP socket {}: {}", guest.id(), path(guest.id()), e.getMessage());
        }
    }

    private synchronized void closeFor(int domid) {
        QmpServer.Listener l = open.remove(domid);
        if (l != null) l.close(); // the socket file goes at once; its connections close after their output
    }

    /** Closes every socket and stops following the model. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        synchronized (this) {
            if (closed) return;
            closed = true;
            model.removeChangeListener(follow);
            model.domainEvents(null);
            if (watched != null) watched.libxl().removeDomainListener(domains);
            for (QmpServer.Listener l : open.values()) closing.add(l.close());
            open.clear();
        }
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).join();
    }
}
