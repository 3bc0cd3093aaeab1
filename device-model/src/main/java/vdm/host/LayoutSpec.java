package vdm.host;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import vdm.pci.cap.MsiX;
import vdm.pci.layout.Bar;
import vdm.pci.layout.Layout;
import vdm.pci.layout.LayoutBuilder;
import vdm.pci.layout.LayoutException;

/**
 * A small declared layout, for functions the catalog does not have and which need no capability but, optionally,
 * MSI-X: a host bridge (type 0, class 060000), a plain PCI-to-PCI bridge (type 1, class 060400), an MSI-X-only
 * device. A value (equal when the declarations are), so a JSON description and a builder one compare equal.
 *
 * @param headerType 0 (endpoint) or 1 (bridge)
 * @param bars       BAR index -> declaration (a 64-bit BAR under its lower index)
 * @param romSize    expansion ROM bytes, 0 for none
 * @param msix       an MSI-X capability, or null
 */
public record LayoutSpec(String name, int headerType, int vendor, int device, int classCode, int revision,
                         int subsystemVendor, int subsystem, int interruptPin, Map<Integer, Bar> bars, long romSize,
                         MsixSpec msix) {
    /** MSI-X: vectors, and the BAR and offset of the table and of the PBA (PCI 3.0, 6.8.2). */
    public record MsixSpec(int vectors, int tableBar, int tableOffset, int pbaBar, int pbaOffset) {}

    public LayoutSpec {
        if (name == null || name.isBlank()) throw new HostDescriptionException("layout", "name is missing");
        if (headerType != 0 && headerType != 1) {
            throw new HostDescriptionException("layout " + name, "header type " + headerType + " must be 0 or 1");
        }
        bars = Collections.unmodifiableMap(new TreeMap<>(bars == null ? Map.of() : bars));
    }

    /** A type 0 function without BARs, capabilities or interrupt pin; add to it with the wither methods. */
    public static LayoutSpec endpoint(String name, int vendor, int device, int classCode) {
        return new LayoutSpec(name, 0, vendor, device, classCode, 0, 0, 0, 0, Map.of(), 0, null);
    }

    /** A type 1 PCI-to-PCI bridge without BARs (class 060400). */
    public static LayoutSpec bridge(String name, int vendor, int device) {
        return new LayoutSpec(name, 1, vendor, device, 0x060400, 0, 0, 0, 0, Map.of(), 0, null);
    }

    public LayoutSpec withBar(int index, Bar bar) {
        Map<Integer, Bar> b = new TreeMap<>(bars);
        b.put(index, bar);
        return new LayoutSpec(name, headerType, vendor, device, classCode, revision, subsystemVendor, subsystem,
                interruptPin, b, romSize, msix);
    }

    public LayoutSpec withInterruptPin(int pin) {
        return new LayoutSpec(name, headerType, vendor, device, classCode, revision, subsystemVendor, subsystem, pin,
                bars, romSize, msix);
    }

    public LayoutSpec withSubsystem(int vendor, int id) {
        return new LayoutSpec(name, headerType, this.vendor, device, classCode, revision, vendor, id, interruptPin,
                bars, romSize, msix);
    }

    public LayoutSpec withRevision(int rev) {
        return new LayoutSpec(name, headerType, vendor, device, classCode, rev, subsystemVendor, subsystem,
                interruptPin, bars, romSize, msix);
    }

    public LayoutSpec withRom(long size) {
        return new LayoutSpec(name, headerType, vendor, device, classCode, revision, subsystemVendor, subsystem,
                interruptPin, bars, size, msix);
    }

    public LayoutSpec withMsix(MsixSpec spec) {
        return new LayoutSpec(name, headerType, vendor, device, classCode, revision, subsystemVendor, subsystem,
                interruptPin, bars, romSize, spec);
    }

    /** Builds the pci-config layout; a declaration it refuses becomes an error naming this layout. */
    public Layout toLayout() {
        try {
            LayoutBuilder b = headerType == 0 ? Layout.type0(name) : Layout.type1(name);
            b.ids(vendor, device).classCode(classCode).revision(revision).interruptPin(interruptPin);
            if (headerType == 0) b.subsystem(subsystemVendor, subsystem);
            else if (subsystemVendor != 0 || subsystem != 0) {
                throw new LayoutException("a type 1 header has no subsystem IDs");
            }
            for (Map.Entry<Integer, Bar> e : bars.entrySet()) b.bar(e.getKey(), e.getValue());
            if (romSize != 0) b.rom(romSize);
            if (msix != null) {
                b.capability(new MsiX(msix.vectors(), msix.tableBar(), msix.tableOffset(), msix.pbaBar(), msix.pbaOffset()));
            }
            return b.build();
        } catch (LayoutException e) {
            throw new HostDescriptionException("layout " + name, e.getMessage(), e);
        }
    }
}
