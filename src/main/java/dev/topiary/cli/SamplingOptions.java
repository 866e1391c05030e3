package dev.topiary.cli;

import dev.topiary.generate.Sampler;
import picocli.CommandLine.Option;

/**
 * The sampling options of the commands that sample from a model ({@code --temperature}, {@code --top-p},
 * {@code --seed}), as a picocli mixin. A command with other defaults passes them to the constructor.
 */
final class SamplingOptions {
    @Option(names = "--temperature", description = "Softmax temperature; 0 = greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-p", description = "Nucleus sampling mass, in (0, 1]; 1 = off (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    /** Temperature 0.8, top-p 0.9, seed 42. */
    SamplingOptions() {
        this(0.8f, 0.9f, 42);
    }

    SamplingOptions(float temperature, float topP, long seed) {
        this.temperature = temperature;
        this.topP = topP;
        this.seed = seed;
    }

    /** A sampler seeded with {@code seed + offset}; refuses a bad temperature or top-p, naming the option. */
    Sampler sampler(long offset) {
        return new Sampler(temperature, topP, seed + offset);
    }
}
