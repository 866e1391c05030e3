package dev.topiary.io;

/**
 * Element types of tensors in safetensors files, with their conversion to and from fp32.
 * Topiary computes in fp32; BF16 and F16 are storage formats.
 */
public enum DType {
    F32(4),
    F16(2),
    BF16(2);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** The safetensors spelling ("F32", "F16", "BF16"), or null when Topiary does not read it. */
    public static DType parse(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> null;
        };
    }

    /** The same type for the kernels. */
    public dev.topiary.tensor.WeightType weightType() {
        return dev.topiary.tensor.WeightType.valueOf(name());
    }

    public static float bf16ToFloat(short bits) {
        return dev.topiary.tensor.WeightType.bf16ToFloat(bits);
    }

    /** Round to nearest even, as PyTorch's {@code tensor.to(torch.bfloat16)} does; NaN stays NaN. */
    public static short floatToBf16(float f) {
        return dev.topiary.tensor.WeightType.floatToBf16(f);
    }
}
