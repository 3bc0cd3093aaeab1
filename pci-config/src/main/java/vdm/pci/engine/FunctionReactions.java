package vdm.pci.engine;

import vdm.pci.ResetKind;
import vdm.pci.Effects;
import vdm.pci.cap.Msi;
import vdm.pci.layout.Layout;

/**
 * What a function does by itself after a configuration write, beyond the write masks: the reactions a device model
 * applies to the {@link Effects} a write returned. Kept out of the engines so a write stays a pure mask operation
 * and the caller decides (Effects are returned, not hidden).
 */
public final class FunctionReactions {
    private FunctionReactions() {}

    /**
     * Applies the function's own reactions to {@code effects}: an FLR request resets the function; an MSI enable or
     * message change clamps Multiple Message Enable to Multiple Message Capable while MSI is enabled (as QEMU's
     * msi_write_config). Returns the effects, plus nothing new.
     */
    public static int afterWrite(ConfigSpace cs, int effects) {
        if ((effects & Effects.FLR) != 0) cs.reset(ResetKind.FLR);
        if ((effects & (Effects.MSI_ENABLE | Effects.MSI_MESSAGE)) != 0) clampMsi(cs);
        return effects;
    }

    private static void clampMsi(ConfigSpace cs) {
        Layout.PlacedCapability msi = cs.layout().capability(Msi.ID, false);
        if (msi == null) return;
        int ctlOffset = msi.offset() + Msi.CONTROL;
        int ctl = cs.read(ctlOffset, 2);
        int mmc = (ctl >>> 1) & 0x7;
        int mme = (ctl >>> 4) & 0x7;
        if ((ctl & 1) != 0 && mme > mmc) cs.poke(ctlOffset, 2, (ctl & ~0x70) | mmc << 4);
    }
}
