package dev.topiary.io;

import dev.topiary.kernels.Parallel;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.TensorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A randomly initialised checkpoint of any shape, written as a Hugging Face folder tensor by tensor
 * (an 8B model never sits in memory): matrices normal with std 0.02, norm weights 1, biases 0, as
 * Llama initialises. Row r of tensor t draws from its own seeded stream, so the file is the same
 * whatever the thread count. For testing and benchmarking shapes nobody can download here.
 */
public final class RandomCheckpoint {
    private RandomCheckpoint() {}

    /** Rows generated at once (in parallel), then streamed out. */
    private static final int BLOCK_ELEMENTS = 1 << 22;

    public static void write(Path dir, LlamaConfig c, DType dtype, long seed, double std, long shardBytes)
            throws IOException {
        List<HfCheckpoint.Tensor> tensors = new ArrayList<>();
        int index = 0;
        for (TensorKind k : TensorKind.STORAGE_ORDER) {
            if (!k.present(c)) continue;
            for (int l = 0; l < (k.perLayer ? c.layers() : 1); l++) {
                int[] shape = k.shape(c);
                long tensorSeed = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * ++index).nextLong();
                tensors.add(new HfCheckpoint.Tensor(
                        k.hfName(l), Arrays.stream(shape).asLongStream().toArray(), (spec, sink) -> {
                            int rows = shape.length == 1 ? 1 : shape[0], cols = shape.length == 1 ? shape[0] : shape[1];
                            float constant = switch (k) {
                                case ATTN_NORM, FFN_NORM, NORM -> 1f;
                                case BQ, BK, BV, BO -> 0f;
                                default -> Float.NaN;
                            };
                            int block = Math.max(1, BLOCK_ELEMENTS / cols);
                            float[] buf = new float[Math.min(rows, block) * cols];
                            for (int r0 = 0; r0 < rows; r0 += block) {
                                int n = Math.min(block, rows - r0), first = r0;
                                Parallel.forRange(n, (long) n * cols * 8, (chunk, from, to) -> {
                                    for (int i = from; i < to; i++) {
                                        if (!Float.isNaN(constant)) {
                                            Arrays.fill(buf, i * cols, (i + 1) * cols, constant);
                                            continue;
                                        }
                                        SplittableRandom r =
                                                new SplittableRandom(tensorSeed + 0xBF58476D1CE4E5B9L * (first + i));
                                        for (int j = 0; j < cols; j++)
                                            buf[i * cols + j] = (float) (r.nextGaussian() * std);
                                    }
                                });
                                sink.floats(buf, 0, n * cols);
                            }
                        }));
            }
        }
        HfCheckpoint.save(dir, c, tensors, dtype, shardBytes, null);
    }
}
