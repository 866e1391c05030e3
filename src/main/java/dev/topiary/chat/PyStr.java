// PyStr: Python's str.isspace and str.strip, reproduced for exact templates.
package dev.topiary.chat;

/**
 * Python's white space and stripping, as chat templates see them (Jinja's trim filter is Python's
 * {@code str.strip}); Java's {@code String.strip} knows other spaces. Writing JSON as Python does is
 * {@link dev.topiary.format.Json#dumps}.
 */
final class PyStr {
    private PyStr() {}

    /** Python's str.isspace for one character. */
    static boolean isPySpace(char c) {
        return switch (c) {
            case ' ',
                    '\t',
                    '\n',
                    '\u000b',
                    '\f',
                    '\r',
                    '\u001c',
                    '\u001d',
                    '\u001e',
                    '\u001f',
                    '\u0085',
                    '\u00a0',
                    '\u1680',
                    '\u2028',
                    '\u2029',
                    '\u202f',
                    '\u205f',
                    '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200a';
        };
    }

    /** Python's str.strip() with no argument (Jinja's trim filter). */
    static String strip(String s) {
        int a = 0, b = s.length();
        while (a < b && isPySpace(s.charAt(a))) a++;
        while (b > a && isPySpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    static String lstrip(String s) {
        int a = 0;
        while (a < s.length() && isPySpace(s.charAt(a))) a++;
        return s.substring(a);
    }

    static String rstrip(String s) {
        int b = s.length();
        while (b > 0 && isPySpace(s.charAt(b - 1))) b--;
        return s.substring(0, b);
    }
}
