package vdm.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The device model's layers point down only (docs/architecture.md): the leaves, then the host, the hypervisor, the
 * fixes, dom0's kernel, the toolstack, the composition root, what runs on an assembled machine (scenario, explorer,
 * invariants, in-memory state), persistence, and the embedding API on top. A class may use its own layer and the
 * ones below; no package cycle anywhere; nothing here knows the QMP module. Checked on the compiled classes by
 * {@code verify}.
 */
class LayeringTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("vdm");

    /** Lowest first: each layer's packages (ArchUnit package patterns). */
    private record Layer(String name, String... packages) {}

    static final List<Layer> LAYERS = List.of(
            new Layer("leaves", "vdm.errno..", "vdm.fingerprint..", "vdm.log.."),
            new Layer("host", "vdm.host.."),
            new Layer("xen", "vdm.xen.."),
            new Layer("fixes", "vdm.model.."),
            new Layer("dom0", "vdm.dom0.."),
            new Layer("toolstack", "vdm.toolstack.."),
            new Layer("system", "vdm.system.."),
            new Layer("on a machine", "vdm.scenario..", "vdm.explore..", "vdm.invariants..", "vdm.snapshot.."),
            new Layer("capture", "vdm.capture.."),
            new Layer("persistence", "vdm.persist.."),
            new Layer("failure library", "vdm.replay.."),
            new Layer("embedding API", "vdm"));

    @Test
    void layersPointDownOnly() {
        Architectures.LayeredArchitecture arch = Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers()
                .withOptionalLayers(true);
        for (Layer l : LAYERS) arch = arch.layer(l.name()).definedBy(l.packages());
        for (int i = 0; i < LAYERS.size() - 1; i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).stream().map(Layer::name).toArray(String[]::new);
            arch = arch.whereLayer(LAYERS.get(i).name()).mayOnlyBeAccessedByLayers(above);
        }
        arch.whereLayer(LAYERS.getLast().name()).mayNotBeAccessedByAnyLayer().check(MAIN);
    }

    @Test
    void noPackageCycles() {
        slices().matching("vdm.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theLibraryDoesNotKnowTheQmpModule() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("vdm.qmp..", "vdm.cli..")
                .because("the QMP module is a shell over the library, not part of it").check(MAIN);
    }

    @Test
    void onlyPersistenceKnowsTheFileFormats() {
        noClasses().that().resideOutsideOfPackage("vdm.persist..").should()
                .dependOnClassesThat().resideInAPackage("com.fasterxml.jackson..")
                .because("the layers do not know how they are saved: vdm.persist maps their state records to JSON")
                .check(MAIN);
    }

    @Test
    void theLeavesKnowNoOtherLayer() {
        noClasses().that().resideInAnyPackage("vdm.errno..", "vdm.fingerprint..", "vdm.log..").should()
                .dependOnClassesThat().resideInAnyPackage("vdm.host..", "vdm.xen..", "vdm.model..", "vdm.dom0..",
                        "vdm.toolstack..", "vdm.system..", "vdm.scenario..", "vdm.explore..", "vdm.invariants..",
                        "vdm.snapshot..", "vdm.capture..", "vdm.persist..")
                .check(MAIN);
    }
}
