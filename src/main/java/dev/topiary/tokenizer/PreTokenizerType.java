// PreTokenizerType: the table of llama.cpp's pre-tokenizer names (tokenizer.ggml.pre) and their split regexes.
package dev.topiary.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every pre-tokenizer that llama.cpp's vocabulary loader names for byte-level BPE vocabularies: the
 * {@code tokenizer.ggml.pre} strings (aliases included) and the split regexes, applied in sequence (each
 * splits the pieces the one before produced). The regexes are written as llama.cpp writes them; how they
 * are run, with llama.cpp's Unicode rules, is {@link LlamaCppSplitter}'s business. Where llama.cpp runs
 * a pattern by hand instead of with a regex engine, so does {@link LlamaCppSplitter}:
 * <ul>
 *   <li>{@link #GPT2_PATTERN} and {@link #LLAMA3_PATTERN} (a speed-up; same splits as the regex);</li>
 *   <li>Kimi-K2's patterns (Java could express them, but llama.cpp's hand-written version is the
 *       reference), marked by {@link #KIMI_K2_MARKER};</li>
 *   <li>AFMoE's digit grouping (leading 1-2 digits, then threes), which no regex expresses, marked by
 *       {@link #AFMOE_DIGITS_MARKER};</li>
 *   <li>Tiny Aya's and SuperBPE's digit lookaheads ({@link Patterns#DIGITS_FROM_THE_RIGHT},
 *       {@link Patterns#THREES_END_THE_RUN}): the regexes work, but in quadratic time and with recursion
 *       as deep as the digit run; the hand-written splits give the same pieces in one pass.</li>
 * </ul>
 * llama.cpp's letter-case lookaheads ({@code ((?=[\p{L}])([^a-z]))*}, Tekken and GPT-4o) run as the
 * equivalent class intersection {@code [[\p{L}]&&[^a-z]]*} (see {@link LlamaCppSplitter#flattenCaseLookaheads}),
 * for the same reason.
 *
 * <p>Rows with {@code ignoreMerges} take a word that is a vocabulary piece as a whole, before any merge;
 * {@code addBos} is the default of {@code tokenizer.ggml.add_bos_token} for the row. The rows gemma4,
 * sarvam-moe and whitespace are named by llama.cpp too but are not byte-level BPE (they spell spaces as
 * U+2581 or keep raw UTF-8): Topiary recognises the names and refuses them with a message that says so.
 */
enum PreTokenizerType {
    /** llama.cpp's fallback: runs of punctuation first, then GPT-2, then digit runs and threes. */
    DEFAULT(names("default"), false, false, "[\\p{P}\\$\\+<=>\\^~\\|]+", Patterns.GPT2, "\\p{N}+", "[0-9][0-9][0-9]"),
    /** GPT-2 (no split of long digit runs). "gpt2" is Topiary's older spelling. */
    GPT2(
            names(
                    "gpt-2",
                    "gpt2",
                    "phi-2",
                    "jina-es",
                    "jina-de",
                    "gigachat",
                    "jina-v2-es",
                    "jina-v2-de",
                    "a.x-4.0",
                    "mellum",
                    "modern-bert",
                    "jina-v1-en",
                    "jina-v2-code",
                    "roberta-bpe",
                    "exaone4",
                    "mpt",
                    "olmo",
                    "jais",
                    "trillion",
                    "granite-docling"),
            false,
            false,
            Patterns.GPT2),
    /** Llama 3: letters with one leading non-letter, digits in threes; whole-word pieces skip merging. */
    LLAMA3(
            names(
                    "llama-bpe",
                    "llama3",
                    "llama-v3",
                    "falcon3",
                    "falcon-h1",
                    "pixtral",
                    "midm-2.0",
                    "lfm2",
                    "jina-v5-nano"),
            true,
            true,
            Patterns.LLAMA3),
    /** Llama 3's pattern, merged as usual. */
    LLAMA3_MERGED(names("dbrx", "smaug-bpe", "glm4", "chatglm-bpe"), false, false, Patterns.LLAMA3),
    /** Jais 2: Llama 3's pattern with white space cut into power-of-two runs. */
    JAIS2(
            names("jais-2"),
            false,
            false,
            Patterns.CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)"
                    + "|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}"),
    /** Qwen2 and friends: as Llama 3, but every digit alone. */
    QWEN2(
            names(
                    "qwen2",
                    "deepseek-r1-qwen",
                    "kormo",
                    "f2llmv2",
                    "megrez",
                    "stablelm2",
                    "hunyuan",
                    "solar-open",
                    "grok-2"),
            false,
            false,
            Patterns.QWEN2),
    /** Qwen 3.5: Qwen2 with combining marks kept on their letters. */
    QWEN35(
            names("qwen35"),
            false,
            false,
            Patterns.CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Qwen2's pattern without the English contractions (Turkish suffixes stay on their word). */
    UFAKZEKA(
            names("ufakzeka"),
            false,
            false,
            "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Laguna: lines and newline runs first, then Qwen2's pattern. */
    LAGUNA(names("laguna"), false, false, "[^\\n]+|[\\n]+", Patterns.QWEN2),
    /** MiniCPM 5: digits in threes first, then Llama 3's pattern with whole digit runs; whole-word pieces. */
    MINICPM5(
            names("minicpm5"),
            true,
            false,
            "\\p{N}{1,3}",
            Patterns.CONTRACTIONS
                    + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** DeepSeek LLM: newlines, cased-letter words, ASCII/full-width punctuation, trailing space, CJK, digits. */
    DEEPSEEK_LLM(
            names("deepseek-llm"),
            false,
            false,
            "[\r\n]",
            "\\s?[" + Patterns.DEEPSEEK_CASED + "]+",
            "\\s?[!-/:-~\\uFF01-\\uFF0F\\uFF1A-\\uFF5E\\u2018-\\u201F\\u3000-\\u3002]+",
            "\\s+$",
            "[" + Patterns.DEEPSEEK_CJK + "]+",
            "\\p{N}+"),
    /** DeepSeek Coder: newlines, letter words, punctuation runs, CJK runs, then every digit alone. */
    DEEPSEEK_CODER(
            names("deepseek-coder"),
            false,
            false,
            "[\r\n]",
            "\\s?\\p{L}+",
            "\\s?\\p{P}+",
            "[" + Patterns.DEEPSEEK_CJK + "]+",
            "\\p{N}"),
    /** DeepSeek V3 (and Hunyuan dense, JoyAI, HY v4): digits in threes, CJK/kana runs, then the word pattern. */
    DEEPSEEK_V3(
            names("deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4"),
            false,
            false,
            "\\p{N}{1,3}",
            "[" + Patterns.CJK_KANA + "]+",
            Patterns.ASCII_PUNCT_WORD
                    + "|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Spark 2.5: as DeepSeek V3 with single newlines, then every digit alone. */
    SPARK2_5(
            names("spark2_5"),
            false,
            false,
            "\\p{N}{1,3}",
            "[" + Patterns.CJK_KANA + "]+",
            Patterns.ASCII_PUNCT_WORD
                    + "|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\\r\\n]|\\s+(?!\\S)|\\s+",
            "\\p{N}"),
    /** Youtu: Hangul, CJK punctuation, Bopomofo and CJK/kana runs first, then a cased-word pattern. */
    YOUTU(
            names("youtu"),
            true,
            false,
            "[\\uAC00-\\uD7A3\\u3131-\\u318E]+|[\\uFF01\\u2026\\u201C\\u201D\\u2018\\u2019\\u2014\\uFF1A\\uFF1B\\uFF0C"
                    + "\\u3001-\\u303F\\uFE30-\\uFE4F]+|[\\u3105-\\u312F]+|[" + Patterns.CJK_KANA + "]+",
            Patterns.CASED_WORDS + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Falcon: punctuation runs, then GPT-2, then digit threes. */
    FALCON(names("falcon"), false, false, "[\\p{P}\\$\\+<=>\\^~\\|`]+", Patterns.GPT2, "[0-9][0-9][0-9]"),
    /** StarCoder, Refact and friends: every digit alone, then GPT-2. */
    STARCODER(
            names("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"),
            false,
            false,
            "\\p{N}",
            Patterns.GPT2),
    /** Poro, BLOOM, GPT-3 Finnish: words with one leading space, split at white space and sentence marks. */
    BLOOM(names("poro-chat", "bloom", "gpt3-finnish"), false, false, Patterns.BLOOM),
    /** Viking: BLOOM's pattern, then every digit alone. */
    VIKING(names("viking"), false, false, Patterns.BLOOM, "\\p{N}"),
    /** Mistral Tekken: cased words (upper run then lower run), every digit alone; whole-word pieces. */
    TEKKEN(
            names("tekken"),
            true,
            true,
            Patterns.CASED_LOOKAHEAD.formatted("\\p{L}", "", "\\p{L}", "")
                    + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Chameleon: sentinel and image tokens, tabs and space pairs, digits, punctuation, then GPT-2. */
    CHAMELEON(
            names("chameleon"),
            false,
            true,
            "<sentinel:[0-9]+>",
            "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
            "([\\t\\n]|    |  )",
            "\\p{N}",
            "[\\p{P}!-/:-@\\[-`{-~]",
            Patterns.GPT2),
    /** GPT-4o (o200k) and Llama 4: cased words with contractions, digits in threes. */
    GPT4O(
            names("gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"),
            false,
            false,
            Patterns.CASED_LOOKAHEAD.formatted("\\p{L}", Patterns.OPT_CONTRACTIONS, "\\p{L}", Patterns.OPT_CONTRACTIONS)
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Granite multilingual embedding (97M): GPT-4o's pattern with marks counted as letters; whole-word pieces. */
    GRANITE_EMBED_MULTI(
            names("granite-embed-multi-97m"),
            true,
            false,
            Patterns.CASED_LOOKAHEAD.formatted(
                            "\\p{L}\\p{M}", Patterns.OPT_CONTRACTIONS, "\\p{L}\\p{M}", Patterns.OPT_CONTRACTIONS)
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Tiny Aya / Cohere 2 MoE: digits grouped in threes from the right, then cased words. */
    TINY_AYA(
            names("tiny_aya", "cohere2moe"),
            false,
            false,
            Patterns.DIGITS_FROM_THE_RIGHT,
            Patterns.CASED_WORDS + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Kimi K2: Han runs, cased words without Han, digits in threes (hand-written in llama.cpp and here). */
    KIMI_K2(names("kimi-k2"), false, false, Patterns.KIMI_K2),
    /** SuperBPE: digit runs, cut so that groups of three end the run. */
    SUPERBPE(names("superbpe"), false, false, "\\p{N}+", Patterns.THREES_END_THE_RUN),
    /** Ling / Bailing MoE: Qwen2-like with single-newline ends. */
    BAILINGMOE(
            names("bailingmoe", "bailingmoe2", "llada-moe"),
            false,
            false,
            "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
    /** Seed-Coder: every digit alone, punctuation runs never take newlines. */
    SEED_CODER(
            names("seed-coder"),
            false,
            false,
            Patterns.CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}"
                    + "| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** AFMoE: digits as leading 1-2 then threes (by hand), Asian-script runs, then DeepSeek V3's word pattern. */
    AFMOE(
            names("afmoe"),
            false,
            false,
            Patterns.AFMOE_DIGITS,
            "[" + Patterns.AFMOE_SCRIPTS + "]+",
            Patterns.ASCII_PUNCT_WORD + "|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /**
     * EXAONE MoE: letter runs may span single spaces; one newline at most per piece. llama.cpp's
     * {@code (?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+} is written as the same language without nested loops
     * ({@code \p{L}[\p{L}\p{M}]*(?: \p{L}[\p{L}\p{M}]*)*+}), which Java matches without recursing per letter.
     */
    EXAONE_MOE(
            names("exaone-moe"),
            false,
            false,
            Patterns.CONTRACTIONS
                    + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}[\\p{L}\\p{M}]*(?: \\p{L}[\\p{L}\\p{M}]*)*+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?"
                    + "|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
    /** Not byte-level BPE (spaces as U+2581, raw UTF-8): recognised, not supported. */
    GEMMA4(names("gemma4", "granite-embed-multi-311m", "sarvam-moe", "whitespace"), false, false);

    /** The split patterns that several rows share (llama.cpp spellings). */
    static final class Patterns {
        private Patterns() {}

        /**
         * GPT-2's pattern as llama.cpp writes it, without the final {@code |\s+}: the white space that this leaves
         * unmatched becomes a piece anyway, so the splits are those of {@link PreTokenizer#GPT2}.
         */
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
        /** English contractions, either case, as one group. */
        static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

        static final String OPT_CONTRACTIONS = CONTRACTIONS + "?";
        /** Llama 3's pattern ({@code (?i:...)} spelled out as llama.cpp does). */
        static final String LLAMA3 = PreTokenizer.LLAMA3;
        /** Qwen2's pattern: Llama 3's with single digits. */
        static final String QWEN2 = PreTokenizer.QWEN2;
        /** A word of one ASCII punctuation character and ASCII letters. */
        static final String ASCII_PUNCT_WORD = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+";
        /** Words as an upper-case run then a lower-case run (or the reverse), each with optional contractions. */
        static final String CASED_WORDS = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*"
                + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+" + OPT_CONTRACTIONS
                + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
                + OPT_CONTRACTIONS;
        /**
         * llama.cpp's rewrite of the cased words without {@code \p{Lu}}/{@code \p{Ll}}: an "upper" letter is a
         * letter not in a-z, a "lower" one a letter not in A-Z. Format arguments: the letter class body and the
         * contraction suffix, for each of the two alternatives.
         */
        static final String CASED_LOOKAHEAD = "[^\\r\\n\\p{L}\\p{N}]?((?=[%1$s])([^a-z]))*((?=[%1$s])([^A-Z]))+%2$s"
                + "|[^\\r\\n\\p{L}\\p{N}]?((?=[%3$s])([^a-z]))+((?=[%3$s])([^A-Z]))*%4$s";
        /** BLOOM: one optional space, then anything but white space, parentheses, '|' and sentence marks. */
        static final String BLOOM = " ?[^(\\s|.,!?\\u2026\\u3002\\uFF0C\\u3001\\u0964\\u06D4\\u060C)]+";
        /** CJK ideographs U+4E00-U+9FA5, everything from U+0800 to U+4E00, and Hangul syllables/jamo to U+D7FF. */
        static final String DEEPSEEK_CJK = "\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF";
        /** CJK ideographs U+4E00-U+9FA5, Hiragana and Katakana. */
        static final String CJK_KANA = "\\u4E00-\\u9FA5\\u3040-\\u309F\\u30A0-\\u30FF";
        /** AFMoE's Asian scripts: CJK, kana, half-width forms, Kangxi radicals, Thai, Lao, Khmer, Myanmar, Hangul. */
        static final String AFMOE_SCRIPTS = "\\u4E00-\\u9FFF\\u3400-\\u4DBF\\uF900-\\uFAFF"
                + "\\u3040-\\u309F\\u30A0-\\u30FF\\uFF65-\\uFF9F\\u2F00-\\u2FDF\\u0E00-\\u0E7F\\u0E80-\\u0EFF"
                + "\\u1780-\\u17FF\\u1000-\\u109F\\uAA60-\\uAA7F\\uA9E0-\\uA9FF\\uAC00-\\uD7AF\\u1100-\\u11FF";
        /** DeepSeek LLM's cased letters (a subset of Lu, Ll and Lt), as ranges. */
        static final String DEEPSEEK_CASED = "A-Za-z\\u00B5\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u01BA\\u01BC-\\u01BF"
                + "\\u01C4-\\u0293\\u0295-\\u02AF\\u0370-\\u0373\\u0376\\u0377\\u037B-\\u037D\\u037F\\u0386"
                + "\\u0388-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u03F5\\u03F7-\\u0481\\u048A-\\u052F\\u0531-\\u0556"
                + "\\u10A0-\\u10C5\\u13A0-\\u13F5\\u13F8-\\u13FD\\u1C90-\\u1CBA\\u1CBD-\\u1CBF\\u1D00-\\u1D2B"
                + "\\u1D6B-\\u1D77\\u1D79-\\u1D9A\\u1E00-\\u1F15\\u1F18-\\u1F1D\\u1F20-\\u1F45\\u1F48-\\u1F4D"
                + "\\u1F50-\\u1F57\\u1F59\\u1F5B\\u1F5D\\u1F5F-\\u1F7D\\u1F80-\\u1FB4\\u1FB6-\\u1FBC\\u1FBE"
                + "\\u1FC2-\\u1FC4\\u1FC6-\\u1FCC\\u1FD0-\\u1FD3\\u1FD6-\\u1FDB\\u1FE0-\\u1FEC\\u1FF2-\\u1FF4"
                + "\\u1FF6-\\u1FFC\\u2102\\u2107\\u210A-\\u2113\\u2115\\u2119-\\u211D\\u2124\\u2126\\u2128"
                + "\\u212A-\\u212D\\u212F-\\u2134\\u2139\\u213C-\\u213F\\u2145-\\u2149\\u214E\\u2183\\u2184"
                + "\\u2C00-\\u2C7B\\u2C7E-\\u2CE4\\u2CEB-\\u2CEE\\u2CF2\\u2CF3\\uA640-\\uA66D\\uA680-\\uA69B"
                + "\\uA722-\\uA76F\\uA771-\\uA787\\uA78B-\\uA78E\\uAB70-\\uABBF\\uFB00-\\uFB06\\uFB13-\\uFB17"
                + "\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}"
                + "\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}";
        /**
         * Kimi K2's pattern (from its tokenization code; {@code &&} is class intersection). llama.cpp and
         * {@link LlamaCppSplitter} run it by hand: Han runs; words of letters other than Han, upper run then
         * lower run or the reverse, with contractions; digits in threes; then as Llama 3.
         */
        static final String KIMI_K2 = "[\\p{Han}]+"
                + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*"
                + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+"
                + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        /**
         * Tiny Aya's digits: 1-3 digits followed by whole threes up to a word boundary, so a run of ASCII digits
         * that a non-word character (or the end) follows splits as its leading remainder, then threes.
         * Split by hand (linear; the regex takes quadratic time and deep recursion on long runs).
         */
        static final String DIGITS_FROM_THE_RIGHT = "\\d{1,3}(?=(?:\\d{3})*\\b)";
        /**
         * SuperBPE's empty-match lookahead: a cut before every run of ASCII digits whose length is a multiple
         * of three and that ends the digits. Split by hand, for the same reason.
         */
        static final String THREES_END_THE_RUN = "(?=(\\d{3})+(?!\\d))";
        /** Marks AFMoE's digit grouping, which no regex expresses: a run of n digits splits as n mod 3, then threes. */
        static final String AFMOE_DIGITS = "\\p{AFMoE_digits}";
    }

    /** The pattern {@link LlamaCppSplitter} runs as hand-written GPT-2 splitting. */
    static final String GPT2_PATTERN = Patterns.GPT2;
    /** The pattern {@link LlamaCppSplitter} runs as hand-written Llama 3 splitting. */
    static final String LLAMA3_PATTERN = Patterns.LLAMA3;
    /** The pattern that stands for Kimi K2's hand-written splitting. */
    static final String KIMI_K2_MARKER = Patterns.KIMI_K2;
    /** The pattern that stands for AFMoE's digit grouping. */
    static final String AFMOE_DIGITS_MARKER = Patterns.AFMOE_DIGITS;

    private static final Map<String, PreTokenizerType> BY_NAME = new TreeMap<>();

    static {
        for (PreTokenizerType t : values()) {
            for (String n : t.names) {
                if (BY_NAME.put(n, t) != null) {
                    throw new IllegalStateException("pre-tokenizer name '" + n + "' is listed twice");
                }
            }
        }
    }

    private final List<String> names;
    private final boolean ignoreMerges;
    private final boolean addBos;
    private final List<String> regexes;
    private volatile LlamaCppSplitter splitter;

    PreTokenizerType(List<String> names, boolean ignoreMerges, boolean addBos, String... regexes) {
        this.names = names;
        this.ignoreMerges = ignoreMerges;
        this.addBos = addBos;
        this.regexes = List.of(regexes);
    }

    private static List<String> names(String... names) {
        return Arrays.asList(names);
    }

    /** The row of a {@code tokenizer.ggml.pre} value. */
    static Optional<PreTokenizerType> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** Every known name, sorted. */
    static List<String> knownNames() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The names of this row; the first is the one Topiary writes. */
    List<String> names() {
        return names;
    }

    /** The name Topiary writes to {@code tokenizer.ggml.pre}. */
    String canonicalName() {
        return names.getFirst();
    }

    /** Whether a word that is a vocabulary piece as a whole is taken as is (llama.cpp {@code ignore_merges}). */
    boolean ignoreMerges() {
        return ignoreMerges;
    }

    /** llama.cpp's default for {@code tokenizer.ggml.add_bos_token} with this pre-tokenizer. */
    boolean addBos() {
        return addBos;
    }

    /** The split regexes, applied in order (empty for rows Topiary does not support). */
    List<String> regexes() {
        return regexes;
    }

    /** Whether Topiary can encode with this row (byte-level BPE). */
    boolean supported() {
        return !regexes.isEmpty();
    }

    /** The splitter running this row's regexes (compiled once). */
    LlamaCppSplitter splitter() {
        LlamaCppSplitter s = splitter;
        if (s == null) {
            s = new LlamaCppSplitter(regexes);
            splitter = s;
        }
        return s;
    }
}
