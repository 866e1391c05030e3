package dev.topiary.model;

import dev.topiary.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The parameters of a Llama model in fp32 (the trained model, its gradients): one {@code float[]}
 * per tensor, named by a {@link View}, in {@link TensorKind#STORAGE_ORDER}. Zeroing, clipping, the
 * optimizer step and checkpointing are loops over {@link #views()}. No tensor of a Llama model
 * comes near 2^31 elements, so the model as a whole has no such limit (an 8B model's largest
 * tensor, the 128256 x 4096 embedding, has 525M).
 *
 * <p>A tied lm_head is not stored: {@link #lmHead()} is the embedding view.
 */
public final class LlamaWeights implements Weights {
    /** A named tensor: its values, row-major with {@code shape}. */
    public record View(TensorKind kind, int layer, String name, float[] array, int[] shape) {
        public int size() {
            return array.length;
        }
    }

    public final LlamaConfig config;
    private final long parameters;
    private final List<View> views;
    private final View[][] perLayer; // [L][TensorKind.ordinal()], null when absent
    private final View embed, norm, lmHead;

    public LlamaWeights(LlamaConfig config) {
        this.config = config;
        long parameters = config.parameterCount();
        long largest = 0;
        for (TensorKind k : order())
            if (k.present(config))
                largest = Math.max(
                        largest, Arrays.stream(k.shape(config)).asLongStream().reduce(1, Math::multiplyExact));
        Memory.require(
                new Memory.Need(4 * parameters, largest, "fp32 weights"),
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
                View v = new View(
                        k, k.perLayer ? l : -1, k.hfName(l), new float[(int) TensorKind.elements(shape)], shape);
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
        this.parameters = offset;
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

    /** Each view as a heap tensor over its array, made once: the forward pass asks for them per layer and token. */
    private final java.util.Map<View, Tensor> tensors = new java.util.IdentityHashMap<>();

    private static Tensor heapTensor(View v) {
        return Tensor.of(v.array(), 0, Arrays.stream(v.shape()).asLongStream().toArray());
    }

    /** Parameters stored (a tied head counted once). */
    public long parameterCount() {
        return parameters;
    }

    /** Every value in storage order, for checks on small models (at most 2^31 values). */
    public float[] flat() {
        if (parameters > Memory.MAX_ARRAY)
            throw new IllegalStateException("a model of " + parameters + " parameters has no flat copy");
        float[] out = new float[(int) parameters];
        int o = 0;
        for (View v : views) {
            System.arraycopy(v.array(), 0, out, o, v.size());
            o += v.size();
        }
        return out;
    }

    /** Sets every value to zero (gradients between steps). */
    public void zero() {
        for (View v : views) Arrays.fill(v.array(), 0f);
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
        System.arraycopy(values, 0, v.array(), 0, values.length);
    }

    public float[] get(View v) {
        return v.array().clone();
    }
}
