package vdm.pci.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * pci-config is the bottom of vdm: its main classes use the JDK and their own packages only (not ioapic, not the
 * device model, no library), and its packages form no cycle. Checked on the compiled classes by {@code verify}.
 */
class PciConfigArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("vdm.pci");

    @Test
    void pciConfigImportsOnlyTheJdkAndItself() {
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("java..", "vdm.pci..")
                .because("pci-config is JDK-only: every other module builds on it").check(MAIN);
    }

    @Test
    void pciConfigPackagesFormNoCycle() {
        slices().matching("vdm.(**)").should().beFreeOfCycles().check(MAIN);
    }
}
