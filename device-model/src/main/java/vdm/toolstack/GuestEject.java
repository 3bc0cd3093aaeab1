package vdm.toolstack;

import java.time.Duration;
import java.util.Objects;

/**
 * What a guest does when its QEMU asks it to give a device up (device_del: ACPI PCI hotplug, hw/acpi/pcihp.c
 * {@code acpi_pcihp_device_unplug_request_cb} raises the GPE; the guest's OS ejects the slot by writing PCI_EJ,
 * and only then {@code acpi_pcihp_eject_slot} unplugs the device and QEMU sends DEVICE_DELETED). A guest that ejects
 * at once, one that takes {@code delay}, or one that never does (no ACPI hotplug driver, a hung OS): then the request
 * stays pending, as QEMU's {@code pending_deleted_event}, until the domain is destroyed.
 */
public record GuestEject(Kind kind, Duration delay) {
    public enum Kind { AT_ONCE, AFTER, NEVER }

    public static final GuestEject AT_ONCE = new GuestEject(Kind.AT_ONCE, Duration.ZERO);
    public static final GuestEject NEVER = new GuestEject(Kind.NEVER, Duration.ZERO);

    public GuestEject {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) throw new IllegalArgumentException("a guest cannot eject before it is asked: " + delay);
        if (kind != Kind.AFTER && !delay.isZero()) throw new IllegalArgumentException(kind + " takes no delay");
    }

    /** A guest that ejects {@code delay} after the request. */
    public static GuestEject after(Duration delay) {
        return new GuestEject(Kind.AFTER, delay);
    }

    /** "at-once", "never" or "after N ms", as x-vdm-domain-list shows it. */
    public String describe() {
        return switch (kind) {
            case AT_ONCE -> "at-once";
            case NEVER -> "never";
            case AFTER -> "after " + delay.toMillis() + " ms";
        };
    }
}
