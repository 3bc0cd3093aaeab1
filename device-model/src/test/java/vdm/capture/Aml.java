package vdm.capture;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A tiny AML and ACPI table encoder for tests, written from ACPI 6.5 chapter 20 and 5.2.6 (not from the reader). */
final class Aml {
    private Aml() {}

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    /** PkgLength followed by the body: the length counts its own bytes (20.2.4). */
    static byte[] pkg(byte[] body) {
        int n = body.length;
        if (n + 1 <= 0x3f) return cat(b(n + 1), body);
        if (n + 2 <= 0xfff) return cat(b(0x40 | (n + 2) & 0xf, (n + 2) >>> 4), body);
        int t = n + 3;
        return cat(b(0x80 | t & 0xf, t >>> 4 & 0xff, t >>> 12), body);
    }

    static byte[] seg(String s) {
        return (s + "____").substring(0, 4).getBytes(StandardCharsets.US_ASCII);
    }

    /** A NameString: "\\_SB_.PCI0", "^^LNKA" or "LNKA". */
    static byte[] name(String path) {
        int carets = 0;
        while (path.charAt(carets) == '^') carets++;
        boolean root = path.startsWith("\\");
        String rest = root ? path.substring(1) : path.substring(carets);
        String[] segs = rest.split("\\.");
        byte[] prefix = root ? b('\\') : "^".repeat(carets).getBytes(StandardCharsets.US_ASCII);
        if (segs.length == 1) return cat(prefix, seg(segs[0]));
        if (segs.length == 2) return cat(prefix, b(0x2e), seg(segs[0]), seg(segs[1]));
        byte[] all = new byte[0];
        for (String s : segs) all = cat(all, seg(s));
        return cat(prefix, b(0x2f, segs.length), all);
    }

    static byte[] dword(long v) {
        return b(0x0c, (int) v, (int) (v >>> 8), (int) (v >>> 16), (int) (v >>> 24));
    }

    static byte[] integer(long v) {
        if (v == 0) return b(0x00);
        if (v == 1) return b(0x01);
        if (v <= 0xff) return b(0x0a, (int) v);
        return dword(v);
    }

    static byte[] nameOp(String n, byte[] value) {
        return cat(b(0x08), name(n), value);
    }

    static byte[] scope(String n, byte[]... body) {
        return cat(b(0x10), pkg(cat(name(n), cat(body))));
    }

    static byte[] device(String n, byte[]... body) {
        return cat(b(0x5b, 0x82), pkg(cat(name(n), cat(body))));
    }

    static byte[] method(String n, int args, byte[]... body) {
        return cat(b(0x14), pkg(cat(name(n), b(args), cat(body))));
    }

    static byte[] ifOp(byte[] predicate, byte[]... body) {
        return cat(b(0xa0), pkg(cat(predicate, cat(body))));
    }

    static byte[] elseOp(byte[]... body) {
        return cat(b(0xa1), pkg(cat(body)));
    }

    static byte[] lequal(byte[] a, byte[] c) {
        return cat(b(0x93), a, c);
    }

    static byte[] ret(byte[] v) {
        return cat(b(0xa4), v);
    }

    static byte[] pack(byte[]... elements) {
        return cat(b(0x12), pkg(cat(b(elements.length), cat(elements))));
    }

    static byte[] buffer(byte[] bytes) {
        return cat(b(0x11), pkg(cat(integer(bytes.length), bytes)));
    }

    /** EisaId("PNP0A08") and friends as a DWordConst (6.1.5). */
    static byte[] eisa(String id) {
        int c1 = id.charAt(0) - '@', c2 = id.charAt(1) - '@', c3 = id.charAt(2) - '@';
        int letters = c1 << 10 | c2 << 5 | c3;
        int prod = Integer.parseInt(id.substring(3), 16);
        return b(0x0c, letters >>> 8, letters & 0xff, prod >>> 8, prod & 0xff);
    }

    /** A ResourceTemplate with one Extended Interrupt descriptor (6.4.3.6) and the End Tag. */
    static byte[] extendedIrqs(boolean level, boolean activeLow, int... gsis) {
        int flags = 0x01 | (level ? 0 : 0x02) | (activeLow ? 0x04 : 0) | 0x08;
        byte[] body = b(flags, gsis.length);
        for (int g : gsis) body = cat(body, b(g, g >>> 8, g >>> 16, g >>> 24));
        return buffer(cat(b(0x89, body.length, 0), body, b(0x79, 0)));
    }

    /** A whole table: the 36-byte header (5.2.6) with a correct length and checksum, then the body. */
    static byte[] table(String signature, int revision, byte[] body) {
        byte[] t = new byte[36 + body.length];
        System.arraycopy(signature.getBytes(StandardCharsets.US_ASCII), 0, t, 0, 4);
        int len = t.length;
        t[4] = (byte) len;
        t[5] = (byte) (len >>> 8);
        t[6] = (byte) (len >>> 16);
        t[7] = (byte) (len >>> 24);
        t[8] = (byte) revision;
        System.arraycopy("VDMTST".getBytes(StandardCharsets.US_ASCII), 0, t, 10, 6);
        System.arraycopy(body, 0, t, 36, body.length);
        int sum = 0;
        for (byte x : t) sum += x & 0xff;
        t[9] = (byte) (-sum);
        return t;
    }

    static byte[] le32(long v) {
        return b((int) v, (int) (v >>> 8), (int) (v >>> 16), (int) (v >>> 24));
    }

    static byte[] le16(int v) {
        return b(v, v >>> 8);
    }
}
