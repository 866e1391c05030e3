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
 * model's fp32 weights, gradients and both AdamW moments (16 bytes a parameter, on the Java heap),
 * the activations of one micro-batch (the T x T attention probabilities of every layer unless
 * {@code --recompute}), and a frozen teacher: its activations on the heap, its weights mapped from
 * disk in their stored type (page cache, outside the heap). {@link #check} refuses, with the plan in
 * the message, a run that cannot fit, so it fails in a second instead of after an hour.
 */
public record MemoryPlan(
        long parameters,
        long weights,
        long optimizer,
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
                12 * p,
                LlamaTrain.Activations.estimateBytes(student, batch, seqLen, recompute),
                ta,
                teacherOnHeap ? 0 : tm,
                Runtime.getRuntime().maxMemory(),
                physicalMemory());
    }

    /** Heap bytes the run needs (weights, gradients, moments, activations). */
    public long heap() {
        return weights + optimizer + activations + teacherActivations;
    }

    /** Refuses a run whose heap need exceeds the JVM's heap, or whose heap plus mapped teacher exceed physical memory. */
    public void check() {
        if (heap() > heapMax * 0.95)
            throw new IllegalArgumentException(
                    "this run needs " + gib(heap()) + " of Java heap but the JVM may use " + gib(heapMax)
                            + ": " + this
                            + ". Ways out: --recompute (attention probabilities of one layer), a smaller --batch with "
                            + "--accum, a shorter --seq-len, or a larger heap (TOPIARY_JAVA_OPTS=-Xmx...)");
        if (physical > 0 && heap() + teacherMapped > physical * 1.5)
            throw new IllegalArgumentException("this run needs " + gib(heap()) + " of heap plus a " + gib(teacherMapped)
                    + " mapped teacher, far beyond the machine's " + gib(physical) + " of memory: " + this
                    + ". Use --teacher-cache (top-k logits computed once), a smaller student or teacher");
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "weights %s + gradients and AdamW moments %s + activations %s%s (heap %s of %s)%s",
                gib(weights),
                gib(optimizer),
                gib(activations),
                teacherActivations > 0 ? " + teacher activations " + gib(teacherActivations) : "",
                gib(heap()),
                gib(heapMax),
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
