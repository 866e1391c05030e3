package dev.topiary.align;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.io.ModelFormatException;
import dev.topiary.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SFT and preference files (JSONL) into token sequences. Conversations in the
 * {@code messages} format are rendered by a {@link Conversations} renderer (the model's chat
 * template); {@code prompt}/{@code completion} pairs are plain text: [BOS] prompt completion EOS,
 * the loss on the completion and EOS. Every error names the file, the line and the field.
 */
public final class AlignData {
    private AlignData() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Renders one {"messages": [...]} conversation to tokens with an assistant mask, or fails with a message. */
    public interface Conversations {
        SftPacker.Example render(JsonNode messages);
    }

    public static List<SftPacker.Example> sft(Path file, Tokenizer tok, Conversations chats) throws IOException {
        List<SftPacker.Example> out = new ArrayList<>();
        forEachLine(file, (n, where) -> {
            if (n.has("messages")) {
                if (chats == null) throw new ModelFormatException(file, where + "field 'messages': this model has no chat template; use prompt/completion");
                try {
                    out.add(chats.render(n.get("messages")));
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(file, where + "field 'messages': " + e.getMessage());
                }
            } else {
                String prompt = text(file, where, n, "prompt"), completion = text(file, where, n, "completion");
                out.add(promptCompletion(tok, prompt, completion));
                if (completion.isEmpty()) throw new ModelFormatException(file, where + "field 'completion' is empty");
            }
            return null;
        });
        return out;
    }

    static SftPacker.Example promptCompletion(Tokenizer tok, String prompt, String completion) {
        int[] p = tok.encode(prompt, tok.addBosByDefault()), c = tok.encode(completion, false);
        int[] all = new int[p.length + c.length + 1];
        boolean[] mask = new boolean[all.length];
        System.arraycopy(p, 0, all, 0, p.length);
        System.arraycopy(c, 0, all, p.length, c.length);
        all[all.length - 1] = tok.eosId();
        for (int i = p.length; i < all.length; i++) mask[i] = true;
        return new SftPacker.Example(all, mask);
    }

    /** Preference rows {"prompt", "chosen", "rejected"}; chosen equal to rejected is an error. */
    public static List<Dpo.Pair> preferences(Path file, Tokenizer tok) throws IOException {
        List<Dpo.Pair> out = new ArrayList<>();
        forEachLine(file, (n, where) -> {
            String prompt = text(file, where, n, "prompt"), chosen = text(file, where, n, "chosen"), rejected = text(file, where, n, "rejected");
            if (chosen.equals(rejected)) throw new ModelFormatException(file, where + "fields 'chosen' and 'rejected' are the same text");
            int[] p = tok.encode(prompt, tok.addBosByDefault());
            out.add(new Dpo.Pair(p, withEos(tok.encode(chosen, false), tok.eosId()), withEos(tok.encode(rejected, false), tok.eosId())));
            return null;
        });
        return out;
    }

    private static int[] withEos(int[] a, int eos) {
        int[] b = java.util.Arrays.copyOf(a, a.length + 1);
        b[a.length] = eos;
        return b;
    }

    interface LineHandler {
        Void handle(JsonNode n, String where);
    }

    private static void forEachLine(Path file, LineHandler h) throws IOException {
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file, "no such data file");
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int no = 0;
            for (String line; (line = r.readLine()) != null; ) {
                no++;
                if (line.isBlank()) continue;
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    throw new ModelFormatException(file, "line " + no + ": not valid JSON");
                }
                if (n == null || !n.isObject()) throw new ModelFormatException(file, "line " + no + ": not a JSON object");
                h.handle(n, "line " + no + ": ");
            }
            if (no == 0) throw new ModelFormatException(file, "holds no examples");
        }
    }

    private static String text(Path file, String where, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new ModelFormatException(file, where + "missing text field '" + field + "'");
        return v.asText();
    }
}
