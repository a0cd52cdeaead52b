package dev.keyless.internal.refresh;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.utils.ThreadFactoryBuilder;

/**
 * The threads every provider in the JVM shares, so there is no thread per provider: one timer thread
 * ({@code keyless-refresh-timer-N}) that only schedules, and a cached pool ({@code keyless-refresh-N})
 * that runs the blocking refresh work. All are daemon threads and die after a minute without work.
 */
public final class RefreshExecutors {

    private RefreshExecutors() {
    }

    /**
     * The shared timer. Tasks run on it must not block: hand blocking work to {@link #worker()}.
     *
     * @return the timer
     */
    public static ScheduledExecutorService timer() {
        return Holder.TIMER;
    }

    /**
     * The shared pool for blocking refresh work (token fetch and STS call).
     *
     * @return the pool
     */
    public static ExecutorService worker() {
        return Holder.WORKER;
    }

    private static final class Holder {
        static final ScheduledThreadPoolExecutor TIMER = newTimer();
        static final ExecutorService WORKER = Executors.newCachedThreadPool(
                new ThreadFactoryBuilder().threadNamePrefix("keyless-refresh").daemonThreads(true).build());

        private static ScheduledThreadPoolExecutor newTimer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                    new ThreadFactoryBuilder().threadNamePrefix("keyless-refresh-timer").daemonThreads(true).build());
            timer.setRemoveOnCancelPolicy(true);
            timer.setKeepAliveTime(1, TimeUnit.MINUTES);
            timer.allowCoreThreadTimeOut(true);
            return timer;
        }
    }
}
