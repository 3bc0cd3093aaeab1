package vdm.capture;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A cursor over AML bytes (ACPI 6.5, chapter 20) that decodes the encodings vdm needs: PkgLength, NameString and the
 * data objects (constants, strings, buffers, packages). Reading past the end of the enclosing object is an error
 * ("truncated"); an opcode vdm does not decode is an {@link Unsupported}, which the caller turns into a skipped scope.
 */
final class AmlReader {
    /** An opcode the reader does not decode, at a table offset. */
    static final class Unsupported extends RuntimeException {
        final int offset;

        Unsupported(int offset, String what) {
            super(what, null, false, false);
            this.offset = offset;
        }
    }

    private final byte[] b;
    private final String origin;
    int pos;

    AmlReader(byte[] bytes, String origin, int start) {
        this.b = bytes;
        this.origin = origin;
        this.pos = start;
    }

    int length() {
        return b.length;
    }

    byte[] bytes() {
        return b;
    }

    int peek() {
        if (pos >= b.length) throw truncated(pos, "an opcode");
        return b[pos] & 0xff;
    }

    int u8() {
        if (pos >= b.length) throw truncated(pos, "a byte");
        return b[pos++] & 0xff;
    }

    long le(int n) {
        if (pos + n > b.length) throw truncated(pos, n + "-byte integer");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (b[pos + i] & 0xffL) << (8 * i);
        pos += n;
        return v;
    }

    CaptureException truncated(int at, String what) {
        return new CaptureException(String.format("%s: AML at offset 0x%x: %s runs past the end of the table (%d bytes): truncated",
                origin, at, what, b.length));
    }

    /**
     * PkgLength (20.2.4): the lead byte's bits 7:6 count the bytes that follow; with none, bits 5:0 are the length,
     * else bits 3:0 are its low nibble and the following bytes the rest. The length counts itself. Returns the end
     * offset, checked against {@code limit} (the enclosing object's end).
     */
    int pkgEnd(int limit) {
        int start = pos;
        int lead = u8();
        int follow = lead >>> 6;
        int len;
        if (follow == 0) {
            len = lead & 0x3f;
        } else {
            len = lead & 0x0f;
            for (int i = 0; i < follow; i++) len |= u8() << (4 + 8 * i);
        }
        int end = start + len;
        if (len < follow + 1 || end > limit) {
            throw new CaptureException(String.format("%s: AML at offset 0x%x: a package length of %d bytes ends at 0x%x, past its "
                    + "enclosing object's end 0x%x: truncated", origin, start, len, end, limit));
        }
        return end;
    }

    static boolean isNameStart(int c) {
        return c == '\\' || c == '^' || c == 0x2e || c == 0x2f || c == '_' || (c >= 'A' && c <= 'Z');
    }

    /** NameString (20.2.2): an optional root or parent prefixes, then a NullName, a NameSeg, a dual or multi name path. */
    String nameString() {
        StringBuilder s = new StringBuilder();
        int c = peek();
        if (c == '\\') {
            s.append('\\');
            pos++;
        } else {
            while (peek() == '^') {
                s.append('^');
                pos++;
            }
        }
        int count;
        c = peek();
        if (c == 0x00) {
            pos++;
            count = 0;
        } else if (c == 0x2e) {
            pos++;
            count = 2;
        } else if (c == 0x2f) {
            pos++;
            count = u8();
        } else {
            count = 1;
        }
        for (int i = 0; i < count; i++) {
            if (i > 0) s.append('.');
            s.append(nameSeg());
        }
        return s.toString();
    }

    private String nameSeg() {
        if (pos + 4 > b.length) throw truncated(pos, "a NameSeg");
        int lead = b[pos] & 0xff;
        if (!(lead == '_' || (lead >= 'A' && lead <= 'Z'))) {
            throw new Unsupported(pos, String.format("byte 0x%02x cannot start a NameSeg", lead));
        }
        String seg = new String(b, pos, 4, StandardCharsets.US_ASCII);
        pos += 4;
        return seg;
    }

    /** A DataRefObject or a name (20.2.3, 20.2.5: what a Name or a package element holds). */
    AmlValue dataObject(int limit) {
        int at = pos;
        int op = peek();
        if (isNameStart(op)) return new AmlValue.NameRef(nameString());
        pos++;
        return switch (op) {
            case 0x00 -> new AmlValue.Int(0);                        // ZeroOp
            case 0x01 -> new AmlValue.Int(1);                        // OneOp
            case 0xff -> new AmlValue.Int(-1);                       // OnesOp
            case 0x0a -> new AmlValue.Int(le(1));                    // BytePrefix
            case 0x0b -> new AmlValue.Int(le(2));                    // WordPrefix
            case 0x0c -> new AmlValue.Int(le(4));                    // DWordPrefix
            case 0x0e -> new AmlValue.Int(le(8));                    // QWordPrefix
            case 0x0d -> new AmlValue.Str(asciiz());                 // StringPrefix
            case 0x11 -> buffer(limit);                               // BufferOp
            case 0x12 -> pkg(limit, false);                          // PackageOp
            case 0x13 -> pkg(limit, true);                           // VarPackageOp
            case 0x5b -> {
                if (u8() == 0x30) yield new AmlValue.Int(2);         // RevisionOp: ACPICA's is 2 for ACPI 2.0 and later
                throw new Unsupported(at, "extended opcode where a data object was expected");
            }
            default -> throw new Unsupported(at, String.format("opcode 0x%02x where a data object was expected", op));
        };
    }

    private String asciiz() {
        int start = pos;
        while (u8() != 0) {
            // up to the terminating NUL
        }
        return new String(b, start, pos - start - 1, StandardCharsets.US_ASCII);
    }

    private AmlValue buffer(int limit) {
        int end = pkgEnd(limit);
        AmlValue size = dataObject(end);
        if (!(size instanceof AmlValue.Int n)) throw new Unsupported(pos, "a buffer whose size is not a constant");
        byte[] out = new byte[(int) Math.min(n.value(), end - pos)];
        System.arraycopy(b, pos, out, 0, out.length);
        pos = end;
        return new AmlValue.Buf(out);
    }

    private AmlValue pkg(int limit, boolean variable) {
        int end = pkgEnd(limit);
        if (variable) dataObject(end);
        else u8(); // NumElements: elements not listed are uninitialized, and vdm reads only those listed
        List<AmlValue> elements = new ArrayList<>();
        while (pos < end) elements.add(dataObject(end));
        if (pos != end) throw truncated(pos, "a package element");
        return new AmlValue.Pkg(elements);
    }
}
