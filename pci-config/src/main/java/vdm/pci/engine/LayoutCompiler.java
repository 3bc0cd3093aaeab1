package vdm.pci.engine;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import vdm.pci.Access;
import vdm.pci.layout.Layout;

/**
 * Compiles a {@link Layout} into a hidden class with {@code java.lang.classfile}. The generated {@code write}:
 * <pre>
 *   Access.check(offset, size); shift, lane mask m, shifted value v; d = offset >>> 2
 *   switch (d) {                      // tableswitch over the dwords that have writable, w1c or trigger bits
 *     case ...:                       // dwords with identical masks and watches share one body
 *       diff = Dwords.update(state, d, W & m, C & m, v)      // W, C constants
 *       eff = (v & T & m) != 0 ? TE : 0                       // trigger bits, if any
 *       if ((diff & MASK_i) != 0) eff |= EFFECT_i  ...        // watches, unrolled
 *       return eff;
 *     default: return 0;              // read-only dwords and beyond the device's size
 *   }
 * </pre>
 * One class per distinct write behaviour, shared by every layout that behaves the same, so a call site sees as few
 * generated classes as possible.
 */
final class LayoutCompiler {
    private static final ClassDesc CD_SUPER = ClassDesc.of(CompiledConfigSpace.class.getName());
    private static final ClassDesc CD_LAYOUT = ClassDesc.of(Layout.class.getName());
    private static final ClassDesc CD_ACCESS = ClassDesc.of(Access.class.getName());
    private static final ClassDesc CD_DWORDS = ClassDesc.of(Dwords.class.getName());
    private static final ClassDesc CD_DWORD_SPACE = ClassDesc.of(DwordConfigSpace.class.getName());
    private static final ClassDesc CD_INT_ARRAY = CD_int.arrayType();
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private record Compiled(Layout layout, MethodHandle constructor) {}

    private static final Map<String, List<Compiled>> CACHE = new ConcurrentHashMap<>();

    private LayoutCompiler() {}

    static CompiledConfigSpace instantiate(Layout layout) {
        MethodHandle ctor = constructorFor(layout);
        try {
            return (CompiledConfigSpace) ctor.invoke(layout);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot instantiate the compiled class of " + layout, t);
        }
    }

    /** How many distinct classes were generated so far (tests check that layouts share them). */
    static int generatedClasses() {
        return COUNTER.get();
    }

    static Class<?> classOf(Layout layout) {
        return constructorFor(layout).type().returnType();
    }

    private static MethodHandle constructorFor(Layout layout) {
        List<Compiled> bucket = CACHE.computeIfAbsent(layout.behaviourKey(), k -> new CopyOnWriteArrayList<>());
        for (Compiled c : bucket) if (c.layout().sameBehaviour(layout)) return c.constructor();
        synchronized (bucket) {
            for (Compiled c : bucket) if (c.layout().sameBehaviour(layout)) return c.constructor();
            MethodHandle ctor = compile(layout);
            bucket.add(new Compiled(layout, ctor));
            return ctor;
        }
    }

    /** The constant part of a case body; dwords with equal bodies share the code. */
    private record Body(int wmask, int w1c, int trigger, int triggerEffect, List<Integer> watchMasks, List<Integer> watchEffects) {}

    private static MethodHandle compile(Layout layout) {
        Map<Body, List<Integer>> bodies = new LinkedHashMap<>();
        int high = -1;
        for (int d = 0; d < layout.dwords(); d++) {
            int w = layout.writeMaskDword(d), c = layout.w1cMaskDword(d), t = layout.triggerMaskDword(d);
            if ((w | c | t) == 0) continue;
            List<Integer> masks = new ArrayList<>(), effects = new ArrayList<>();
            for (int i = layout.watchStart(d); i < layout.watchStart(d + 1); i++) {
                masks.add(layout.watchMask(i));
                effects.add(layout.watchEffect(i));
            }
            bodies.computeIfAbsent(new Body(w, c, t, layout.triggerEffect(d), masks, effects), k -> new ArrayList<>()).add(d);
            high = d;
        }
        int n = COUNTER.incrementAndGet();
        String simple = "Compiled$" + layout.name().replaceAll("[^A-Za-z0-9]", "_") + "$" + n;
        ClassDesc self = ClassDesc.of(CompiledConfigSpace.class.getPackageName() + "." + simple);
        final int maxDword = high;
        byte[] bytes = ClassFile.of().build(self, cb -> {
            cb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            cb.withSuperclass(CD_SUPER);
            cb.withMethodBody(INIT_NAME, MethodTypeDesc.of(CD_void, CD_LAYOUT), ClassFile.ACC_PUBLIC, code -> code
                    .aload(0).aload(1).invokespecial(CD_SUPER, INIT_NAME, MethodTypeDesc.of(CD_void, CD_LAYOUT)).return_());
            cb.withMethodBody("write", MethodTypeDesc.of(CD_int, CD_int, CD_int, CD_int),
                    ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL, code -> writeBody(code, bodies, maxDword));
        });
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(bytes, true);
            return lookup.findConstructor(lookup.lookupClass(), MethodType.methodType(void.class, Layout.class))
                    .asType(MethodType.methodType(lookup.lookupClass(), Layout.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot define the compiled class of " + layout, e);
        }
    }

    // locals of write(int offset, int size, int value)
    private static final int THIS = 0, OFFSET = 1, SIZE = 2, VALUE = 3, M = 4, V = 5, D = 6, DIFF = 7, EFF = 8, SHIFT = 9;

    private static void writeBody(CodeBuilder code, Map<Body, List<Integer>> bodies, int maxDword) {
        code.iload(OFFSET).iload(SIZE).invokestatic(CD_ACCESS, "check", MethodTypeDesc.of(CD_void, CD_int, CD_int));
        code.iload(OFFSET).iconst_3().iand().iconst_3().ishl().istore(SHIFT);
        code.iload(SIZE).invokestatic(CD_ACCESS, "ones", MethodTypeDesc.of(CD_int, CD_int)).iload(SHIFT).ishl().istore(M);
        code.iload(VALUE).iload(SHIFT).ishl().istore(V);
        code.iload(OFFSET).iconst_2().iushr().istore(D);
        Label fallback = code.newLabel();
        if (maxDword < 0) {
            code.iconst_0().ireturn();
            return;
        }
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
            code.aload(THIS).getfield(CD_DWORD_SPACE, "state", CD_INT_ARRAY).iload(D);
            pushMasked(code, b.wmask());
            pushMasked(code, b.w1c());
            code.iload(V).invokestatic(CD_DWORDS, "update",
                    MethodTypeDesc.of(CD_int, CD_INT_ARRAY, CD_int, CD_int, CD_int, CD_int)).istore(DIFF);
            code.iconst_0().istore(EFF);
            if (b.trigger() != 0) {
                Label noTrigger = code.newLabel();
                code.iload(V).iload(M).iand().loadConstant(b.trigger()).iand().ifeq(noTrigger);
                code.loadConstant(b.triggerEffect()).istore(EFF);
                code.labelBinding(noTrigger);
            }
            Label changed = code.newLabel();
            code.iload(DIFF).ifne(changed);
            code.iload(EFF).ireturn();
            code.labelBinding(changed);
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

    /** Pushes {@code mask & m}, or 0 when the mask is empty. */
    private static void pushMasked(CodeBuilder code, int mask) {
        if (mask == 0) {
            code.iconst_0();
        } else if (mask == -1) {
            code.iload(M);
        } else {
            code.loadConstant(mask).iload(M).iand();
        }
    }
}
