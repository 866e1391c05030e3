package dev.topiary.model;

import dev.topiary.tensor.Tensor;

/**
 * The tensors the inference forward pass reads, each in its stored type: the trained model's fp32
 * arrays ({@link LlamaWeights}) or a memory-mapped checkpoint ({@code io.MappedModel}), where a
 * bf16 8B model opens in milliseconds and nothing is read until used.
 *
 * <p>Norm weights and biases are small and always fp32 on the heap ({@link Tensor#array()} is set).
 */
public interface Weights {
    LlamaConfig config();

    /** The tensor of {@code kind} (layer ignored for whole-model kinds); LM_HEAD is the embedding when tied; null when absent. */
    Tensor tensor(TensorKind kind, int layer);

    /**
     * Whether q/k rows are in llama.cpp's interleaved RoPE layout (pairs 2i, 2i+1) rather than
     * Hugging Face's rotate-half (i, i + D/2): true for llama-architecture GGUF files read as they are.
     */
    default boolean interleavedRope() {
        return false;
    }

    /** Bytes the weights take in their stored types. */
    default long storedBytes() {
        long n = 0;
        LlamaConfig c = config();
        for (TensorKind k : TensorKind.values()) {
            if (!k.present(c)) continue;
            int count = k.perLayer ? c.layers() : 1;
            for (int l = 0; l < count; l++) n += tensor(k, l).byteSize();
        }
        return n;
    }
}
