package dev.topiary.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C and SIGTERM during a long job: the JVM's shutdown hook asks the job to stop and waits (up
 * to two minutes) until it has written its checkpoint and returned.
 */
final class StopHook {
    private StopHook() {}

    static <T> T around(Runnable requestStop, Callable<T> body) throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    requestStop.run();
                    try {
                        finished.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                },
                "topiary-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return body.call();
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting because of a signal: the job has stopped at its checkpoint
            }
        }
    }
}
