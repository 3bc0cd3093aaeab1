package vdm.ioapic;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static vdm.ioapic.RedirectionEntry.MASK;
import static vdm.ioapic.RedirectionEntry.REMOTE_IRR;
import static vdm.ioapic.RedirectionEntry.TRIGGER;
import static vdm.ioapic.RedirectionEntry.VECTOR_MASK;

/**
 * One IO-APIC (Intel 82093AA; QEMU hw/intc/ioapic.c; Xen vioapic.c): its MMIO window, its indirect registers, its
 * redirection table, its input pins and the interrupts it delivers to an {@link InterruptSink}.
 *
 * <h2>State and concurrency</h2>
 * Each pin is one {@code long} word in a {@code long[]}, changed only by compare-and-set through a {@link VarHandle}:
 * the redirection entry plus the pin's IRR (the latched input, QEMU's {@code irr} bit). The IRR is kept in bit 12,
 * the read-only delivery-status position, which always reads 0 here because delivery completes within the call that
 * causes it (QEMU never sets it either). Because the input latch, the mask, the trigger and remote IRR of a pin live
 * in one word, every operation on a pin (assert, deassert, EOI, register write) is a single CAS that moves the pin
 * from one serviced state to the next, deciding the delivery in the same step: an interrupt is delivered exactly
 * when that CAS sets remote IRR (level) or consumes the latch (edge), so a level interrupt is never delivered twice
 * while remote IRR is set and never lost between an assert, an EOI and an unmask. No locks; nothing on the register,
 * assert, deassert, EOI or delivery paths allocates.
 *
 * <h2>Semantics (82093AA datasheet; QEMU hw/intc/ioapic.c)</h2>
 * Those of QEMU's {@code ioapic_set_irq}, {@code ioapic_service} and {@code ioapic_eoi_broadcast}: a level input
 * latches IRR and delivers when unmasked with remote IRR clear, setting remote IRR; an edge input delivers at once
 * if unmasked and is dropped if masked (82093AA); EOI clears remote IRR of the level pins with that vector and
 * re-delivers if the input is still asserted; a write switching a pin to edge clears its remote IRR; every entry
 * write re-services the pin, which is how an interrupt latched while masked is delivered on unmask.
 */
public final class IoApic {
    /** MMIO offset of the index register. */
    public static final int IOREGSEL = 0x00;
    /** MMIO offset of the data window onto the register IOREGSEL selects. */
    public static final int IOWIN = 0x10;
    /** MMIO offset of the EOI register (version 0x20 only; ICH IOxAPIC). */
    public static final int EOI = 0x40;
    /** Size of the MMIO window (QEMU maps 4 KiB and decodes only address bits 0..7 within it). */
    public static final int MMIO_SIZE = 0x1000;

    /** Indirect register: ID, bits 24..27. */
    public static final int REG_ID = 0x00;
    /** Indirect register: version and maximum redirection entry, read-only. */
    public static final int REG_VERSION = 0x01;
    /** Indirect register: arbitration ID (reads as the ID, writes ignored, as QEMU and Xen). */
    public static final int REG_ARBITRATION = 0x02;
    /** Indirect register of pin n's entry: low dword at {@code 0x10 + 2n}, high dword at {@code 0x11 + 2n}. */
    public static final int REG_REDIRECTION_BASE = 0x10;

    /** The 82093AA's version, without the EOI register; Xen's vIO-APIC reports it (VER 0x002F0011). */
    public static final int VERSION_11 = 0x11;
    /** The version with the EOI register at 0x40 (ICH IOxAPIC); QEMU's default (VER 0x00170020). */
    public static final int VERSION_20 = 0x20;
    public static final int DEFAULT_PINS = 24;
    public static final int MAX_PINS = 240;
    public static final long DEFAULT_ADDRESS = 0xFEC0_0000L;

    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SELECTOR = intField("selector");
    private static final VarHandle ID = intField("id");

    private static VarHandle intField(String name) {
        try {
            return MethodHandles.lookup().findVarHandle(IoApic.class, name, int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The pin's IRR, held in the delivery-status bit of its word (see the class comment). */
    private static final long IRR = RedirectionEntry.DELIVERY_STATUS;
    private static final long LOW_DWORD = 0xffff_ffffL;
    /**
     * Pin n's word is at index {@code PAD + n}: 64 bytes of padding on each side keep the array header (whose length
     * every access reads for its bounds check) and neighbouring objects off the pins' cache lines, so a thread
     * hammering one IO-APIC does not slow a thread on another.
     */
    private static final int PAD = 8;

    private final long[] entries;
    private final int pins;
    private final int version;
    private final int resetId;
    private final int gsiBase;
    private final long address;
    /** 82093AA IOREGSEL bits 7:0 (QEMU stores a uint8_t); beyond 120 pins the index needs more, as Xen's uint32_t. */
    private final int selectorMask;
    private final InterruptSink sink;
    @SuppressWarnings("unused") // through SELECTOR
    private int selector;
    @SuppressWarnings("unused") // through ID
    private int id;
    private final UnmaskListeners unmaskListeners = new UnmaskListeners();

    IoApic(IoApicBuilder b) {
        this.pins = b.pins;
        this.version = b.version;
        this.resetId = b.id;
        this.gsiBase = b.gsiBase;
        this.address = b.address;
        this.sink = b.sink;
        this.selectorMask = pins <= 120 ? 0xff : -1;
        this.entries = new long[PAD + pins + PAD];
        reset();
    }

    /**
     * The raw state for a snapshot: each pin's word (entry with its latched input), then IOREGSEL and the ID.
     * {@link #importState} puts it back exactly.
     */
    public long[] exportState() {
        long[] out = new long[pins + 2];
        for (int pin = 0; pin < pins; pin++) out[pin] = (long) ENTRIES.getVolatile(entries, PAD + pin);
        out[pins] = (int) SELECTOR.getVolatile(this);
        out[pins + 1] = (int) ID.getVolatile(this);
        return out;
    }

    /** Restores {@link #exportState}'s result, delivering nothing and telling no listener (a snapshot load). */
    public void importState(long[] state) {
        if (state == null || state.length != pins + 2) {
            throw new IllegalArgumentException("IO-APIC state for " + pins + " pins needs " + (pins + 2) + " words, got "
                    + (state == null ? "none" : state.length));
        }
        for (int pin = 0; pin < pins; pin++) {
            // Stores only what differs: a restore usually finds most pins as they are, and a volatile store costs a fence.
            if ((long) ENTRIES.getVolatile(entries, PAD + pin) != state[pin]) ENTRIES.setVolatile(entries, PAD + pin, state[pin]);
        }
        SELECTOR.setVolatile(this, (int) state[pins]);
        ID.setVolatile(this, (int) state[pins + 1]);
    }

    public static IoApicBuilder builder() {
        return new IoApicBuilder();
    }

    /** A QEMU-like IO-APIC: id 0, 24 pins, version 0x20, GSI base 0, at 0xFEC00000. */
    public static IoApic create(InterruptSink sink) {
        return builder().sink(sink).build();
    }

    // ------------------------------------------------------------------ MMIO window

    /**
     * Reads {@code size} bytes at {@code offset} in the 4 KiB window. IOREGSEL reads back its value at any size;
     * IOWIN answers only 4-byte reads (others read 0, QEMU); the EOI register and every other offset read 0.
     *
     * @throws InvalidAccessException if size is not 1, 2 or 4, the access is misaligned or outside the window
     */
    public int read(int offset, int size) {
        checkAccess(offset, size);
        return switch (offset & 0xff) {
            case IOREGSEL -> (int) SELECTOR.getAcquire(this) & sizeMask(size);
            case IOWIN -> size == 4 ? readRegister((int) SELECTOR.getAcquire(this)) : 0;
            default -> 0;
        };
    }

    /**
     * Writes {@code size} bytes at {@code offset}. IOWIN and EOI take only 4-byte writes (others are ignored, QEMU);
     * EOI exists only in version 0x20 and compares bits 7..0 with the vectors (ICH IOxAPIC EOI register); writes to
     * other offsets are ignored.
     *
     * @throws InvalidAccessException if size is not 1, 2 or 4, the access is misaligned or outside the window
     */
    public void write(int offset, int size, int value) {
        checkAccess(offset, size);
        switch (offset & 0xff) {
            case IOREGSEL -> SELECTOR.setRelease(this, value & sizeMask(size) & selectorMask);
            case IOWIN -> {
                if (size == 4) writeRegister((int) SELECTOR.getAcquire(this), value);
            }
            case EOI -> {
                if (size == 4 && version == VERSION_20) eoi(value & 0xff);
            }
            default -> { }
        }
    }

    private static void checkAccess(int offset, int size) {
        if (size != 1 && size != 2 && size != 4) {
            throw new InvalidAccessException(offset, size, "size must be 1, 2 or 4");
        }
        if (offset < 0 || offset > MMIO_SIZE - size) {
            throw new InvalidAccessException(offset, size, "outside the 0x1000-byte window");
        }
        if ((offset & (size - 1)) != 0) {
            throw new InvalidAccessException(offset, size, "not naturally aligned");
        }
    }

    private static int sizeMask(int size) {
        return size == 4 ? -1 : (1 << (size * 8)) - 1;
    }

    // ------------------------------------------------------------------ indirect registers

    /** The register with this index as IOWIN shows it; an index that names nothing reads 0. */
    public int readRegister(int index) {
        return switch (index) {
            case REG_ID, REG_ARBITRATION -> (int) ID.getOpaque(this) << 24;
            case REG_VERSION -> version | (pins - 1) << 16;
            default -> {
                int r = index - REG_REDIRECTION_BASE;
                if (r < 0 || r >= 2 * pins) yield 0;
                long e = entry(r >>> 1);
                yield (r & 1) == 0 ? (int) e : (int) (e >>> 32);
            }
        };
    }

    /**
     * Writes the register with this index as IOWIN does: the ID takes bits 24..27; VER and ARB ignore writes; an
     * entry dword stores what is written except the read-only delivery status and remote IRR; unknown indices are
     * ignored.
     */
    public void writeRegister(int index, int value) {
        switch (index) {
            case REG_ID -> ID.setOpaque(this, (value >>> 24) & 0xf);
            case REG_VERSION, REG_ARBITRATION -> { }
            default -> {
                int r = index - REG_REDIRECTION_BASE;
                if (r < 0 || r >= 2 * pins) return;
                if ((r & 1) == 0) {
                    writeEntry(r >>> 1, value & LOW_DWORD, LOW_DWORD);
                } else {
                    writeEntry(r >>> 1, (long) value << 32, ~LOW_DWORD);
                }
            }
        }
    }

    // ------------------------------------------------------------------ direct API

    /** Pin {@code pin}'s redirection entry as software reads it (delivery status 0, remote IRR as it is). */
    public long entry(int pin) {
        checkPin(pin);
        return (long) ENTRIES.getVolatile(entries, PAD + pin) & ~IRR;
    }

    /**
     * Writes all 64 bits of pin {@code pin}'s entry at once (the read-only bits keep their values), with the
     * effects of a register write: an unmasked pin with a latched input is delivered, a pin switched to edge loses
     * remote IRR.
     */
    public void setEntry(int pin, long value) {
        checkPin(pin);
        writeEntry(pin, value, -1L);
    }

    /**
     * Clears the bits {@code clear} and then sets the bits {@code set} of pin {@code pin}'s entry as one atomic step
     * (a single compare-and-set against the entry as it is at that moment), with the effects of a register write.
     * Every read-modify-write of an entry goes through here: a separate {@link #entry} then {@link #setEntry} can
     * lose a concurrent change (a mask from one caller, a vector from another).
     */
    public void updateEntry(int pin, long clear, long set) {
        checkPin(pin);
        writeEntry(pin, set, clear | set);
    }

    /** Whether pin {@code pin}'s IRR is set: a level input asserted, or an input latched while masked. */
    public boolean pending(int pin) {
        checkPin(pin);
        return ((long) ENTRIES.getVolatile(entries, PAD + pin) & IRR) != 0;
    }

    /**
     * Asserts the input of pin {@code pin} (logical level, polarity already applied by the wiring). Level: latches
     * IRR and delivers if unmasked and remote IRR is clear. Edge: one edge, delivered if unmasked, dropped if
     * masked (82093AA); as in QEMU every call is an edge, whether or not the line was already asserted.
     */
    public void assertPin(int pin) {
        checkPin(pin);
        for (;;) {
            long old = (long) ENTRIES.getVolatile(entries, PAD + pin);
            if ((old & TRIGGER) == 0) {
                // QEMU ioapic_set_irq: an unmasked edge is latched and at once consumed by its delivery, so the
                // word does not change; a serviced unmasked edge pin never holds IRR.
                if ((old & MASK) == 0) deliver(pin, old);
                return;
            }
            long next = service(old | IRR);
            if (next == old) return; // already latched, or waiting for EOI, or masked with IRR set
            if (ENTRIES.compareAndSet(entries, PAD + pin, old, next)) {
                if (((old ^ next) & REMOTE_IRR) != 0) deliver(pin, next);
                return;
            }
        }
    }

    /** Deasserts the input of pin {@code pin}: a level pin's IRR clears; an edge pin ignores it (QEMU). */
    public void deassertPin(int pin) {
        checkPin(pin);
        for (;;) {
            long old = (long) ENTRIES.getVolatile(entries, PAD + pin);
            if ((old & (TRIGGER | IRR)) != (TRIGGER | IRR)) return;
            if (ENTRIES.compareAndSet(entries, PAD + pin, old, old & ~IRR)) return;
        }
    }

    /** {@link #assertPin} or {@link #deassertPin}. */
    public void setPin(int pin, boolean asserted) {
        if (asserted) {
            assertPin(pin);
        } else {
            deassertPin(pin);
        }
    }

    /**
     * An EOI for {@code vector} (0..255), as a local APIC broadcasts it or the EOI register carries it: every level
     * pin with that vector and remote IRR set has remote IRR cleared and, if unmasked and still asserted, is
     * delivered again at once (QEMU {@code ioapic_eoi_broadcast}, Xen {@code vioapic_update_EOI}). QEMU also defers
     * the re-delivery after 10000 back-to-back ones to let a guest stuck in an interrupt storm progress; vdm does not.
     * Scans the pins, as both do: the vector is per entry and may change at any time.
     *
     * @return how many pins had remote IRR cleared
     */
    public int eoi(int vector) {
        if (vector < 0 || vector > 0xff) {
            throw new IllegalArgumentException("EOI vector " + vector + " is not 0..255 (" + this + ")");
        }
        long match = vector | TRIGGER | REMOTE_IRR;
        long[] e = entries;
        int cleared = 0;
        for (int i = PAD, end = e.length - PAD; i < end; i++) {
            long old = (long) ENTRIES.getVolatile(e, i);
            if ((old & (VECTOR_MASK | TRIGGER | REMOTE_IRR)) == match && clearRemoteIrr(i, old, match)) cleared++;
        }
        return cleared;
    }

    /** The EOI of one matching pin (word index {@code index}), kept out of the scan loop so that stays tight. */
    private boolean clearRemoteIrr(int index, long old, long match) {
        for (;;) {
            long next = service(old & ~REMOTE_IRR);
            if (ENTRIES.compareAndSet(entries, index, old, next)) {
                if ((next & REMOTE_IRR) != 0) deliver(index - PAD, next);
                return true;
            }
            old = (long) ENTRIES.getVolatile(entries, index);
            if ((old & (VECTOR_MASK | TRIGGER | REMOTE_IRR)) != match) return false;
        }
    }

    /**
     * Reset (82093AA; QEMU {@code ioapic_reset_common}): every pin masked with everything else 0, latched inputs
     * forgotten, IOREGSEL 0, the ID back to the configured one (the MADT's, which firmware programs).
     */
    public void reset() {
        for (int pin = 0; pin < pins; pin++) {
            ENTRIES.setVolatile(entries, PAD + pin, RedirectionEntry.RESET);
        }
        SELECTOR.setVolatile(this, 0);
        ID.setVolatile(this, resetId);
    }

    /** Adds a listener told of every masked -> unmasked transition of any pin (see {@link UnmaskListener}). */
    public void addUnmaskListener(UnmaskListener listener) {
        unmaskListeners.add(listener);
    }

    /** Removes a listener added before; returns whether it was there. */
    public boolean removeUnmaskListener(UnmaskListener listener) {
        return unmaskListeners.remove(listener);
    }

    // ------------------------------------------------------------------ the pin state machine

    /**
     * One compare-and-set of a pin's word with {@code value}'s bits under {@code writeMask}, keeping the read-only
     * bits (QEMU {@code IOAPIC_RO_BITS}), clearing remote IRR of an edge pin ({@code ioapic_fix_edge_remote_irr}) and
     * servicing the result ({@code ioapic_service} after every entry write).
     */
    private void writeEntry(int pin, long value, long writeMask) {
        long old;
        long written;
        long next;
        for (;;) {
            old = (long) ENTRIES.getVolatile(entries, PAD + pin);
            written = (old & ~writeMask) | (value & writeMask);
            written = (written & ~RedirectionEntry.READ_ONLY) | (old & RedirectionEntry.READ_ONLY);
            if ((written & TRIGGER) == 0) written &= ~REMOTE_IRR;
            next = service(written);
            // A serviced word services to itself, so next == old means this write changes and delivers nothing.
            if (next == old) return;
            if (ENTRIES.compareAndSet(entries, PAD + pin, old, next)) break;
        }
        if ((old & MASK) != 0 && (next & MASK) == 0) unmaskListeners.unmasked(this, pin, next);
        if (next != written) deliver(pin, next);
    }

    /**
     * {@code ioapic_service} for one pin: an unmasked pin with IRR is delivered; an edge consumes its IRR, a level
     * sets remote IRR (and is not delivered if remote IRR was already set). Returns the word after; it differs from
     * {@code word} exactly when an interrupt is to be delivered.
     */
    private static long service(long word) {
        if ((word & (IRR | MASK)) != IRR) return word;
        return (word & TRIGGER) == 0 ? word & ~IRR : word | REMOTE_IRR;
    }

    private void deliver(int pin, long word) {
        sink.deliver(this, pin, MsiMessage.address(word), MsiMessage.data(word));
    }

    private void checkPin(int pin) {
        if (pin < 0 || pin >= pins) throw new InvalidPinException(this, pin);
    }

    // ------------------------------------------------------------------ identity

    /** The ID register's current value (0..15); a guest may reprogram it. */
    public int id() {
        return (int) ID.getOpaque(this);
    }

    /** The IOREGSEL value. */
    public int selector() {
        return (int) SELECTOR.getAcquire(this);
    }

    public int pins() { return pins; }
    public int version() { return version; }

    /** The first GSI this IO-APIC serves (MADT); pin n is GSI {@code gsiBase() + n}. */
    public int gsiBase() {
        return gsiBase;
    }

    /** The MMIO base address (MADT). */
    public long address() {
        return address;
    }

    public InterruptSink sink() { return sink; }

    @Override
    public String toString() {
        return String.format("IO-APIC %d @0x%x (GSI %d..%d)", resetId, address, gsiBase, gsiBase + pins - 1);
    }
}
