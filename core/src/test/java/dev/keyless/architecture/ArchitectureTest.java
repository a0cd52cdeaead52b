package dev.keyless.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Core's layers, from the bottom: text handling and bounded reads, the JWT claims reader, settings, token sources, the STS
 * client, the refresh machinery, diagnostics, and the provider on top. Each layer uses only those below it,
 * and the heavy dependencies stay where they belong. This test is the documentation of the layering that
 * cannot go stale: an upward import or a cycle fails the build.
 */
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.keyless");

    @Test
    void packages_haveNoCycles() {
        slices().matching("dev.keyless.(**)").should().beFreeOfCycles().check(CORE);
    }

    @Test
    void layers_onlyLookDown() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Provider").definedBy("dev.keyless")
                .layer("Diagnostics").definedBy("dev.keyless.diagnostics..")
                .layer("Refresh").definedBy("dev.keyless.internal.refresh..")
                .layer("Sts").definedBy("dev.keyless.sts..")
                .layer("Tokens").definedBy("dev.keyless.token..")
                .layer("Settings").definedBy("dev.keyless.settings..")
                .layer("Jwt").definedBy("dev.keyless.jwt..")
                .layer("Text").definedBy("dev.keyless.internal.text..", "dev.keyless.internal.io..")
                .whereLayer("Provider").mayNotBeAccessedByAnyLayer()
                .whereLayer("Diagnostics").mayOnlyBeAccessedByLayers("Provider")
                .whereLayer("Refresh").mayOnlyBeAccessedByLayers("Provider")
                .whereLayer("Sts").mayOnlyBeAccessedByLayers("Provider", "Diagnostics")
                .whereLayer("Tokens").mayOnlyBeAccessedByLayers("Provider", "Diagnostics")
                .whereLayer("Settings").mayOnlyBeAccessedByLayers("Provider", "Sts", "Tokens")
                .whereLayer("Jwt").mayOnlyBeAccessedByLayers("Provider", "Diagnostics", "Tokens")
                .whereLayer("Text").mayOnlyBeAccessedByLayers("Provider", "Diagnostics", "Sts", "Tokens", "Jwt")
                .check(CORE);
    }

    @Test
    void nimbus_onlyInDiagnostics() {
        noClasses().that().resideOutsideOfPackage("dev.keyless.diagnostics..")
                .should().dependOnClassesThat().resideInAPackage("com.nimbusds..")
                .because("nimbus-jose-jwt is for verifying signatures, which only diagnostics do")
                .check(CORE);
    }

    @Test
    void iamPolicyBuilder_onlyInDiagnostics() {
        noClasses().that().resideOutsideOfPackage("dev.keyless.diagnostics..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk.policybuilder..")
                .because("policy JSON is written and read only when a diagnosis is asked for")
                .check(CORE);
    }

    @Test
    void googleAuthLibrary_onlyInTheTokenSourcesThatNeedIt() {
        noClasses().that().resideOutsideOfPackage("dev.keyless.token..")
                .should().dependOnClassesThat().resideInAPackage("com.google.auth..")
                .because("google-auth-library is an optional dependency of core")
                .check(CORE);
    }
}
