package dev.topiary.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A weight tensor in its stored type: a row-major array of {@link #elements()} values behind a
 * {@link MemorySegment} (a memory-mapped file region, so nothing is read until used), or an fp32
 * slice of a Java array (a tensor of the trained model). Indices are {@code long}: a tensor may
 * hold more than 2^31 elements.
 *
 * <p>Matrices are PyTorch's (out_features, in_features) = ({@link #rows()}, {@link #cols()}); a
 * Q8_0 row must fill whole blocks (cols a multiple of 32), as in GGUF.
 */
public final class Tensor {
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final WeightType type;
    private final long[] shape;
    private final long elements;
    private final MemorySegment segment; // element 0 at byte 0 (null for heap tensors)
    private final float[] array; // heap fp32 tensors
    private final int arrayOffset;

    private Tensor(WeightType type, long[] shape, MemorySegment segment, float[] array, int arrayOffset) {
        this.type = type;
        this.shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        this.elements = n;
        this.segment = segment;
        this.array = array;
        this.arrayOffset = arrayOffset;
        if (type == WeightType.Q8_0 && cols() % WeightType.Q8_0.blockSize != 0)
            throw new IllegalArgumentException(
                    "Q8_0 rows must be a multiple of 32 elements, shape " + Arrays.toString(shape));
    }

    /** A tensor of {@code type} stored in {@code segment} (which must hold exactly its bytes). */
    public static Tensor of(WeightType type, MemorySegment segment, long... shape) {
        Tensor t = new Tensor(type, shape, segment, null, 0);
        if (segment.byteSize() != t.byteSize())
            throw new IllegalArgumentException(type + " " + Arrays.toString(shape) + " takes " + t.byteSize()
                    + " bytes, segment has " + segment.byteSize());
        return t;
    }

    /** An fp32 tensor over {@code array[offset ...]} (no copy). */
    public static Tensor of(float[] array, int offset, long... shape) {
        Tensor t = new Tensor(WeightType.F32, shape, null, array, offset);
        if (offset < 0 || offset + t.elements > array.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " at offset " + offset
                    + " exceeds an array of " + array.length);
        return t;
    }

    /** {@code values} stored as {@code type} in a new off-heap segment (rounded, or quantized for Q8_0). */
    public static Tensor encode(WeightType type, float[] values, long... shape) {
        MemorySegment seg = java.lang.foreign.Arena.ofAuto()
                .allocate(Math.max(1, type.bytes(values.length)), 8)
                .asSlice(0, type.bytes(values.length));
        type.encode(values, 0, values.length, seg, 0);
        return of(type, seg, shape);
    }

    public WeightType type() {
        return type;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long elements() {
        return elements;
    }

    /** Rows of a matrix (the product of all but the last dimension; 1 for a vector). */
    public long rows() {
        return shape.length == 0 ? 1 : elements / Math.max(1, shape[shape.length - 1]);
    }

    /** The last dimension. */
    public long cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    public long byteSize() {
        return type.bytes(elements);
    }

    /** The Java array of a heap fp32 tensor, or null for a segment-backed one. */
    public float[] array() {
        return array;
    }

    /** Where a heap tensor's element 0 is in {@link #array()}. */
    public int arrayOffset() {
        return arrayOffset;
    }

    /** The stored bytes (for a heap tensor, a view of its array). */
    public MemorySegment segment() {
        if (segment != null) return segment;
        return MemorySegment.ofArray(array).asSlice((long) arrayOffset * 4, elements * 4);
    }

    /** Rows [first, first + count) of a matrix, as a matrix over the same storage (no copy). */
    public Tensor rows(long first, long count) {
        long rows = rows(), cols = cols();
        if (first < 0 || count < 0 || first + count > rows)
            throw new IndexOutOfBoundsException(
                    "rows [" + first + ", " + (first + count) + ") of " + Arrays.toString(shape));
        if (array != null) return of(array, Math.toIntExact(arrayOffset + first * cols), count, cols);
        long rowBytes = type.bytes(cols);
        return of(type, segment.asSlice(first * rowBytes, count * rowBytes), count, cols);
    }

    /** Element i as fp32 (the plain reference path; kernels read rows in bulk). */
    public float get(long i) {
        if (i < 0 || i >= elements) throw new IndexOutOfBoundsException("element " + i + " of " + elements);
        if (array != null) return array[arrayOffset + (int) i];
        return switch (type) {
            case F32 -> segment.get(FLOAT, i * 4);
            case BF16 -> WeightType.bf16ToFloat(segment.get(SHORT, i * 2));
            case F16 -> Float.float16ToFloat(segment.get(SHORT, i * 2));
            case Q8_0 -> {
                long block = i / 32, base = block * 34;
                yield Float.float16ToFloat(segment.get(SHORT, base))
                        * segment.get(ValueLayout.JAVA_BYTE, base + 2 + i % 32);
            }
        };
    }

    /** Row {@code row}'s elements {@code [from, from + count)} converted to fp32 into {@code dst[dstOff ...]}. */
    public void readRow(long row, int from, int count, float[] dst, int dstOff) {
        long cols = cols();
        if (row < 0 || row >= rows() || from < 0 || count < 0 || from + count > cols)
            throw new IndexOutOfBoundsException(
                    "row " + row + " [" + from + ", " + (from + count) + ") of " + Arrays.toString(shape));
        long first = row * cols + from;
        if (array != null) {
            System.arraycopy(array, arrayOffset + (int) first, dst, dstOff, count);
            return;
        }
        switch (type) {
            case F32 -> MemorySegment.copy(segment, FLOAT, first * 4, dst, dstOff, count);
            case BF16 -> {
                for (int i = 0; i < count; i++)
                    dst[dstOff + i] = Float.intBitsToFloat((segment.get(SHORT, (first + i) * 2) & 0xffff) << 16);
            }
            case F16 -> {
                for (int i = 0; i < count; i++)
                    dst[dstOff + i] = Float.float16ToFloat(segment.get(SHORT, (first + i) * 2));
            }
            case Q8_0 -> {
                int i = 0;
                while (i < count) {
                    long e = first + i, block = e / 32, base = block * 34;
                    float d = Float.float16ToFloat(segment.get(SHORT, base));
                    int in = (int) (e % 32), n = Math.min(32 - in, count - i);
                    for (int j = 0; j < n; j++)
                        dst[dstOff + i + j] = d * segment.get(ValueLayout.JAVA_BYTE, base + 2 + in + j);
                    i += n;
                }
            }
        }
    }

    /** All elements as fp32 (for small tensors: norms, biases; refused above 2^31 - 8 elements). */
    public float[] toFloats() {
        if (elements > Integer.MAX_VALUE - 8)
            throw new IllegalStateException(
                    "tensor " + Arrays.toString(shape) + " has " + elements + " elements, more than one array holds");
        float[] out = new float[(int) elements];
        copyTo(out);
        return out;
    }

    /** All elements converted to fp32 into {@code dst}, which holds exactly {@link #elements()}. */
    public void copyTo(float[] dst) {
        if (dst.length != elements)
            throw new IllegalArgumentException(
                    "tensor " + Arrays.toString(shape) + " has " + elements + " elements, the array " + dst.length);
        if (elements == 0) return;
        long cols = cols();
        if (cols <= Integer.MAX_VALUE) {
            for (long r = 0; r < rows(); r++) readRow(r, 0, (int) cols, dst, (int) (r * cols));
        } else {
            for (int i = 0; i < dst.length; i++) dst[i] = get(i);
        }
    }

    @Override
    public String toString() {
        return type + Arrays.toString(shape);
    }
}
