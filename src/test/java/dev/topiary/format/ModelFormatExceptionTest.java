package dev.topiary.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelFormatExceptionTest {
    @Test
    void messageNamesTheFile() {
        assertThat(new ModelFormatException(Path.of("a.safetensors"), "bad").getMessage())
                .isEqualTo("a.safetensors: bad");
    }
}
