package dev.topiary.model;

import dev.topiary.tensor.Tensor;

/**
 * A view of a model without some of its layers: layer i of the view is layer {@code keep[i]} of the
 * base. Nothing is copied, so dropping a window of layers from a mapped 8B model to measure the
 * loss costs no memory.
 */
public final class LayerSubset implements Weights {
    private final Weights base;
    private final int[] keep;
    private final LlamaConfig config;

    public LayerSubset(Weights base, int[] keep) {
        LlamaConfig c = base.config();
        for (int l : keep)
            if (l < 0 || l >= c.layers())
                throw new IllegalArgumentException("layer " + l + " outside [0, " + c.layers() + ")");
        this.base = base;
        this.keep = keep.clone();
        this.config = c.withShape(c.hidden(), c.intermediate(), keep.length, c.heads());
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public Tensor tensor(TensorKind kind, int layer) {
        return base.tensor(kind, kind.perLayer ? keep[layer] : layer);
    }

    @Override
    public boolean interleavedRope() {
        return base.interleavedRope();
    }
}
