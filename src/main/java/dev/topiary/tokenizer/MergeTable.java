// MergeTable: BPE merge ranks by pair of token ids, for rank-driven BPE (tokenizer.json, GGUF gpt2).
package dev.topiary.tokenizer;

import dev.topiary.format.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The merges of a BPE vocabulary: rank i is the i-th merge listed; lower ranks merge first. */
final class MergeTable {
    /** (left id, right id) packed in a long -> BpeMerger.pack(rank, merged id). */
    private final Map<Long, Long> merges;

    /**
     * @param pairs the merges in rank order, each {left piece, right piece}
     * @param where names the source in errors, e.g. "model.merges"
     */
    MergeTable(Path file, String where, List<String[]> pairs, Vocabulary vocab) {
        merges = HashMap.newHashMap(pairs.size());
        for (int rank = 0; rank < pairs.size(); rank++) {
            String[] p = pairs.get(rank);
            int left = require(file, where, rank, p, p[0], vocab);
            int right = require(file, where, rank, p, p[1], vocab);
            int merged = require(file, where, rank, p, p[0] + p[1], vocab);
            merges.putIfAbsent(key(left, right), BpeMerger.pack(rank, merged));
        }
    }

    /** Splits a merge written as one string "left right" (at the first space after the first character). */
    static String[] splitPair(Path file, String where, int index, String merge) {
        int space = merge.indexOf(' ', 1);
        if (space < 0 || merge.indexOf(' ', space + 1) >= 0) {
            throw new ModelFormatException(
                    file, where + "[" + index + "] = '" + merge + "' is not two pieces separated by one space");
        }
        return new String[] {merge.substring(0, space), merge.substring(space + 1)};
    }

    private static int require(Path file, String where, int rank, String[] pair, String piece, Vocabulary vocab) {
        int id = vocab.id(piece);
        if (id < 0) {
            throw new ModelFormatException(
                    file,
                    where + "[" + rank + "] = '" + pair[0] + " " + pair[1] + "': '" + piece
                            + "' is not in the vocabulary");
        }
        return id;
    }

    /** One merge: {@code left + right -> merged} (ids) at {@code rank}. */
    record Merge(int rank, int left, int right, int merged) {}

    /** The merges in rank order (a pair listed twice appears once, at its first rank). */
    List<Merge> inRankOrder() {
        List<Merge> out = new ArrayList<>(merges.size());
        merges.forEach((pair, packed) ->
                out.add(new Merge((int) (packed >>> 32), (int) (pair >>> 32), (int) (long) pair, (int) (long) packed)));
        out.sort(Comparator.comparingInt(Merge::rank));
        return out;
    }

    /** BpeMerger.pack(rank, merged id) for the pair, or BpeMerger.NONE. */
    long find(int left, int right) {
        Long m = merges.get(key(left, right));
        return m == null ? BpeMerger.NONE : m;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }
}
