package dev.topiary.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The engine's threads: {@code -Dtopiary.threads=N} (default: all cores). Work is split into one
 * contiguous chunk per thread, so each thread streams its own rows of a weight matrix. The calling
 * thread computes the first chunk itself and N - 1 workers the others, so that N threads share N
 * cores.
 *
 * <p>A worker that has finished a chunk keeps polling for the next one for {@link #SPIN_NANOS}
 * before it parks, as llama.cpp's threads poll between the operations of a graph: waking a parked
 * thread took about 40 us on this project's virtual machines, and decoding one token runs some 75
 * parallel loops a few microseconds apart (a fork-join pool spent more time waking its workers than
 * the small models spent computing). A chunk that no worker has started when the caller finishes
 * its own is run by the caller. With more threads than cores nobody spins: spinning would take the
 * cores from the threads with work.
 */
public final class Parallel {
    private Parallel() {}

    private static final int THREADS = Math.max(
            1, Integer.getInteger("topiary.threads", Runtime.getRuntime().availableProcessors()));

    /** How long an idle worker (and a caller waiting for its workers) polls before it parks. */
    static final long SPIN_NANOS = THREADS <= Runtime.getRuntime().availableProcessors() ? 200_000 : 0;

    private static final Worker[] WORKERS = new Worker[THREADS - 1];

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    /**
     * As {@link #forRange(int, long, RangeBody)}, but {@code [0, n)} is cut into about {@code piecesPerThread}
     * pieces per thread, handed out in order to whichever thread is free: a thread slowed down (by another
     * tenant of a shared machine, or a core that clocks lower) takes fewer pieces instead of holding the
     * others up. {@code body} gets the slot of the thread that runs it (0 to {@link #threads()} - 1, for
     * per-thread scratch), never two pieces at once on one slot; the pieces each slot gets vary from run
     * to run, so bodies must not depend on them (each output written by one piece, as a GEMV's rows).
     */
    public static void forPieces(int n, long work, int piecesPerThread, RangeBody body) {
        int pieces = work < MIN_PARALLEL_WORK ? 1 : Math.min(n, THREADS * Math.max(1, piecesPerThread));
        if (pieces <= 1) {
            if (n > 0) body.run(0, 0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        forRange(Math.min(THREADS, pieces), Long.MAX_VALUE, (slot, a, b) -> {
            for (int p; (p = next.getAndIncrement()) < pieces; )
                body.run(slot, (int) ((long) n * p / pieces), (int) ((long) n * (p + 1) / pieces));
        });
    }

    /** One parallel loop at a time uses the workers; a loop that finds them taken runs on its own thread. */
    private static final ReentrantLock TEAM = new ReentrantLock();

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
        if (chunks <= 1 || inside[0] || Thread.currentThread() instanceof Worker || !TEAM.tryLock()) {
            if (n > 0) body.run(0, 0, n);
            return;
        }
        try {
            Job job = new Job(body, n, chunks, Thread.currentThread());
            for (int c = 1; c < chunks; c++) WORKERS[c - 1].post(job);
            inside[0] = true;
            try {
                job.run(0);
                for (int c = 1; c < chunks; c++) job.run(c); // the chunks no worker has started yet
            } finally {
                inside[0] = false;
            }
            job.await();
            job.rethrow();
        } finally {
            TEAM.unlock();
        }
    }

    /** One parallel loop: its chunks, which of them have been taken, and the first failure. */
    private static final class Job {
        final RangeBody body;
        final int n, chunks;
        final Thread caller;
        final AtomicIntegerArray taken;
        final AtomicInteger pending;
        volatile Throwable failure;

        Job(RangeBody body, int n, int chunks, Thread caller) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.caller = caller;
            this.taken = new AtomicIntegerArray(chunks);
            this.pending = new AtomicInteger(chunks);
        }

        /** Runs chunk c unless another thread has taken it. */
        void run(int c) {
            if (!taken.compareAndSet(c, 0, 1)) return;
            try {
                body.run(c, (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            } catch (Throwable e) {
                if (failure == null) failure = e;
            } finally {
                if (pending.decrementAndGet() == 0 && Thread.currentThread() != caller) LockSupport.unpark(caller);
            }
        }

        void await() {
            long start = System.nanoTime();
            for (int i = 0; pending.get() > 0; i++) {
                if ((i & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.parkNanos(this, 50_000);
            }
        }

        void rethrow() {
            Throwable f = failure;
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            if (f != null) throw new IllegalStateException(f);
        }
    }

    /** A daemon thread that runs the chunks posted to it: polls for {@link #SPIN_NANOS}, then parks. */
    private static final class Worker extends Thread {
        private volatile Job job;
        private volatile boolean parked;
        /** The chunk this worker runs of every job: the caller runs chunk 0, worker i chunk i. */
        private final int chunk;

        Worker(int chunk) {
            super("topiary-worker-" + chunk);
            this.chunk = chunk;
            setDaemon(true);
        }

        void post(Job j) {
            job = j;
            if (parked) LockSupport.unpark(this);
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            for (int i = 0; ; i++) {
                Job j = job;
                if (j != null) {
                    job = null;
                    j.run(chunk);
                    idleSince = System.nanoTime();
                    continue;
                }
                if ((i & 63) != 0 || System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (job == null) LockSupport.park(this);
                parked = false;
                idleSince = System.nanoTime();
            }
        }
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
