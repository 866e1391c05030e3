// Mutator: seeded byte-level and JSON-aware mutations of valid files.
package dev.topiary.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes test inputs from valid seeds: flips bits, overwrites bytes and 32/64-bit little-endian
 * integers with boundary values (0, -1, huge, the file size), truncates, deletes, duplicates and
 * inserts ranges, splices two seeds; for JSON seeds (text starting with '{' or '['), also replaces a
 * random value of the tree with a value of another type or an extreme number, and removes or
 * duplicates entries. One to four mutations per input.
 */
final class Mutator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long[] INTERESTING = {
        0,
        1,
        -1,
        2,
        7,
        8,
        255,
        256,
        0x7FFF,
        0xFFFF,
        0x7FFF_FFFFL,
        0x8000_0000L,
        0xFFFF_FFFFL,
        1L << 24,
        1L << 31,
        1L << 32,
        1L << 40,
        Long.MAX_VALUE,
        Long.MIN_VALUE
    };

    private final SplittableRandom random;
    private final List<byte[]> seeds;
    private final List<JsonNode> jsonSeeds = new ArrayList<>();

    Mutator(SplittableRandom random, List<byte[]> seeds) {
        this.random = random;
        this.seeds = seeds;
        for (byte[] s : seeds) {
            if (s.length == 0 || (s[0] != '{' && s[0] != '[')) continue;
            try {
                jsonSeeds.add(JSON.readTree(s));
            } catch (Exception e) {
                // not JSON after all: byte mutations only
            }
        }
    }

    byte[] mutate() {
        if (!jsonSeeds.isEmpty() && random.nextInt(3) > 0) return mutateJson();
        byte[] b = seeds.get(random.nextInt(seeds.size())).clone();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) b = mutateBytes(b);
        return b;
    }

    private byte[] mutateBytes(byte[] b) {
        if (b.length == 0) return new byte[] {(byte) random.nextInt(256)};
        int at = random.nextInt(b.length);
        switch (random.nextInt(9)) {
            case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> b[at] = (byte) random.nextInt(256);
            case 2 -> putInt(b, at, (int) interesting(b.length));
            case 3 -> putLong(b, at, interesting(b.length));
            case 4 -> b = Arrays.copyOf(b, random.nextInt(b.length));
            case 5 -> b = delete(b, at, 1 + random.nextInt(Math.min(64, b.length - at)));
            case 6 -> b = insert(b, at, randomBytes(1 + random.nextInt(16)));
            case 7 ->
                b = insert(
                        b,
                        random.nextInt(b.length),
                        Arrays.copyOfRange(b, at, Math.min(b.length, at + 1 + random.nextInt(64))));
            default -> {
                byte[] other = seeds.get(random.nextInt(seeds.size()));
                int cut = random.nextInt(other.length + 1);
                byte[] s = Arrays.copyOf(b, at + other.length - cut);
                System.arraycopy(other, cut, s, at, other.length - cut);
                b = s;
            }
        }
        return b;
    }

    private long interesting(int fileSize) {
        return switch (random.nextInt(4)) {
            case 0 -> fileSize + random.nextInt(-8, 9);
            case 1 -> random.nextLong();
            default -> INTERESTING[random.nextInt(INTERESTING.length)];
        };
    }

    private byte[] mutateJson() {
        JsonNode root = jsonSeeds.get(random.nextInt(jsonSeeds.size())).deepCopy();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            List<ContainerNode<?>> containers = new ArrayList<>();
            collect(root, containers);
            if (containers.isEmpty()) break;
            ContainerNode<?> c = containers.get(random.nextInt(containers.size()));
            if (c instanceof ObjectNode o && !o.isEmpty()) {
                List<String> keys = new ArrayList<>();
                o.fieldNames().forEachRemaining(keys::add);
                String key = keys.get(random.nextInt(keys.size()));
                if (random.nextInt(5) == 0) o.remove(key);
                else o.set(key, randomValue(o.get(key)));
            } else if (c instanceof ArrayNode a && !a.isEmpty()) {
                int at = random.nextInt(a.size());
                switch (random.nextInt(5)) {
                    case 0 -> a.remove(at);
                    case 1 -> a.add(a.get(at).deepCopy());
                    default -> a.set(at, randomValue(a.get(at)));
                }
            }
        }
        byte[] text = root.toString().getBytes(StandardCharsets.UTF_8);
        return random.nextInt(8) == 0 ? mutateBytes(text) : text;
    }

    private static void collect(JsonNode n, List<ContainerNode<?>> out) {
        if (n instanceof ContainerNode<?> c) {
            out.add(c);
            for (JsonNode child : n) collect(child, out);
        }
    }

    private JsonNode randomValue(JsonNode old) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(14)) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(interesting(0));
            case 3 -> f.numberNode(-1 - random.nextInt(3));
            case 4 -> f.numberNode(random.nextInt(-3, 1 << 20));
            case 5 -> f.numberNode(random.nextBoolean() ? 1e300 : 0.5);
            case 6 -> f.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
            case 7 -> f.textNode("");
            case 8 -> f.textNode(randomText());
            case 9 -> f.arrayNode();
            case 10 -> f.objectNode();
            case 11 -> f.arrayNode().add(old == null ? f.nullNode() : old.deepCopy());
            case 12 -> old != null && old.isTextual() ? f.textNode(old.asText() + randomText()) : f.textNode("x");
            default ->
                old != null && old.isNumber() ? f.numberNode(old.asLong() + random.nextInt(-2, 3)) : f.numberNode(0);
        };
    }

    private String randomText() {
        String[] parts = {
            "a", " ", "\u2581", "<s>", "</s>", "<0x41>", "\u0000", "\uD83D\uDE00", "{{ x }}", "\\", "\"", "\n", "é", "Ġ"
        };
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) s.append(parts[random.nextInt(parts.length)]);
        return s.toString();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) random.nextInt(256);
        return b;
    }

    private static void putInt(byte[] b, int at, int v) {
        if (at + 4 <= b.length)
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    private static void putLong(byte[] b, int at, long v) {
        if (at + 8 <= b.length)
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }

    private static byte[] delete(byte[] b, int at, int n) {
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        return out;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] out = new byte[b.length + what.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }
}
