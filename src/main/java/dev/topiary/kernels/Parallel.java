package dev.topiary.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The engine's threads: {@code -Dtopiary.threads=N} (default: all cores). Work is split into one
 * contiguous chunk per thread, so each thread streams its own rows of a weight matrix. The calling
 * thread computes the first chunk itself and a pool of N - 1 workers the others, so that N threads
 * share N cores (with a pool of N workers the caller waited beside them: N + 1 threads).
 */
public final class Parallel {
    private Parallel() {}

    private static final int THREADS = Math.max(
            1, Integer.getInteger("topiary.threads", Runtime.getRuntime().availableProcessors()));
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS - 1) : null;

    /** Set while the calling thread computes its own chunk: loops nested in it run inline, as in a worker. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    public static int threads() {
        return THREADS;
    }

    /** Body of a parallel loop over the chunk {@code [from, to)} handled by thread slot {@code chunk}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int chunk, int from, int to);
    }

    /** Below this many multiply-adds a loop runs on the calling thread: a fork costs more than it saves. */
    public static final long MIN_PARALLEL_WORK = 1 << 15;

    /** Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} contiguous chunks. */
    public static void forRange(int n, RangeBody body) {
        forRange(n, Long.MAX_VALUE, body);
    }

    /**
     * As {@link #forRange(int, RangeBody)}, but runs on the calling thread when the total
     * {@code work} (in multiply-adds, roughly) is under {@link #MIN_PARALLEL_WORK}.
     */
    public static void forRange(int n, long work, RangeBody body) {
        int chunks = work < MIN_PARALLEL_WORK ? 1 : Math.min(THREADS, n);
        boolean[] inside = INSIDE.get();
        if (chunks <= 1
                || inside[0]
                || Thread.currentThread() instanceof ForkJoinWorkerThread t && t.getPool() == POOL) {
            if (n > 0) body.run(0, 0, n);
            return;
        }
        RecursiveAction[] tasks = new RecursiveAction[chunks];
        for (int c = 1; c < chunks; c++) {
            final int chunk = c, from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            tasks[c] = new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(chunk, from, to);
                }
            };
            POOL.execute(tasks[c]);
        }
        Throwable failure = null;
        inside[0] = true;
        try {
            body.run(0, 0, (int) ((long) n / chunks));
        } catch (Throwable e) {
            failure = e;
        } finally {
            inside[0] = false;
        }
        for (int c = 1; c < chunks; c++) { // join helps: a task no worker has taken yet runs here
            try {
                tasks[c].join();
            } catch (Throwable e) {
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
    }

    /** Runs {@code body(i)} for every i in {@code [0, n)}, in parallel chunks. */
    public static void forEach(int n, IntConsumer body) {
        forEach(n, Long.MAX_VALUE, body);
    }

    /** As {@link #forEach(int, IntConsumer)}, on the calling thread when {@code work} is small. */
    public static void forEach(int n, long work, IntConsumer body) {
        forRange(n, work, (chunk, from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
        });
    }
}
