package vdm.pci.engine;

import java.util.function.Function;
import vdm.pci.layout.Layout;

/** The engines behind the {@link ConfigSpace} contract. */
public enum Engine {
    /** Byte arrays and per-byte masks: the trusted reference. */
    REFERENCE(ReferenceConfigSpace::new),
    /** Per-dword mask tables: the best engine without generated code. */
    TABLE(TableConfigSpace::new),
    /** A generated class per layout: constants and a tableswitch. */
    COMPILED(CompiledConfigSpace::of);

    private final Function<Layout, ConfigSpace> factory;

    Engine(Function<Layout, ConfigSpace> factory) {
        this.factory = factory;
    }

    public ConfigSpace create(Layout layout) {
        if (layout == null) throw new IllegalArgumentException("layout is missing");
        return factory.apply(layout);
    }
}
