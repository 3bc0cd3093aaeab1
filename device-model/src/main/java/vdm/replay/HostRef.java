package vdm.replay;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import vdm.host.DefaultHost;
import vdm.host.HostDescription;
import vdm.host.WideHost;
import vdm.persist.HostJsonReader;

/**
 * The host a failure shows on: a built-in one, or a host JSON file beside the library
 * ({@code device-model/src/main/resources/vdm/replay/hosts/NAME}, docs/host-json.md), read when first asked for.
 */
public record HostRef(String name, Supplier<HostDescription> description) {
    public static final HostRef DEFAULT = new HostRef("default", DefaultHost::description);
    public static final HostRef WIDE = new HostRef("wide", WideHost::description);

    /** A host file of the library, by file name: "xsa476-host.json". */
    public static HostRef file(String fileName) {
        String path = "/vdm/replay/hosts/" + fileName;
        return new HostRef(fileName, new Supplier<>() {
            private HostDescription loaded;

            @Override
            public synchronized HostDescription get() {
                if (loaded == null) loaded = read(path);
                return loaded;
            }
        });
    }

    private static HostDescription read(String path) {
        try (InputStream in = HostRef.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("the failure library's host file " + path + " is missing from the classpath");
            return HostJsonReader.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the failure library's host file " + path + ": " + e.getMessage(), e);
        }
    }
}
