package dev.topiary.train;

import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a training run will hold, computed from the shapes before anything is allocated: the trained
 * model's fp32 weights and gradients (8 bytes a parameter, on the Java heap) and both AdamW moments
 * (8 bytes a parameter, outside the heap: see {@link AdamW}), the activations of one micro-batch (the T x T attention probabilities of every layer unless
 * {@code --recompute}), and a frozen teacher: its activations on the heap, its weights mapped from
 * disk in their stored type (page cache, outside the heap). {@link #check} refuses, with the plan in
 * the message, a run that cannot fit, so it fails in a second instead of after an hour.
 */
public record MemoryPlan(
        long parameters,
        long weights,
        long gradients,
        long moments,
        long activations,
        long teacherActivations,
        long teacherMapped,
        long heapMax,
        long physical) {

    public static MemoryPlan of(LlamaConfig student, int batch, int seqLen, boolean recompute, Weights teacher) {
        long p = student.parameterCount();
        long ta = teacher == null ? 0 : LlamaTrain.Activations.estimateBytes(teacher.config(), batch, seqLen, false);
        long tm = teacher == null ? 0 : teacher.storedBytes();
        // teacher weights already on the heap (an fp32 buffer) count as heap, not mapping
        boolean teacherOnHeap = teacher != null
                && teacher.tensor(dev.topiary.model.TensorKind.EMBED, 0).array() != null;
        return new MemoryPlan(
                p,
                4 * p,
                4 * p,
                8 * p,
                LlamaTrain.Activations.estimateBytes(student, batch, seqLen, recompute),
                ta,
                teacherOnHeap ? 0 : tm,
                Runtime.getRuntime().maxMemory(),
                physicalMemory());
    }

    /** Heap bytes the run needs (weights, gradients, activations). */
    public long heap() {
        return weights + gradients + activations + teacherActivations;
    }

    /**
     * Refuses a run whose heap need exceeds the JVM's heap, whose heap and moments (which cannot be paged
     * out) exceed physical memory, or whose heap plus mapped teacher exceed it by far.
     */
    public void check() {
        if (heap() > heapMax * 0.95)
            throw new IllegalArgumentException(
                    "this run needs " + gib(heap()) + " of Java heap but the JVM may use " + gib(heapMax)
                            + ": " + this
                            + ". Ways out: --recompute (attention probabilities of one layer), a smaller --batch with "
                            + "--accum, a shorter --seq-len, or a larger heap (TOPIARY_JAVA_OPTS=-Xmx...)");
        if (physical > 0 && heap() + moments > physical * 0.95)
            throw new IllegalArgumentException("this run needs " + gib(heap()) + " of heap plus " + gib(moments)
                    + " of AdamW moments outside it, more than the machine's " + gib(physical) + " of memory: " + this
                    + ". Choose a smaller student, or a machine with more memory");
        if (physical > 0 && heap() + moments + teacherMapped > physical * 1.5)
            throw new IllegalArgumentException(
                    "this run needs " + gib(heap() + moments) + " of memory plus a " + gib(teacherMapped)
                            + " mapped teacher, far beyond the machine's " + gib(physical) + " of memory: " + this
                            + ". Use --teacher-cache (top-k logits computed once), a smaller student or teacher");
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "weights %s + gradients %s + activations %s%s (heap %s of %s) + AdamW moments %s off the heap%s",
                gib(weights),
                gib(gradients),
                gib(activations),
                teacherActivations > 0 ? " + teacher activations " + gib(teacherActivations) : "",
                gib(heap()),
                gib(heapMax),
                gib(moments),
                teacherMapped > 0 ? "; teacher mapped " + gib(teacherMapped) : "");
    }

    static String gib(long bytes) {
        return bytes >= 1L << 30
                ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    /** MemTotal from /proc/meminfo, or 0 where it cannot be read. */
    static long physicalMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
