package vdm.ioapic;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** ioapic uses the JDK and its own package only (not pci-config, not the device model), with no package cycle. */
class IoApicArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("vdm.ioapic");

    @Test
    void ioapicImportsOnlyTheJdkAndItself() {
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("java..", "vdm.ioapic..")
                .because("ioapic is JDK-only and independent of pci-config").check(MAIN);
    }

    @Test
    void ioapicPackagesFormNoCycle() {
        slices().matching("vdm.(**)").should().beFreeOfCycles().check(MAIN);
    }
}
