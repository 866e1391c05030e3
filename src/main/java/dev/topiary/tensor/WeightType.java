package dev.topiary.tensor;

/**
 * How a weight tensor's elements are stored. Topiary computes in fp32; these are the storage types
 * the kernels read directly (converting in registers).
 *
 * <pre>
 *   F32    4 bytes an element
 *   F16    2 bytes (IEEE half)
 *   BF16   2 bytes (the top half of an fp32)
 *   Q8_0   blocks of 32 elements, 34 bytes: an F16 scale d, then 32 int8 q;  value = d * q
 * </pre>
 */
public enum WeightType {
    F32(1, 4),
    F16(1, 2),
    BF16(1, 2),
    Q8_0(32, 34);

    /** Elements per block (1 for plain types). */
    public final int blockSize;
    /** Bytes one block takes. */
    public final int bytesPerBlock;

    WeightType(int blockSize, int bytesPerBlock) {
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** Bytes that {@code elements} elements take; they must fill whole blocks. */
    public long bytes(long elements) {
        if (elements % blockSize != 0)
            throw new IllegalArgumentException(
                    this + " stores blocks of " + blockSize + " elements; " + elements + " is not a multiple");
        return elements / blockSize * bytesPerBlock;
    }

    /** The type by its usual name (F32, F16, BF16, Q8_0; case-insensitive), or null. */
    public static WeightType parse(String name) {
        for (WeightType t : values()) if (t.name().equalsIgnoreCase(name)) return t;
        return null;
    }

    /**
     * Stores {@code n} fp32 values (whole blocks) at {@code dst[dstOff ...]} in this type: rounded to
     * nearest even for F16/BF16; for Q8_0, per block d = max|x| / 127 (kept as F16) and q = roundf(x / d),
     * as llama.cpp quantizes.
     */
    public void encode(float[] src, int off, int n, java.lang.foreign.MemorySegment dst, long dstOff) {
        var sh = java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 ->
                java.lang.foreign.MemorySegment.copy(
                        src,
                        off,
                        dst,
                        java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                        dstOff,
                        n);
            case BF16 -> {
                for (int i = 0; i < n; i++) dst.set(sh, dstOff + 2L * i, floatToBf16(src[off + i]));
            }
            case F16 -> {
                for (int i = 0; i < n; i++) dst.set(sh, dstOff + 2L * i, Float.floatToFloat16(src[off + i]));
            }
            case Q8_0 -> {
                if (n % 32 != 0)
                    throw new IllegalArgumentException("Q8_0 needs whole blocks of 32, got " + n + " values");
                for (int b = 0; b < n / 32; b++) {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[off + 32 * b + j]));
                    float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
                    long base = dstOff + 34L * b;
                    dst.set(sh, base, Float.floatToFloat16(d));
                    for (int j = 0; j < 32; j++) { // halves rounded away from zero, as C's roundf
                        float v = src[off + 32 * b + j] * id;
                        dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, base + 2 + j, (byte)
                                (v < 0 ? -Math.round(-v) : Math.round(v)));
                    }
                }
            }
        }
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round to nearest even, as PyTorch's {@code tensor.to(torch.bfloat16)} does; NaN stays NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
