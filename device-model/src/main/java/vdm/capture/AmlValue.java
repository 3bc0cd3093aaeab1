package vdm.capture;

import java.util.List;

/** An AML data object as vdm reads it without evaluating anything (ACPI 6.5, 20.2.3 and 20.2.5). */
sealed interface AmlValue {
    record Int(long value) implements AmlValue {}

    record Str(String value) implements AmlValue {}

    /** A buffer's bytes (a ResourceTemplate is one). */
    record Buf(byte[] bytes) implements AmlValue {}

    record Pkg(List<AmlValue> elements) implements AmlValue {
        public Pkg {
            elements = List.copyOf(elements);
        }
    }

    /** A NameString as written: {@code \_SB_.LNKA}, {@code ^LNKB}, {@code GSIA}. */
    record NameRef(String name) implements AmlValue {}
}
