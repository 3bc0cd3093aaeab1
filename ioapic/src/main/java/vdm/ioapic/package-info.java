/** IO-APIC emulation: registers, redirection entries, GSI space, lock-free delivery. */
package vdm.ioapic;
