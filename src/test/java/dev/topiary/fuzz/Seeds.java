// Seeds: small valid files of every format the fuzz tests mutate, made with the project's own writers.
package dev.topiary.fuzz;

import dev.topiary.format.GgmlType;
import dev.topiary.format.GgufWriter;
import dev.topiary.io.DType;
import dev.topiary.io.GgufExport;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Safetensors;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Valid seed inputs: a tiny Llama (hidden 8, one layer, vocab 16) in each format, and its tokenizers. */
final class Seeds {
    private Seeds() {}

    static final LlamaConfig TINY = new LlamaConfig(
            "llama", 8, 16, 1, 2, 1, 4, 16, 1e-5f, 10000, null, true, false, false, 32, 1, List.of(2), "float32");

    static LlamaWeights tinyWeights() {
        return Init.normal(TINY, 1, 0.1);
    }

    /** A byte-level BPE tokenizer.json (GPT-2 style): 16 tokens, three merges. */
    static final String BYTE_LEVEL_TOKENIZER = """
            {"version": "1.0", "added_tokens": [{"id": 0, "content": "<s>", "special": true}, {"id": 1,
             "content": "</s>", "special": true},
              {"id": 15, "content": "<|eot|>", "special": true}],
             "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
               {"Sequence": {"id": "A", "type_id": 0}}]},
             "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false, "byte_fallback": false,
              "ignore_merges": false,
               "vocab": {"<s>": 0, "</s>": 1, "a": 2, "b": 3, "c": 4, "Ġ": 5, "ab": 6, "Ġa": 7, "Ġab": 8, "1": 9,
                "!": 10, "d": 11,
                 "e": 12, "Ċ": 13, "de": 14},
               "merges": ["a b", "Ġ a", ["Ġa", "b"], "d e"]}}""";

    /** A SentencePiece-style BPE tokenizer.json (as Llama 2's): byte fallback, ▁ for spaces. */
    static final String SPM_TOKENIZER = """
            {"version": "1.0", "added_tokens": [{"id": 0, "content": "<unk>", "special": true}, {"id": 1,
             "content": "<s>", "special": true},
              {"id": 2, "content": "</s>", "special": true}],
             "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
               {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
             "pre_tokenizer": null,
             "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
               {"Sequence": {"id": "A", "type_id": 0}}]},
             "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"},
              "content": " "},
               {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
             "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
              "ignore_merges": false,
               "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0x41>": 3, "<0x0A>": 4, "▁": 5, "h": 6, "e": 7, "l": 8,
                "o": 9, "he": 10,
                 "▁he": 11, "ll": 12, "llo": 13, "▁hello": 14, "lo": 15},
               "merges": ["h e", "▁ he", "l l", "ll o", "l o"]}}""";

    static final String TOKENIZER_CONFIG = """
            {"add_bos_token": true, "bos_token": "<s>", "eos_token": "</s>",
             "chat_template": "{{ messages[0].content }}"}""";

    static List<byte[]> tokenizerJsons() {
        return List.of(utf8(BYTE_LEVEL_TOKENIZER), utf8(SPM_TOKENIZER));
    }

    /** The tiny model as safetensors, in F32, BF16 and F16, plus a file with metadata and a scalar. */
    static List<byte[]> safetensors(Path tmp) throws IOException {
        List<byte[]> out = new ArrayList<>();
        LlamaWeights w = tinyWeights();
        for (DType d : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            Path dir = Files.createDirectories(tmp.resolve("st-" + d));
            HfCheckpoint.save(dir, w, d, 1L << 30);
            out.add(Files.readAllBytes(dir.resolve("model.safetensors")));
        }
        Path f = tmp.resolve("meta.safetensors");
        Safetensors.write(
                f,
                List.of(
                        new Safetensors.Entry("a", DType.F32, new long[] {2, 3}, new float[6]),
                        new Safetensors.Entry("s", DType.BF16, new long[] {}, new float[] {1.5f}),
                        new Safetensors.Entry("e", DType.F16, new long[] {0}, new float[0])),
                Map.of("format", "pt", "note", "x"));
        out.add(Files.readAllBytes(f));
        return out;
    }

    /** config.json texts for the tiny model (plain, with Llama 3 RoPE scaling, as Mistral). */
    static List<byte[]> configs() {
        String plain = TINY.toHfJson("float32").toString();
        String llama3 = plain.replaceFirst(
                "\\{",
                "{\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
                        + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 16}, \"eos_token_id\": [2, 3], ");
        String mistral = plain.replace("\"llama\"", "\"mistral\"");
        return List.of(utf8(plain), utf8(llama3), utf8(mistral));
    }

    /** The tiny model as GGUF (F32 and F16 tensors) with a vocabulary of each kind, and vocabulary-only files. */
    static List<byte[]> ggufs(Path tmp) throws IOException {
        List<byte[]> out = new ArrayList<>();
        LlamaWeights w = tinyWeights();
        int i = 0;
        for (String json : new String[] {BYTE_LEVEL_TOKENIZER, SPM_TOKENIZER}) {
            Tokenizer tok = tokenizer(tmp.resolve("tok" + i), json);
            Path f = tmp.resolve("m" + i + ".gguf");
            GgufExport.write(f, w, tok, i == 0 ? GgmlType.F32 : GgmlType.F16, "tiny", "{{ messages[0].content }}");
            out.add(Files.readAllBytes(f));
            GgufWriter g = new GgufWriter();
            g.putString("general.architecture", "llama");
            GgufExport.putTokenizer(g, dev.topiary.tokenizer.TokenizerExport.of(tok), tok.vocabSize());
            Path v = tmp.resolve("v" + i + ".gguf");
            g.write(v);
            out.add(Files.readAllBytes(v));
            i++;
        }
        return out;
    }

    static Tokenizer tokenizer(Path dir, String json) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer.json"), json);
        Files.writeString(dir.resolve("tokenizer_config.json"), TOKENIZER_CONFIG);
        return Tokenizers.fromTokenizerJson(dir.resolve("tokenizer.json"));
    }

    /** The tiny model as a llama2.c checkpoint (tied and untied). */
    static List<byte[]> llama2c() {
        List<byte[]> out = new ArrayList<>();
        for (boolean tied : new boolean[] {true, false}) {
            LlamaConfig c = TINY;
            int D = c.headDim();
            long floats = (long) c.vocab() * c.hidden()
                    + c.layers()
                            * (2L * c.hidden()
                                    + 2L * c.hidden() * c.qDim()
                                    + 2L * c.hidden() * c.kvDim()
                                    + 3L * c.hidden() * c.intermediate())
                    + c.hidden()
                    + (long) c.maxPositions() * D
                    + (tied ? 0 : (long) c.vocab() * c.hidden());
            ByteBuffer b = ByteBuffer.allocate(28 + (int) floats * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(c.hidden())
                    .putInt(c.intermediate())
                    .putInt(c.layers())
                    .putInt(c.heads())
                    .putInt(c.kvHeads())
                    .putInt(tied ? c.vocab() : -c.vocab())
                    .putInt(c.maxPositions());
            for (long k = 0; k < floats; k++) b.putFloat((k % 7) * 0.01f);
            out.add(b.array());
        }
        return out;
    }

    /** A llama2.c tokenizer file (tok16.bin) for the tiny model. */
    static List<byte[]> llama2cTokenizers() {
        String[] pieces = {
            "<unk>", "\n<s>\n", "\n</s>\n", "<0x0A>", " ", "a", "b", " a", "ab", " ab", "c", "é", "cc", " c", "x", "y"
        };
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(8);
        for (int i = 0; i < pieces.length; i++) {
            byte[] p = utf8(pieces[i]);
            b.putFloat(-i).putInt(p.length).put(p);
        }
        return List.of(java.util.Arrays.copyOf(b.array(), b.position()));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
