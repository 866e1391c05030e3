package dev.topiary.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr: plain ASCII without a console, so logs and pipes stay clean. */
final class Progress {
    private Progress() {}

    static ProgressBar bar(String task, long total) {
        boolean console = System.console() != null;
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(console ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(console ? 200 : 5000).continuousUpdate().build();
    }
}
