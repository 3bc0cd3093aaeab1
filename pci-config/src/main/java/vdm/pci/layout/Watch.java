package vdm.pci.layout;

/**
 * An effect a write reports: when any of {@code mask}'s bits of dword {@code dword} change (or, for a trigger, are
 * written 1), the write's result includes {@code effect}.
 */
public record Watch(int dword, int mask, int effect, boolean trigger) {}
