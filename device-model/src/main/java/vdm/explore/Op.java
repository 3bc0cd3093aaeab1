package vdm.explore;

import java.util.ArrayList;
import java.util.List;
import vdm.pci.Sbdf;

/**
 * One operation the explorer can apply: a {@link OpKind} on a device, and for the kinds that name a guest
 * ({@link OpKind#targetsGuest}) on a guest. The constants ({@link #ASSIGN}, ...) name no device and no guest: they act
 * on the explorer's first device and the guest holding it (else the first), which is the one-device, one-guest search
 * of old, labelled as before ("assign"). Operations of a setting ({@link #forSetting}) name both: "reset(0000:01:00.1)",
 * "attach(0000:01:00.0->g2)", labels {@link #of} parses back.
 *
 * @param device the device, null for the explorer's first one
 * @param guest  the guest by number (1 is the first created), 0 for the guest holding the device, else the first
 */
public record Op(OpKind kind, Sbdf device, int guest) {
    public static final Op ENABLE = new Op(OpKind.ENABLE), DISABLE = new Op(OpKind.DISABLE), BAR_MOVE = new Op(OpKind.BAR_MOVE),
            BAR_MOVE_HOT = new Op(OpKind.BAR_MOVE_HOT), RESET = new Op(OpKind.RESET), NOTIFY = new Op(OpKind.NOTIFY),
            RESTORE = new Op(OpKind.RESTORE), DOM0_MSIX = new Op(OpKind.DOM0_MSIX), FIRMWARE_USE = new Op(OpKind.FIRMWARE_USE),
            SETUP_GSI = new Op(OpKind.SETUP_GSI), ASSIGN = new Op(OpKind.ASSIGN), ATTACH = new Op(OpKind.ATTACH),
            DETACH = new Op(OpKind.DETACH), SHARED_INTX = new Op(OpKind.SHARED_INTX), DOM0_INTX = new Op(OpKind.DOM0_INTX),
            GUEST_BAR = new Op(OpKind.GUEST_BAR), INTX = new Op(OpKind.INTX), MSIX_ENABLE = new Op(OpKind.MSIX_ENABLE),
            MSIX_DISABLE = new Op(OpKind.MSIX_DISABLE), MSIX_MASK = new Op(OpKind.MSIX_MASK), MSIX_UNMASK = new Op(OpKind.MSIX_UNMASK),
            MSIX_WRITE = new Op(OpKind.MSIX_WRITE), MSIX_FIRE = new Op(OpKind.MSIX_FIRE), MSI_ENABLE = new Op(OpKind.MSI_ENABLE),
            MSI_DISABLE = new Op(OpKind.MSI_DISABLE), MSI_FIRE = new Op(OpKind.MSI_FIRE), TABLE_BAR_MOVE = new Op(OpKind.TABLE_BAR_MOVE),
            IWL_MSIX_IRQ = new Op(OpKind.IWL_MSIX_IRQ), SLOT_REPLUG = new Op(OpKind.SLOT_REPLUG),
            DOM0_MSIX_ENABLE = new Op(OpKind.DOM0_MSIX_ENABLE), MAP_BEFORE_ASSIGN = new Op(OpKind.MAP_BEFORE_ASSIGN), SRS = new Op(OpKind.SRS);

    private static final Op[] VALUES = {ENABLE, DISABLE, BAR_MOVE, BAR_MOVE_HOT, RESET, NOTIFY, RESTORE, DOM0_MSIX, FIRMWARE_USE,
            SETUP_GSI, ASSIGN, ATTACH, DETACH, SHARED_INTX, DOM0_INTX, GUEST_BAR, INTX, MSIX_ENABLE, MSIX_DISABLE, MSIX_MASK, MSIX_UNMASK,
            MSIX_WRITE, MSIX_FIRE, MSI_ENABLE, MSI_DISABLE, MSI_FIRE, TABLE_BAR_MOVE, IWL_MSIX_IRQ, SLOT_REPLUG, DOM0_MSIX_ENABLE,
            MAP_BEFORE_ASSIGN, SRS};

    /**
     * The standard set: the INTx-era operations, everything but _SRS (re-routing after assignment breaks upstream too;
     * opt in with --ops) and the MSI operations ({@link #MSI_SET}).
     */
    public static final List<Op> STANDARD = List.of(ENABLE, DISABLE, BAR_MOVE, BAR_MOVE_HOT, RESET, NOTIFY, RESTORE,
            SETUP_GSI, ASSIGN, ATTACH, DETACH, GUEST_BAR, INTX);

    /**
     * The MSI and MSI-X set: assignment, attach and the guest's BARs to get there, then the guest's MSI and MSI-X
     * driver operations, the device's vectors, detach, dom0's move of the table's BAR and a map before assign.
     */
    public static final List<Op> MSI_SET = List.of(ASSIGN, MAP_BEFORE_ASSIGN, ATTACH, GUEST_BAR, MSIX_ENABLE, MSIX_DISABLE,
            MSIX_MASK, MSIX_UNMASK, MSIX_WRITE, MSIX_FIRE, MSI_ENABLE, MSI_DISABLE, MSI_FIRE, TABLE_BAR_MOVE, BAR_MOVE, DETACH);

    static {
        for (int i = 0; i < VALUES.length; i++) {
            if (VALUES[i].kind.ordinal() != i) throw new IllegalStateException("Op's constants are not in OpKind's order at " + VALUES[i]);
        }
        if (VALUES.length != OpKind.values().length) throw new IllegalStateException("an OpKind has no Op constant");
    }

    /** The most guests a setting may have (issue 18: one to four). */
    public static final int MAX_GUESTS = 4;

    public Op {
        java.util.Objects.requireNonNull(kind, "kind");
        if (guest < 0 || guest > MAX_GUESTS) throw new IllegalArgumentException("guest g" + guest + " is not 1.." + MAX_GUESTS);
        if (guest != 0 && !kind.targetsGuest()) throw new IllegalArgumentException(kind.label() + " names no guest");
    }

    private Op(OpKind kind) {
        this(kind, null, 0);
    }

    /** The unparametrised operations, one per kind, in the kinds' order. */
    public static Op[] values() {
        return VALUES.clone();
    }

    public String description() { return kind.description(); }

    /** "assign" for a constant, "assign(0000:01:00.0)" on a device, "attach(0000:01:00.0->g2)" to a guest. */
    public String label() {
        if (device == null) return kind.label();
        return kind.label() + "(" + device + (guest == 0 ? "" : "->g" + guest) + ")";
    }

    @Override
    public String toString() {
        return label();
    }

    /** An operation by its label, as {@link #label} gives it; an unknown kind or a label that does not parse is refused. */
    public static Op of(String label) {
        int open = label.indexOf('(');
        if (open < 0) return VALUES[OpKind.of(label).ordinal()];
        if (!label.endsWith(")")) throw new IllegalArgumentException("operation '" + label + "' does not end with ')'");
        OpKind k = OpKind.of(label.substring(0, open));
        String arg = label.substring(open + 1, label.length() - 1);
        int arrow = arg.indexOf("->");
        int guest = 0;
        if (arrow >= 0) {
            String g = arg.substring(arrow + 2);
            if (!g.matches("g[1-9]")) throw new IllegalArgumentException("operation '" + label + "': '" + g + "' is not a guest (g1..g" + MAX_GUESTS + ")");
            guest = g.charAt(1) - '0';
            arg = arg.substring(0, arrow);
        } else if (k.targetsGuest()) {
            throw new IllegalArgumentException("operation '" + label + "' names no guest: " + k.label() + "(DEVICE->gN)");
        }
        return new Op(k, Sbdf.parse(arg), guest);
    }

    /**
     * Every operation of a setting: each kind on each device, the guest-naming kinds to each guest, in the order of the
     * kinds, then the devices, then the guests. The search prunes by symmetry when it applies them ({@link Run#offered}).
     */
    public static List<Op> forSetting(List<OpKind> kinds, List<Sbdf> devices, int guests) {
        if (devices.isEmpty()) throw new IllegalArgumentException("a setting needs at least one device");
        if (guests < 1 || guests > MAX_GUESTS) throw new IllegalArgumentException("--guests must be 1.." + MAX_GUESTS + ", not " + guests);
        List<Op> out = new ArrayList<>();
        for (OpKind k : kinds) {
            for (Sbdf d : devices) {
                if (!k.targetsGuest()) out.add(new Op(k, d, 0));
                else for (int g = 1; g <= guests; g++) out.add(new Op(k, d, g));
            }
        }
        return List.copyOf(out);
    }

    /** The kinds of a list of operations, each once, in order. */
    public static List<OpKind> kinds(List<Op> ops) {
        return ops.stream().map(Op::kind).distinct().toList();
    }

    /** The operation of {@code ops} with this label; refused, naming the label, when it is not one of them. */
    public static Op find(List<Op> ops, String label) {
        for (Op o : ops) if (o.label().equals(label)) return o;
        throw new IllegalArgumentException("no operation '" + label + "' in this setting (" + ops.size() + " operations, e.g. "
                + String.join(", ", ops.stream().limit(3).map(Op::label).toList()) + ")");
    }

    /**
     * Whether the operation can run now. After a reset the kernel restores the device's state before anything else
     * touches it (pci_reset_function saves and restores around the reset), so then only a restore or a notification of
     * that device applies. A guest-naming operation runs only where the setting's symmetry offers it.
     */
    boolean applies(Run r) {
        r.focus(device, guest);
        if (r.needsRestore()) {
            if (kind != OpKind.RESTORE && kind != OpKind.NOTIFY) return false;
            if (!r.owesRestore()) return false;
        }
        if (guest != 0 && !r.offered(guest)) return false;
        return kind.applicable(r);
    }

    List<Failure> apply(Run r) {
        r.focus(device, guest);
        return kind.apply(r);
    }

}
