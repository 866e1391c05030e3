package dev.topiary.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.format.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTest {
    @TempDir
    Path tmp;

    @Test
    void ropePermutationsAreInverse() {
        int heads = 3, D = 8, cols = 5;
        float[] w = new float[heads * D * cols];
        for (int i = 0; i < w.length; i++) w[i] = i;
        float[] half = Llama2c.interleavedToHalf(w, heads, D, cols);
        assertThat(half).isNotEqualTo(w);
        // head 1, rotate-half row j*D/2 + i = 4 + 1 (j=1, i=1) is interleaved row 2i + j = 3
        assertThat(half[(1 * D + 5) * cols]).isEqualTo(w[(1 * D + 3) * cols]);
        assertThat(Llama2c.halfToInterleaved(half, heads, D, cols)).containsExactly(w);
    }

    @Test
    void truncatedAndImplausibleHeadersAreRefused() throws Exception {
        Path f = tmp.resolve("m.bin");
        ByteBuffer b = ByteBuffer.allocate(28 + 64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(8).putInt(16).putInt(1).putInt(2).putInt(2).putInt(10).putInt(4);
        Files.write(f, b.array());
        assertThatThrownBy(() -> Llama2c.load(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("m.bin")
                .hasMessageContaining("truncated");
        ByteBuffer c = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        c.putInt(8).putInt(-3).putInt(1).putInt(2).putInt(2).putInt(10).putInt(4);
        Files.write(f, c.array());
        assertThatThrownBy(() -> Llama2c.load(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("hidden_dim = -3");
    }
}
