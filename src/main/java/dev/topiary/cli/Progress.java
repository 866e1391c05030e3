package dev.topiary.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on stderr. When stderr is a terminal ({@code System.console() != null}): a live bar. Otherwise (a
 * pipe, a log file, CI): a plain line such as {@code train: 40/100 (40%), 12 s loss 2.1} at most every 10
 * seconds, and a last one when the work ends: at 100% when it all got done ({@link #done}), else where it
 * stopped. Safe to update from several threads.
 */
final class Progress implements AutoCloseable {
    private static final long LINE_EVERY_NANOS = 10_000_000_000L;

    private final String task;
    private final long total;
    private final ProgressBar bar; // on a terminal, else null
    private final PrintStream lines; // off a terminal, else null
    private final long start;
    private long current, lastLine;
    private String extra = "";
    private boolean closed;

    private Progress(String task, long total, ProgressBar bar, PrintStream lines) {
        this.task = task;
        this.total = total;
        this.bar = bar;
        this.lines = lines;
        this.start = this.lastLine = System.nanoTime();
    }

    /** Progress of {@code task} towards {@code total} units. */
    static Progress bar(String task, long total) {
        if (System.console() == null) return lines(task, total, System.err);
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(200)
                .continuousUpdate()
                .build();
        return new Progress(task, total, bar, null);
    }

    /** Plain lines on {@code out}, as off a terminal. */
    static Progress lines(String task, long total, PrintStream out) {
        return new Progress(task, total, null, out);
    }

    void step() {
        stepBy(1);
    }

    synchronized void stepBy(long n) {
        stepTo(current + n);
    }

    synchronized void stepTo(long n) {
        current = n;
        if (bar != null) {
            bar.stepTo(n);
        } else if (System.nanoTime() - lastLine >= LINE_EVERY_NANOS) {
            printLine();
        }
    }

    /** Text shown after the count (the training loss, say). */
    synchronized void setExtraMessage(String message) {
        extra = message;
        if (bar != null) bar.setExtraMessage(message);
    }

    /** All the work got done: the last line says 100%, whatever the units counted on the way. */
    synchronized void done() {
        stepTo(total);
        close();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (bar != null) bar.close();
        else printLine();
    }

    private void printLine() {
        lastLine = System.nanoTime();
        long percent = total > 0 ? Math.min(100, 100 * current / total) : 100;
        lines.printf(
                "%s: %,d/%,d (%d%%), %d s%s%n",
                task, current, total, percent, (lastLine - start) / 1_000_000_000L, extra);
        lines.flush();
    }
}
