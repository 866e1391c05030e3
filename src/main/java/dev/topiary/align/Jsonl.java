// Jsonl: small helpers for the JSON and JSONL data files the align readers share.
package dev.topiary.align;

/** Helpers for JSON text read from files. */
final class Jsonl {
    private Jsonl() {}

    /** The text without a leading UTF-8 byte order mark (U+FEFF), which editors on Windows like to write. */
    static String withoutBom(String text) {
        return !text.isEmpty() && text.charAt(0) == '\uFEFF' ? text.substring(1) : text;
    }
}
