// IntList: a growable int array for building token id sequences without boxing.
package dev.topiary.tokenizer;

import java.util.Arrays;

/** A growable list of ints. */
final class IntList {
    private int[] values = new int[16];
    private int size;

    void add(int v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    void addAll(int[] vs) {
        for (int v : vs) {
            add(v);
        }
    }

    int size() {
        return size;
    }

    int get(int i) {
        return values[i];
    }

    /** The last value; the list must not be empty. */
    int last() {
        return values[size - 1];
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
