package dev.topiary.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.io.Safetensors;
import dev.topiary.kernels.Kernels;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tensor of more than 2^31 elements (5 GB of BF16 in a sparse file that takes no disk space):
 * opened, read and computed with at element offsets past 2^31, where int arithmetic would wrap.
 */
class HugeTensorTest {
    @TempDir
    Path tmp;

    @Test
    void bf16TensorPastTwoToThe31Elements() throws Exception {
        long rows = (1L << 21) + 512, cols = 1024, elements = rows * cols; // 2^31 + 2^19 elements
        assertThat(elements).isGreaterThan(Integer.MAX_VALUE);
        String json = "{\"big\":{\"dtype\":\"BF16\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[0,"
                + 2 * elements + "]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        Path file = tmp.resolve("huge.safetensors");
        long dataStart = 8 + header.length, lastRow = rows - 1;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(header.length)
                    .array());
            f.write(header);
            f.setLength(dataStart + 2 * elements); // sparse: no blocks written
            // write row rows-1 = 1.5 + (k % 7) as bf16, past byte 2^32
            ByteBuffer row = ByteBuffer.allocate((int) (2 * cols)).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < cols; k++) row.putShort(WeightType.floatToBf16(1.5f + k % 7));
            f.seek(dataStart + 2 * lastRow * cols);
            f.write(row.array());
        }
        try (Safetensors st = Safetensors.open(file)) {
            Tensor t = st.tensor("big");
            assertThat(t.elements()).isEqualTo(elements);
            assertThat(t.byteSize()).isEqualTo(2 * elements);
            long i = lastRow * cols + 5;
            assertThat(i).isGreaterThan(Integer.MAX_VALUE);
            assertThat(t.get(i)).isEqualTo(1.5f + 5);
            assertThat(t.get(i - cols)).isEqualTo(0f);
            float[] back = new float[(int) cols];
            t.readRow(lastRow, 0, (int) cols, back, 0);
            for (int k = 0; k < cols; k++) assertThat(back[k]).isEqualTo(1.5f + k % 7);
            // the kernels on the last rows (a row view at byte offset > 2^32): both paths
            Tensor tail = t.rows(rows - 6, 6);
            float[] x = new float[(int) (5 * cols)], out = new float[5 * 6], ref = new float[5 * 6];
            for (int k = 0; k < x.length; k++) x[k] = (k % 13) * 0.25f;
            for (int B : new int[] {1, 5}) {
                Kernels.get().matmul(out, 0, x, 0, tail, null, 0, B, (int) cols, 6);
                Kernels.scalar().matmul(ref, 0, x, 0, tail, null, 0, B, (int) cols, 6);
                for (int b = 0; b < B; b++) {
                    double expected = 0;
                    for (int k = 0; k < cols; k++) expected += (double) x[(int) (b * cols + k)] * (1.5f + k % 7);
                    assertThat((double) out[b * 6 + 5])
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3 * expected));
                    assertThat(out[b * 6 + 4]).isEqualTo(0f);
                    assertThat((double) ref[b * 6 + 5])
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3 * expected));
                }
            }
        }
    }
}
