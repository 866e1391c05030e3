package dev.topiary.align;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.format.Json;
import dev.topiary.format.ModelFormatException;
import dev.topiary.format.TextFiles;
import dev.topiary.tokenizer.Tokenizer;
import java.io.IOException;
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

    /** Renders one {"messages": [...]} conversation to tokens with an assistant mask, or fails with a message. */
    public interface Conversations {
        SftPacker.Example render(JsonNode messages);
    }

    public static List<SftPacker.Example> sft(Path file, Tokenizer tok, Conversations chats) throws IOException {
        List<SftPacker.Example> out = new ArrayList<>();
        forEachLine(file, (n, where) -> {
            if (n.has("messages")) {
                if (chats == null)
                    throw new ModelFormatException(
                            file, where + "field 'messages': this model has no chat template; use prompt/completion");
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

    /**
     * Preference rows: {"prompt", "chosen", "rejected"} as plain text, or {"messages": [...], "chosen",
     * "rejected"} where the conversation is rendered with the chat template and each answer becomes
     * the assistant's next turn (its end-of-turn marker included). Chosen equal to rejected is an error.
     */
    public static List<Dpo.Pair> preferences(Path file, Tokenizer tok, dev.topiary.chat.ChatTemplate template)
            throws IOException {
        List<Dpo.Pair> out = new ArrayList<>();
        forEachLine(file, (n, where) -> {
            String chosen = text(file, where, n, "chosen"), rejected = text(file, where, n, "rejected");
            if (chosen.equals(rejected))
                throw new ModelFormatException(file, where + "fields 'chosen' and 'rejected' are the same text");
            if (n.has("messages")) {
                if (template == null)
                    throw new ModelFormatException(
                            file, where + "field 'messages': this model has no chat template; use prompt");
                try {
                    var msgs = ChatExamples.parse(n.get("messages"));
                    String prompt = template.render(msgs, List.of(), true);
                    int[] p = tok.encode(prompt, false, true);
                    out.add(new Dpo.Pair(
                            p,
                            answer(tok, template, msgs, chosen, p.length),
                            answer(tok, template, msgs, rejected, p.length)));
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(file, where + "field 'messages': " + e.getMessage());
                }
            } else {
                int[] p = tok.encode(text(file, where, n, "prompt"), tok.addBosByDefault());
                out.add(new Dpo.Pair(
                        p,
                        withEos(tok.encode(chosen, false), tok.eosId()),
                        withEos(tok.encode(rejected, false), tok.eosId())));
            }
            return null;
        });
        return out;
    }

    /** The tokens of the conversation with the answer as the next assistant turn, after the prompt's. */
    private static int[] answer(
            Tokenizer tok,
            dev.topiary.chat.ChatTemplate template,
            List<dev.topiary.chat.Message> msgs,
            String answer,
            int promptTokens) {
        List<dev.topiary.chat.Message> all = new ArrayList<>(msgs);
        all.add(dev.topiary.chat.Message.assistant(answer));
        int[] full = tok.encode(template.render(all, List.of(), false), false, true);
        return java.util.Arrays.copyOfRange(full, Math.min(promptTokens, full.length), full.length);
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
        int lines = Json.forEachLine(file, "data file", (n, no) -> {
            if (!n.isObject()) throw new ModelFormatException(file, "line " + no + ": not a JSON object");
            h.handle(n, "line " + no + ": ");
            return true;
        });
        if (lines == 0) throw new ModelFormatException(file, "holds no examples");
    }

    private static String text(Path file, String where, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null) throw new ModelFormatException(file, where + "missing text field '" + field + "'");
        if (!v.isTextual())
            throw new ModelFormatException(
                    file,
                    where + "field '" + field + "' has the wrong type (expected a string, got " + TextFiles.jsonType(v)
                            + ")");
        return v.asText();
    }
}
