package dev.topiary.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The polling team behind every parallel loop: each index runs exactly once, in contiguous chunks, a
 * failure in any chunk reaches the caller, nested and concurrent loops finish, and a loop after the
 * workers have parked still runs.
 */
class ParallelTest {
    private static final long BIG = Long.MAX_VALUE;

    /** Every index of [0, n) once, each chunk contiguous and numbered below the thread count. */
    private static void checkCovers(int n) {
        AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(n, 1));
        AtomicIntegerArray chunkOf = new AtomicIntegerArray(Math.max(n, 1));
        Parallel.forRange(n, BIG, (chunk, from, to) -> {
            assertThat(chunk).isBetween(0, Parallel.threads() - 1);
            assertThat(from).isLessThanOrEqualTo(to);
            for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
                chunkOf.set(i, chunk);
            }
        });
        for (int i = 0; i < n; i++)
            assertThat(seen.get(i)).as("index %d of %d", i, n).isEqualTo(1);
        for (int i = 1; i < n; i++) assertThat(chunkOf.get(i)).isGreaterThanOrEqualTo(chunkOf.get(i - 1));
    }

    @Test
    void everyIndexRunsOnceInContiguousChunks() {
        for (int n = 0; n <= 70; n++) checkCovers(n);
        checkCovers(100_003);
    }

    @Test
    void smallWorkRunsOnTheCallingThread() {
        Thread me = Thread.currentThread();
        Parallel.forRange(8, Parallel.MIN_PARALLEL_WORK - 1, (chunk, from, to) -> {
            assertThat(Thread.currentThread()).isSameAs(me);
            assertThat(from).isZero();
            assertThat(to).isEqualTo(8);
        });
    }

    @Test
    void aFailureInAnyChunkReachesTheCallerAndTheTeamCarriesOn() {
        for (int bad = 0; bad < Parallel.threads(); bad++) {
            int b = bad;
            assertThatThrownBy(() -> Parallel.forRange(Parallel.threads(), BIG, (chunk, from, to) -> {
                        if (from == b) throw new IllegalArgumentException("chunk " + b);
                    }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("chunk " + b);
            checkCovers(1000);
        }
        assertThatThrownBy(() -> Parallel.forRange(Parallel.threads(), BIG, (chunk, from, to) -> {
                    throw new AssertionError("an error, not an exception");
                }))
                .isInstanceOf(AssertionError.class);
        checkCovers(1000);
    }

    @Test
    void nestedLoopsRunInline() {
        AtomicLong sum = new AtomicLong();
        Parallel.forRange(4, BIG, (chunk, from, to) -> {
            for (int i = from; i < to; i++)
                Parallel.forEach(100, BIG, j -> sum.addAndGet(j)); // inside a chunk: runs on this thread
        });
        assertThat(sum.get()).isEqualTo(4L * 4950);
    }

    @Test
    void loopsFromManyThreadsAtOnceAllFinish() throws InterruptedException {
        Thread[] callers = new Thread[4];
        long[] sums = new long[callers.length];
        Throwable[] failures = new Throwable[callers.length];
        for (int t = 0; t < callers.length; t++) {
            int id = t;
            callers[t] = new Thread(() -> {
                try {
                    for (int rep = 0; rep < 2000; rep++) {
                        AtomicLong s = new AtomicLong();
                        Parallel.forRange(64, BIG, (chunk, from, to) -> {
                            for (int i = from; i < to; i++) s.addAndGet(i);
                        });
                        sums[id] += s.get();
                    }
                } catch (Throwable e) {
                    failures[id] = e;
                }
            });
            callers[t].start();
        }
        for (Thread c : callers) c.join(60_000);
        for (int t = 0; t < callers.length; t++) {
            assertThat(failures[t]).isNull();
            assertThat(sums[t]).isEqualTo(2000L * 2016);
        }
    }

    @Test
    void aLoopAfterTheWorkersParkedStillRuns() throws InterruptedException {
        for (int rep = 0; rep < 5; rep++) {
            Thread.sleep(Parallel.SPIN_NANOS / 1_000_000 + 5); // past the polling: the workers park
            checkCovers(10_000);
        }
    }

    @Test
    void piecesCoverEveryIndexOnceAndNoSlotRunsTwoAtOnce() {
        for (int per : new int[] {1, 4, 16})
            for (int n : new int[] {0, 1, 2, 3, 7, 64, 1000, 100_003}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(n, 1));
                AtomicIntegerArray busy = new AtomicIntegerArray(Parallel.threads());
                Parallel.forPieces(n, BIG, per, (slot, from, to) -> {
                    assertThat(slot).isBetween(0, Parallel.threads() - 1);
                    assertThat(busy.incrementAndGet(slot))
                            .as("slot %d runs one piece at a time", slot)
                            .isEqualTo(1);
                    assertThat(to - from).isLessThanOrEqualTo(n / Math.min(n, Parallel.threads() * per) + 1);
                    for (int i = from; i < to; i++) seen.incrementAndGet(i);
                    busy.decrementAndGet(slot);
                });
                for (int i = 0; i < n; i++)
                    assertThat(seen.get(i))
                            .as("index %d of %d, %d pieces a thread", i, n, per)
                            .isEqualTo(1);
            }
    }

    @Test
    void piecesOfSmallWorkRunOnTheCallingThreadInOnePiece() {
        Thread me = Thread.currentThread();
        int[] calls = new int[1];
        Parallel.forPieces(100, Parallel.MIN_PARALLEL_WORK - 1, 4, (slot, from, to) -> {
            assertThat(Thread.currentThread()).isSameAs(me);
            assertThat(slot).isZero();
            assertThat(from).isZero();
            assertThat(to).isEqualTo(100);
            calls[0]++;
        });
        assertThat(calls[0]).isEqualTo(1);
    }
}
