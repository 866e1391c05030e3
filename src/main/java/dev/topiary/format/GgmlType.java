// GgmlType: the tensor element types a GGUF file can declare, with their ggml ids and block layout.
package dev.topiary.format;

import java.nio.file.Path;

/**
 * A ggml tensor type as stored in a GGUF tensor info ({@code uint32 type}).
 *
 * <p>Every type stores its elements in blocks: {@link #blockSize()} elements take
 * {@link #bytesPerBlock()} bytes. Plain types have blocks of one element. The ids are those of
 * {@code enum ggml_type} in ggml.h; ids that ggml has retired (4, 5, 31..33, ...) are unknown here.
 *
 * <p>All types below can be opened and their sizes checked; {@link #dequantizable()} says which
 * ones {@link GgufFile#readFloats(String)} can turn into floats.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    /** Blocks of 32: fp16 scale, then 32 int8 quants. */
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** The ggml type id, as written in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes one block takes in the file. */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** Whether {@link GgufFile#readFloats(String)} can dequantize this type. */
    public boolean dequantizable() {
        return this == F32 || this == F16 || this == BF16 || this == Q8_0;
    }

    /** Bytes taken by {@code elements} elements; the caller has checked they fill whole blocks. */
    public long byteSize(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) bytesPerBlock);
    }

    /**
     * The type with ggml id {@code id}.
     *
     * @throws ModelFormatException naming {@code file} and {@code tensor} when the id is unknown
     */
    public static GgmlType fromId(long id, Path file, String tensor) {
        GgmlType t = id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
        if (t == null) {
            throw new ModelFormatException(file, "tensor '" + tensor + "': unknown ggml type id " + id);
        }
        return t;
    }
}
