package vdm.scenario;

import java.util.Arrays;
import vdm.host.PhysicalFunction;
import vdm.pci.cap.Msi;
import vdm.pci.cap.MsiX;
import vdm.pci.layout.Layout;

/**
 * How the scenario's guest takes the device's interrupts ({@code --interrupt intx|msi|msix}): its INTx line through
 * the IO-APICs, its MSI capability, or its MSI-X table. Without a choice the device's INTx is used when it has a pin
 * (what a guest's firmware and legacy drivers use), else MSI-X, else MSI (a driver's preference order, as Linux's
 * pci_alloc_irq_vectors tries MSI-X before MSI).
 */
public enum InterruptPath {
    INTX, MSI, MSIX;

    /** The name on the command line and in JSON: "intx", "msi", "msix". */
    public String label() {
        return name().toLowerCase();
    }

    public static InterruptPath of(String label) {
        for (InterruptPath p : values()) if (p.label().equals(label)) return p;
        throw new IllegalArgumentException("unknown interrupt path '" + label + "'; known: "
                + String.join(", ", Arrays.stream(values()).map(InterruptPath::label).toList()));
    }

    /** INTx if the device has a pin, else MSI-X if it has the capability, else MSI if it has that, else INTx (nothing to take). */
    public static InterruptPath defaultFor(PhysicalFunction f) {
        if (f.interruptPin() != 0) return INTX;
        if (has(f, MsiX.ID)) return MSIX;
        if (has(f, Msi.ID)) return MSI;
        return INTX;
    }

    /**
     * Whether {@code f} can interrupt this way: a pin for INTx, the capability for MSI and MSI-X. A refusal names the
     * device and what it lacks.
     */
    public void requireOn(PhysicalFunction f) {
        String missing = switch (this) {
            case INTX -> f.interruptPin() == 0 ? "no INTx pin (Interrupt Pin reads 0)" : null;
            case MSI -> has(f, Msi.ID) ? null : "no MSI capability (id 0x05)";
            case MSIX -> has(f, MsiX.ID) ? null : "no MSI-X capability (id 0x11)";
        };
        if (missing != null) throw new IllegalArgumentException("--interrupt " + label() + ": " + f.sbdf() + " (" + f.source().label() + ") has " + missing);
    }

    static boolean has(PhysicalFunction f, int id) {
        for (Layout.PlacedCapability c : f.layout().capabilities()) if (!c.extended() && c.id() == id) return true;
        return false;
    }
}
