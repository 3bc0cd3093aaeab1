package vdm.pci.engine;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import vdm.pci.layout.Layout;

/**
 * Compiles a {@link Layout} for {@link CompiledConfigSpace}: its per-dword masks, packed four ints a dword, and a
 * hidden class (built with {@code java.lang.classfile}) implementing {@link WriteEffects}:
 * <pre>
 *   int of(int d, int diff, int written) {
 *     switch (d) {                    // tableswitch over the dwords that have watches or trigger bits
 *       case ...:                     // dwords with identical watches share one body
 *         eff = (written & T) != 0 ? TE : 0                   // trigger bits, if any
 *         if ((diff & MASK_i) != 0) eff |= EFFECT_i  ...      // watches, unrolled, as constants
 *         return eff;
 *       default: return 0;
 *     }
 *   }
 * </pre>
 * One of each per distinct write behaviour, shared by every layout that behaves the same.
 */
final class LayoutCompiler {
    private static final ClassDesc CD_EFFECTS = ClassDesc.of(WriteEffects.class.getName());
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** A layout behaviour's packed masks and its effects decoder. */
    record Compiled(Layout layout, int[] masks, WriteEffects effects) {}

    private static final Map<String, List<Compiled>> CACHE = new ConcurrentHashMap<>();

    private LayoutCompiler() {}

    static Compiled compiled(Layout layout) {
        List<Compiled> bucket = CACHE.computeIfAbsent(layout.behaviourKey(), k -> new CopyOnWriteArrayList<>());
        for (Compiled c : bucket) if (c.layout().sameBehaviour(layout)) return c;
        synchronized (bucket) {
            for (Compiled c : bucket) if (c.layout().sameBehaviour(layout)) return c;
            Compiled c = new Compiled(layout, masks(layout), effects(layout));
            bucket.add(c);
            return c;
        }
    }

    /** [wmask, w1c, trigger, watched] per dword, up to the last dword with any write behaviour. */
    private static int[] masks(Layout layout) {
        int high = -1;
        for (int d = 0; d < layout.dwords(); d++) {
            if ((layout.writeMaskDword(d) | layout.w1cMaskDword(d) | layout.triggerMaskDword(d)) != 0) high = d;
        }
        int[] k = new int[4 * (high + 1)];
        for (int d = 0; d <= high; d++) {
            k[4 * d] = layout.writeMaskDword(d);
            k[4 * d + 1] = layout.w1cMaskDword(d);
            k[4 * d + 2] = layout.triggerEffect(d) == 0 ? 0 : layout.triggerMaskDword(d);
            int watched = 0;
            for (int i = layout.watchStart(d); i < layout.watchStart(d + 1); i++) watched |= layout.watchMask(i);
            k[4 * d + 3] = watched;
        }
        return k;
    }

    /** The constant part of a case body; dwords with equal bodies share the code. */
    private record Body(int trigger, int triggerEffect, List<Integer> watchMasks, List<Integer> watchEffects) {}

    private static WriteEffects effects(Layout layout) {
        Map<Body, List<Integer>> bodies = new LinkedHashMap<>();
        int high = -1;
        for (int d = 0; d < layout.dwords(); d++) {
            int t = layout.triggerEffect(d) == 0 ? 0 : layout.triggerMaskDword(d);
            if (t == 0 && layout.watchStart(d) == layout.watchStart(d + 1)) continue;
            List<Integer> masks = new ArrayList<>(), effects = new ArrayList<>();
            for (int i = layout.watchStart(d); i < layout.watchStart(d + 1); i++) {
                masks.add(layout.watchMask(i));
                effects.add(layout.watchEffect(i));
            }
            bodies.computeIfAbsent(new Body(t, layout.triggerEffect(d), masks, effects), k -> new ArrayList<>()).add(d);
            high = d;
        }
        int n = COUNTER.incrementAndGet();
        String simple = "Effects$" + layout.name().replaceAll("[^A-Za-z0-9]", "_") + "$" + n;
        ClassDesc self = ClassDesc.of(WriteEffects.class.getPackageName() + "." + simple);
        final int maxDword = high;
        byte[] bytes = ClassFile.of().build(self, cb -> {
            cb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            cb.withInterfaceSymbols(CD_EFFECTS);
            cb.withMethodBody(INIT_NAME, MethodTypeDesc.of(CD_void), ClassFile.ACC_PUBLIC, code -> code
                    .aload(0).invokespecial(ConstantDescs.CD_Object, INIT_NAME, MethodTypeDesc.of(CD_void)).return_());
            cb.withMethodBody("of", MethodTypeDesc.of(CD_int, CD_int, CD_int, CD_int),
                    ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL, code -> effectsBody(code, bodies, maxDword));
        });
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(bytes, true);
            return (WriteEffects) lookup.findConstructor(lookup.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot define the effects class of " + layout, e);
        }
    }

    // locals of of(int d, int diff, int written)
    private static final int D = 1, DIFF = 2, WRITTEN = 3, EFF = 4;

    private static void effectsBody(CodeBuilder code, Map<Body, List<Integer>> bodies, int maxDword) {
        if (maxDword < 0) {
            code.iconst_0().ireturn();
            return;
        }
        Label fallback = code.newLabel();
        List<SwitchCase> cases = new ArrayList<>();
        Map<Body, Label> labels = new LinkedHashMap<>();
        for (Map.Entry<Body, List<Integer>> e : bodies.entrySet()) {
            Label l = code.newLabel();
            labels.put(e.getKey(), l);
            for (int d : e.getValue()) cases.add(SwitchCase.of(d, l));
        }
        cases.sort((a, b) -> Integer.compare(a.caseValue(), b.caseValue()));
        code.iload(D).tableswitch(0, maxDword, fallback, cases);
        for (Map.Entry<Body, Label> e : labels.entrySet()) {
            Body b = e.getKey();
            code.labelBinding(e.getValue());
            code.iconst_0().istore(EFF);
            if (b.trigger() != 0) {
                Label noTrigger = code.newLabel();
                code.iload(WRITTEN).loadConstant(b.trigger()).iand().ifeq(noTrigger);
                code.loadConstant(b.triggerEffect()).istore(EFF);
                code.labelBinding(noTrigger);
            }
            for (int i = 0; i < b.watchMasks().size(); i++) {
                Label skip = code.newLabel();
                code.iload(DIFF).loadConstant(b.watchMasks().get(i)).iand().ifeq(skip);
                code.iload(EFF).loadConstant(b.watchEffects().get(i)).ior().istore(EFF);
                code.labelBinding(skip);
            }
            code.iload(EFF).ireturn();
        }
        code.labelBinding(fallback);
        code.iconst_0().ireturn();
    }
}
