// CodepointClass: the coarse Unicode classes llama.cpp's pre-tokenizers test (letter, number, whitespace, ...).
package dev.topiary.tokenizer;

/**
 * The view of a code point that llama.cpp's vocabulary code takes: one general-category group
 * (letter, number, punctuation, mark, symbol, separator, other) and, apart from that, whether it is
 * white space. White space is the Unicode White_Space property (what Python's {@code regex} module
 * and Rust's {@code \s} match): tab to carriage return, space, U+0085, U+00A0, U+1680, U+2000-U+200A,
 * U+2028, U+2029, U+202F, U+205F and U+3000; not the information separators U+001C-U+001F.
 */
enum CodepointClass {
    /** \p{N}: decimal digits, letter numbers (Ⅻ) and other numbers (½, ²). */
    NUMBER,
    /** \p{L}: all five letter categories. */
    LETTER,
    /** \p{P}. */
    PUNCTUATION,
    /** \p{M}: combining marks. */
    MARK,
    /** \p{S}: math, currency, modifier and other symbols (emoji). */
    SYMBOL,
    /** \p{Z}: space, line and paragraph separators. */
    SEPARATOR,
    /** \p{C}: controls, format characters, surrogates, private use and unassigned code points. */
    OTHER;

    /** The class of {@code cp}. */
    static CodepointClass of(int cp) {
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.UPPERCASE_LETTER,
                    Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER -> LETTER;
            case Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL ->
                SYMBOL;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            default -> OTHER;
        };
    }

    static boolean isLetter(int cp) {
        return Character.isLetter(cp);
    }

    static boolean isNumber(int cp) {
        return of(cp) == NUMBER;
    }

    /** Unicode White_Space (see the class comment). */
    static boolean isWhitespace(int cp) {
        return cp >= 0x09 && cp <= 0x0D
                || cp == 0x20
                || cp == 0x85
                || cp == 0xA0
                || cp == 0x1680
                || cp >= 0x2000 && cp <= 0x200A
                || cp == 0x2028
                || cp == 0x2029
                || cp == 0x202F
                || cp == 0x205F
                || cp == 0x3000;
    }

    /** The CJK ideograph blocks that llama.cpp's Kimi-K2 splitter treats as Han. */
    static boolean isHan(int cp) {
        return cp >= 0x4E00 && cp <= 0x9FFF
                || cp >= 0x3400 && cp <= 0x4DBF
                || cp >= 0x20000 && cp <= 0x2A6DF
                || cp >= 0x2A700 && cp <= 0x2EBEF
                || cp >= 0xF900 && cp <= 0xFAFF
                || cp >= 0x2F800 && cp <= 0x2FA1F;
    }
}
