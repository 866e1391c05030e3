// BpeMerger: the BPE merge loop shared by both tokenizers: merge the best adjacent pair until none is left.
package dev.topiary.tokenizer;

import java.util.Arrays;
import java.util.function.ToIntFunction;

/**
 * Merges the symbols of one word: repeatedly the adjacent pair with the lowest priority value
 * (leftmost on ties) becomes one symbol, until no pair merges. Symbols form a linked list and
 * candidate pairs wait in a heap keyed by (priority, left position), so a word of n symbols takes
 * O(n log n), however long it is (llama.cpp's and Hugging Face's tokenizers work the same way).
 *
 * <p>Heap entries are not removed when a merge changes their neighbours; instead a popped entry is
 * checked again: it is used only when its pair still exists with the same priority.
 */
final class BpeMerger {
    /** Which adjacent symbols merge, and in what order. */
    interface Rules {
        /**
         * For adjacent symbols with these ids (-1: not in the vocabulary) that together span chars
         * {@code [from, to)} of the word: {@link #pack(int, int) pack(priority, mergedId)}, or {@link #NONE}.
         */
        long find(int leftId, int rightId, int from, int to);
    }

    static final long NONE = Long.MAX_VALUE;

    /** Merged symbols: symbol i has id {@code ids[i]} (-1: not in the vocabulary) and spans chars [from[i], to[i]), i < count. */
    record Symbols(int[] ids, int[] from, int[] to, int count) {}

    private BpeMerger() {}

    static long pack(int priority, int mergedId) {
        return ((long) priority << 32) | (mergedId & 0xFFFF_FFFFL);
    }

    /** Starts with one symbol per code point of {@code word}, with the id {@code vocab} gives it, and merges them. */
    static Symbols mergeCharacters(String word, ToIntFunction<String> vocab, Rules rules) {
        int n = word.codePointCount(0, word.length());
        int[] ids = new int[n];
        int[] from = new int[n];
        int[] to = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int end = word.offsetByCodePoints(pos, 1);
            ids[i] = vocab.applyAsInt(word.substring(pos, end));
            from[i] = pos;
            to[i] = end;
            pos = end;
        }
        return new Symbols(ids, from, to, merge(ids, from, to, rules));
    }

    /**
     * Merges in place. Symbol i has id {@code ids[i]} and spans chars {@code [from[i], to[i])}; on return
     * the first {@code count} entries of the three arrays hold the merged symbols in order.
     *
     * @return count
     */
    private static int merge(int[] ids, int[] from, int[] to, Rules rules) {
        int n = ids.length;
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            offer(heap, i, next, ids, from, to, rules);
        }
        while (!heap.isEmpty()) {
            long entry = heap.poll();
            int left = (int) entry;
            int right = next[left];
            if (to[left] < 0 || right < 0) {
                continue; // left was merged away, or is now last
            }
            long m = rules.find(ids[left], ids[right], from[left], to[right]);
            if (m == NONE || (int) (m >> 32) != (int) (entry >> 32)) {
                continue; // stale: the pair changed since the entry was made
            }
            ids[left] = (int) m;
            to[left] = to[right];
            to[right] = -1;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
                offer(heap, left, next, ids, from, to, rules);
            }
            if (prev[left] >= 0) {
                offer(heap, prev[left], next, ids, from, to, rules);
            }
        }
        return compact(ids, from, to, next);
    }

    private static void offer(LongHeap heap, int left, int[] next, int[] ids, int[] from, int[] to, Rules rules) {
        int right = next[left];
        long m = rules.find(ids[left], ids[right], from[left], to[right]);
        if (m != NONE) {
            heap.add((m & 0xFFFF_FFFF_0000_0000L) | left);
        }
    }

    private static int compact(int[] ids, int[] from, int[] to, int[] next) {
        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            ids[count] = ids[i];
            from[count] = from[i];
            to[count] = to[i];
            count++;
        }
        return count;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0 && a[(i - 1) >>> 1] > v) {
                a[i] = a[(i - 1) >>> 1];
                i = (i - 1) >>> 1;
            }
            a[i] = v;
        }

        long poll() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && a[child + 1] < a[child]) {
                    child++;
                }
                if (a[child] >= last) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }
}
