package dev.topiary.model;

import java.util.SplittableRandom;

/**
 * Weight initialisation: the usual Llama scheme (normal with std 0.02 for matrices, ones for norm
 * weights, zeros for biases), seeded and deterministic; and a fixed sin pattern (no RNG) for tests.
 */
public final class Init {
    private Init() {}

    public static LlamaWeights normal(LlamaConfig c, long seed, double std) {
        LlamaWeights w = new LlamaWeights(c);
        SplittableRandom r = new SplittableRandom(seed);
        for (LlamaWeights.View v : w.views()) {
            float[] d = v.array();
            for (int i = 0; i < d.length; i++) {
                d[i] = switch (v.kind()) {
                    case ATTN_NORM, FFN_NORM, NORM -> 1f;
                    case BQ, BK, BV, BO -> 0f;
                    default -> (float) (r.nextGaussian() * std);
                };
            }
        }
        return w;
    }

    /** Deterministic without an RNG: w[i] = scale * sin(0.37 i + k) with a per-tensor k; norms near 1. */
    public static LlamaWeights fixed(LlamaConfig c, double scale) {
        LlamaWeights w = new LlamaWeights(c);
        int k = 0;
        for (LlamaWeights.View v : w.views()) {
            k++;
            boolean norm = switch (v.kind()) {
                case ATTN_NORM, FFN_NORM, NORM -> true;
                default -> false;
            };
            for (int i = 0; i < v.size(); i++) {
                double s = Math.sin(0.37 * i + 1.3 * k);
                v.array()[i] = (float) (norm ? 1 + 0.1 * s : scale * s);
            }
        }
        return w;
    }
}
