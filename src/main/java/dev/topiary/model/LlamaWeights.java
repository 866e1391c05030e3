package dev.topiary.model;

import dev.topiary.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The parameters of a Llama model in fp32, llm.c style: one flat {@code float[]} holding every
 * tensor back to back in {@link TensorKind} order (layer by layer), with named views into it.
 * Zeroing, clipping, the optimizer step and checkpointing are then single loops over {@link #data}.
 *
 * <p>A tied lm_head is not stored: {@link #lmHead()} is the embedding view.
 */
public final class LlamaWeights implements Weights {
    /** A named slice of {@link #data}: elements {@code [offset, offset + size)}, row-major with {@code shape}. */
    public record View(TensorKind kind, int layer, String name, int offset, int[] shape) {
        public int size() {
            return TensorKind.elements(shape);
        }
    }

    public final LlamaConfig config;
    public final float[] data;
    private final List<View> views;
    private final View[][] perLayer; // [L][TensorKind.ordinal()], null when absent
    private final View embed, norm, lmHead;

    public LlamaWeights(LlamaConfig config) {
        this.config = config;
        long parameters = config.parameterCount();
        if (parameters > Memory.MAX_ARRAY)
            throw new IllegalArgumentException("the model has " + parameters + " parameters (hidden " + config.hidden()
                    + ", vocab " + config.vocab() + ", layers " + config.layers() + "); the fp32 engine holds at most "
                    + Memory.MAX_ARRAY);
        Memory.require(
                new Memory.Need(4 * parameters, parameters, "fp32 weights"),
                "a model of " + parameters + " parameters",
                "choose a smaller model");
        List<View> vs = new ArrayList<>();
        perLayer = new View[config.layers()][TensorKind.values().length];
        long offset = 0;
        View e = null, n = null, h = null;
        for (TensorKind k : order()) {
            if (!k.present(config)) continue;
            int count = k.perLayer ? config.layers() : 1;
            for (int l = 0; l < count; l++) {
                int[] shape = k.shape(config);
                if (offset + TensorKind.elements(shape) > Integer.MAX_VALUE - 8)
                    throw new IllegalArgumentException(
                            "model has more than 2^31 parameters; the fp32 engine holds at most "
                                    + (Integer.MAX_VALUE - 8) + " (" + config.parameterCount() + " needed)");
                View v = new View(k, k.perLayer ? l : -1, k.hfName(l), (int) offset, shape);
                offset += v.size();
                vs.add(v);
                if (k.perLayer) perLayer[l][k.ordinal()] = v;
                else if (k == TensorKind.EMBED) e = v;
                else if (k == TensorKind.NORM) n = v;
                else h = v;
            }
        }
        this.views = Collections.unmodifiableList(vs);
        this.embed = e;
        this.norm = n;
        this.lmHead = h != null ? h : e;
        this.data = new float[(int) offset];
        for (View v : views) tensors.put(v, heapTensor(v));
    }

    /** Storage order: embedding, then each per-layer kind for all layers, then final norm and head. */
    private static List<TensorKind> order() {
        return TensorKind.STORAGE_ORDER;
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    /** Each view as a heap tensor over {@link #data}, made once: the forward pass asks for them per layer and token. */
    private final java.util.Map<View, Tensor> tensors = new java.util.IdentityHashMap<>();

    private Tensor heapTensor(View v) {
        return Tensor.of(
                data,
                v.offset(),
                java.util.Arrays.stream(v.shape()).asLongStream().toArray());
    }

    @Override
    public Tensor tensor(TensorKind kind, int layer) {
        View v = kind == TensorKind.LM_HEAD ? lmHead : view(kind, layer);
        return v == null ? null : tensors.get(v);
    }

    /** Every stored tensor, in storage order. */
    public List<View> views() {
        return views;
    }

    /** A per-layer tensor, or null if this configuration does not have it (e.g. biases). */
    public View layer(int l, TensorKind k) {
        return perLayer[l][k.ordinal()];
    }

    public View embed() {
        return embed;
    }

    public View norm() {
        return norm;
    }
    /** The output projection (V, C): the embedding itself when tied. */
    public View lmHead() {
        return lmHead;
    }

    public View view(TensorKind k, int layer) {
        return k.perLayer
                ? layer(layer, k)
                : switch (k) {
                    case EMBED -> embed;
                    case NORM -> norm;
                    case LM_HEAD -> config.tieEmbeddings() ? null : lmHead;
                    default -> throw new AssertionError(k);
                };
    }

    public void set(View v, float[] values) {
        if (values.length != v.size())
            throw new IllegalArgumentException(v.name() + ": expected " + v.size() + " values, got " + values.length);
        System.arraycopy(values, 0, data, v.offset(), values.length);
    }

    public float[] get(View v) {
        float[] out = new float[v.size()];
        System.arraycopy(data, v.offset(), out, 0, out.length);
        return out;
    }
}
