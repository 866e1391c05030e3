package dev.topiary.prune;

import dev.topiary.io.DType;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.TensorKind;
import dev.topiary.model.Weights;
import dev.topiary.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Surgery} without holding either model: each pruned tensor is produced row by row from the
 * source's (memory-mapped) tensor and streamed into safetensors shards. Rows kept whole, in the
 * output's type, are copied as stored bytes (BF16 in, BF16 out, bit for bit); column selections
 * and type changes go through fp32, which is exact for BF16/F16 sources. Heap use is one row.
 *
 * <p>The slicing rules are Surgery's: every consumer of the residual stream is cut with the same
 * channel list, heads group by group, gate and up with one neuron list; llama.cpp's interleaved
 * q/k rows (a GGUF source) are written in Hugging Face's rotate-half order.
 */
public final class StreamingSurgery {
    private StreamingSurgery() {}

    /** The pruned model's config (checked as Surgery checks it). */
    public static LlamaConfig config(LlamaConfig c, Surgery.Keep keep) {
        return Surgery.prunedConfig(c, keep);
    }

    /** Writes the pruned model to {@code dir} (config.json and safetensors shards of at most shardBytes). */
    public static LlamaConfig write(Weights w, Surgery.Keep keep, Path dir, DType dtype, long shardBytes)
            throws IOException {
        return write(w, keep, dir, dtype, shardBytes, null);
    }

    /** As above, with the tokenizer files of {@code tokenizerSource} (null: none); the folder appears whole or not at all. */
    public static LlamaConfig write(
            Weights w, Surgery.Keep keep, Path dir, DType dtype, long shardBytes, Path tokenizerSource)
            throws IOException {
        LlamaConfig c = w.config(), nc = config(c, keep);
        int D = c.headDim();
        int[] kh = keep.hidden();
        List<HfCheckpoint.Tensor> out = new ArrayList<>();
        for (TensorKind k :
                TensorKind.STORAGE_ORDER) { // HF names are sorted when written; this order is for the reader
            if (!k.present(nc)) continue;
            for (int j = 0; j < (k.perLayer ? nc.layers() : 1); j++) {
                int l = k.perLayer ? keep.layers()[j] : 0;
                Surgery.Slice s = Surgery.slice(k, l, keep, c.headDim());
                out.add(tensor(w, k, l, j, nc, s.rows(), s.cols(), dtype));
            }
        }
        HfCheckpoint.save(dir, nc, out, dtype, shardBytes, tokenizerSource);
        return nc;
    }

    /** Output tensor {@code kind} of new layer j from source layer l: rows then columns selected (null: all). */
    private static HfCheckpoint.Tensor tensor(
            Weights w, TensorKind kind, int l, int j, LlamaConfig nc, int[] rows, int[] keptCols, DType dtype) {
        Tensor src = w.tensor(kind, l);
        LlamaConfig c = w.config();
        // every column kept: whole rows, copied as stored bytes when the type stays
        int[] cols = keptCols != null && identity(keptCols, src.cols()) ? null : keptCols;
        int heads = switch (kind) {
            case WQ, BQ -> c.heads();
            case WK, BK -> c.kvHeads();
            default -> 0;
        };
        int[] rowMap = rows;
        if (heads > 0 && w.interleavedRope()) {
            int n = (int) (src.shape().length == 1 ? src.elements() : src.rows());
            rowMap = interleaved(rows != null ? rows : Surgery.range(n), c.headDim());
        }
        int[] shape = kind.shape(nc);
        long[] outShape = java.util.Arrays.stream(shape).asLongStream().toArray();
        final int[] rm = rowMap;
        boolean vector = shape.length == 1;
        return new HfCheckpoint.Tensor(kind.hfName(j), outShape, (spec, sink) -> {
            if (vector) {
                float[] all = src.toFloats();
                float[] v = new float[shape[0]];
                for (int i = 0; i < v.length; i++) v[i] = all[rm == null ? i : rm[i]];
                sink.floats(v, 0, v.length);
                return;
            }
            int outRows = shape[0], outCols = shape[1], srcCols = (int) src.cols();
            boolean rawRows = cols == null && src.type() == dtype.weightType();
            long rowBytes = src.type().bytes(srcCols);
            float[] row = new float[srcCols], picked = cols == null ? row : new float[outCols];
            MemorySegment seg = rawRows ? src.segment() : null;
            for (int r = 0; r < outRows; r++) {
                long sr = rm == null ? r : rm[r];
                if (rawRows) {
                    sink.raw(seg.asSlice(sr * rowBytes, rowBytes));
                    continue;
                }
                src.readRow(sr, 0, srcCols, row, 0);
                if (cols != null) for (int k = 0; k < outCols; k++) picked[k] = row[cols[k]];
                sink.floats(picked, 0, outCols);
            }
        });
    }

    /** Whether {@code cols} keeps every one of n columns, in order. */
    private static boolean identity(int[] cols, long n) {
        if (cols.length != n) return false;
        for (int i = 0; i < cols.length; i++) if (cols[i] != i) return false;
        return true;
    }

    /** Source rows (interleaved layout) for wanted rows given in rotate-half layout, per head of D rows. */
    private static int[] interleaved(int[] halfRows, int D) {
        int[] out = new int[halfRows.length];
        for (int i = 0; i < halfRows.length; i++) {
            int r = halfRows[i], h = r / D, j = r % D;
            out[i] = h * D + (j < D / 2 ? 2 * j : 2 * (j - D / 2) + 1);
        }
        return out;
    }
}
