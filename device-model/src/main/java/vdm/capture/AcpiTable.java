package vdm.capture;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * One ACPI table as the kernel exposes it in {@code /sys/firmware/acpi/tables/NAME}: the whole table, header
 * included. The header (ACPI 6.5, 5.2.6) is checked when the table is made: a signature, a length field equal to
 * the bytes there are, and a checksum byte that makes all bytes sum to zero (mod 256). Field reads past the end are
 * errors naming the table, the field and its offset.
 */
public final class AcpiTable {
    /** The system description table header: signature, length, revision, checksum, OEM fields (ACPI 6.5, table 5.4). */
    public static final int HEADER_LENGTH = 36;

    private final String origin;
    private final byte[] bytes;

    private AcpiTable(String origin, byte[] bytes) {
        this.origin = origin;
        this.bytes = bytes;
    }

    /** Reads and checks a table file. */
    public static AcpiTable read(Path file) {
        return of(file.toString(), readFile(file));
    }

    /** Checks a table given as bytes; {@code origin} names it in messages. */
    public static AcpiTable of(String origin, byte[] bytes) {
        if (bytes.length < HEADER_LENGTH) {
            throw new CaptureException(String.format("%s: %d bytes is shorter than the %d-byte ACPI table header: truncated",
                    origin, bytes.length, HEADER_LENGTH));
        }
        long length = u32(bytes, 4);
        if (length != bytes.length) {
            throw new CaptureException(String.format("%s: the header's length field (offset 4) says %d bytes but there are %d: %s",
                    origin, length, bytes.length, length > bytes.length ? "the table is truncated" : "bad length"));
        }
        int sum = 0;
        for (byte b : bytes) sum += b & 0xff;
        if ((sum & 0xff) != 0) {
            throw new CaptureException(String.format("%s: bad checksum: the bytes sum to 0x%02x mod 256, not 0 (checksum byte "
                    + "at offset 9 is 0x%02x)", origin, sum & 0xff, bytes[9] & 0xff));
        }
        return new AcpiTable(origin, bytes);
    }

    /** Reads a file whole; a missing or unreadable one is an error naming it and the reason. */
    static byte[] readFile(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CaptureException(file + ": cannot read: no such file", e);
        } catch (AccessDeniedException e) {
            throw new CaptureException(file + ": cannot read: permission denied (the ACPI tables and whole configuration "
                    + "spaces are readable by root only)", e);
        } catch (IOException e) {
            throw new CaptureException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    public String signature() {
        return new String(bytes, 0, 4, java.nio.charset.StandardCharsets.US_ASCII);
    }

    public int revision() {
        return bytes[8] & 0xff;
    }

    public int length() {
        return bytes.length;
    }

    public String origin() {
        return origin;
    }

    /** A copy of the table's bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    byte[] raw() {
        return bytes;
    }

    int u8(int offset, String field) {
        need(offset, 1, field);
        return bytes[offset] & 0xff;
    }

    int u16(int offset, String field) {
        need(offset, 2, field);
        return (bytes[offset] & 0xff) | (bytes[offset + 1] & 0xff) << 8;
    }

    long u32(int offset, String field) {
        need(offset, 4, field);
        return u32(bytes, offset);
    }

    long u64(int offset, String field) {
        need(offset, 8, field);
        return u32(bytes, offset) | u32(bytes, offset + 4) << 32;
    }

    private void need(int offset, int size, String field) {
        if (offset < 0 || offset + size > bytes.length) {
            throw new CaptureException(String.format("%s: %s at offset %d (%d bytes) is past the end of the %d-byte table: truncated",
                    origin, field, offset, size, bytes.length));
        }
    }

    private static long u32(byte[] b, int offset) {
        return (b[offset] & 0xffL) | (b[offset + 1] & 0xffL) << 8 | (b[offset + 2] & 0xffL) << 16 | (b[offset + 3] & 0xffL) << 24;
    }
}
