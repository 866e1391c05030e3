package dev.topiary;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code dev.topiary} form layers; a class may use its own layer and the layers below it, never one
 * above. From the bottom:
 * <ol>
 *   <li>{@code tensor}, {@code format}: typed tensor views; file containers (GGUF reader and writer), atomic
 *       writes and {@code ModelFormatException}. They know nothing of models.</li>
 *   <li>{@code kernels}: matmul and friends, scalar and SIMD, and the thread pool.</li>
 *   <li>{@code nn}: the layers as static forward/backward kernels (attention, RoPE, RMSNorm, SwiGLU, losses); plain
 *       arrays and numbers in, no model config.</li>
 *   <li>{@code model}: the Llama config, weights, forward pass and training pass.</li>
 *   <li>{@code tokenizer}, {@code io}: vocabularies and text to ids; model checkpoints on disk (Hugging Face,
 *       GGUF, llama2.c) with their tokenizers.</li>
 *   <li>{@code eval}, {@code generate}, {@code prune}, {@code train}, {@code distill}, {@code chat},
 *       {@code align}, {@code verify}: what is done with a model.</li>
 *   <li>{@code recipe}, {@code report}: the whole compression recipe and its HTML report.</li>
 *   <li>{@code cli}: the {@code topiary} commands, on top of everything.</li>
 * </ol>
 * Within a layer packages may use each other, but no two packages anywhere may depend on each other in a circle
 * ({@link #packagesAreFreeOfCycles}). A new package must be given a layer here ({@link #everyPackageHasALayer}).
 * Only production classes are checked: a test may reach anywhere.
 */
class LayeringTest {
    private static final String ROOT = "dev.topiary";

    /** Bottom first. */
    private static final List<List<String>> LAYERS = List.of(
            List.of("tensor", "format"),
            List.of("kernels"),
            List.of("nn"),
            List.of("model"),
            List.of("tokenizer", "io"),
            List.of("eval", "generate", "prune", "train", "distill", "chat", "align", "verify"),
            List.of("recipe", "report"),
            List.of("cli"));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void noPackageUsesALayerAboveIt() {
        for (int i = 0; i < LAYERS.size() - 1; i++) {
            List<String> above = new ArrayList<>();
            for (List<String> layer : LAYERS.subList(i + 1, LAYERS.size())) above.addAll(layer);
            noClasses()
                    .that()
                    .resideInAnyPackage(packages(LAYERS.get(i)))
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(packages(above))
                    .because(LAYERS.get(i) + " sit below " + above + " (see LayeringTest's javadoc)")
                    .check(MAIN);
        }
    }

    @Test
    void everyPackageHasALayer() {
        List<String> all = new ArrayList<>();
        for (List<String> layer : LAYERS) all.addAll(layer);
        classes()
                .should()
                .resideInAnyPackage(packages(all))
                .because("each package of " + ROOT + " is given a layer in LayeringTest")
                .check(MAIN);
    }

    private static String[] packages(List<String> names) {
        return names.stream().map(n -> ROOT + "." + n + "..").toArray(String[]::new);
    }
}
