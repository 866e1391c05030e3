package dev.topiary.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on stderr. On a terminal: a live bar. Otherwise (a pipe, a log file, CI): a plain
 * ASCII line every 10 seconds, newline-terminated, so logs stay readable.
 */
final class Progress {
    private Progress() {}

    static ProgressBar bar(String task, long total) {
        boolean console = System.console() != null;
        ProgressBarConsumer consumer = console ? new ConsoleProgressBarConsumer(System.err) : new Lines(System.err);
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(console ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setConsumer(consumer).setUpdateIntervalMillis(console ? 200 : 10_000).continuousUpdate().build();
    }

    /** One line per update, without carriage returns or colours. */
    private record Lines(PrintStream out) implements ProgressBarConsumer {
        @Override
        public int getMaxRenderedLength() {
            return 120;
        }

        @Override
        public void accept(String rendered) {
            out.println(rendered.replace("\r", "").strip());
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
