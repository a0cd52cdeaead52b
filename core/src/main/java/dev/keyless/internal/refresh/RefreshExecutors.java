package dev.keyless.internal.refresh;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.utils.ThreadFactoryBuilder;

/**
 * The threads every provider in the JVM shares, so there is no thread per provider: one timer thread
 * ({@code keyless-refresh-timer-N}) that only schedules, and a pool of at most {@link #MAX_WORKERS} threads
 * ({@code keyless-refresh-N}) that runs the blocking refresh work. All are daemon threads and die after a minute
 * without work.
 *
 * <p>The pool is bounded so that a thousand providers refreshing at once (a multi-tenant service's providers,
 * started together) queue for a few threads instead of each taking one: with an unbounded pool and 2 ms STS
 * calls, a thousand background refreshes took 185 threads. A background refresh starts minutes before the
 * credentials go stale, so waiting in the queue costs nothing a caller sees. A {@code resolveCredentials()}
 * caller with nothing valid to return fetches on its own thread, never in this queue; a
 * {@code resolveIdentity()} caller in the same situation is answered by a fetch that does queue here.
 */
public final class RefreshExecutors {

    /** The most threads that run refreshes at once, in the whole JVM. */
    public static final int MAX_WORKERS = 8;

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
     * The shared pool for blocking refresh work (token fetch and STS call): at most {@link #MAX_WORKERS}
     * threads, the rest queued.
     *
     * @return the pool
     */
    public static ExecutorService worker() {
        return Holder.WORKER;
    }

    private static final class Holder {
        static final ScheduledThreadPoolExecutor TIMER = newTimer();
        static final ExecutorService WORKER = newWorker();

        private static ThreadPoolExecutor newWorker() {
            ThreadPoolExecutor worker = new ThreadPoolExecutor(MAX_WORKERS, MAX_WORKERS, 1, TimeUnit.MINUTES,
                    new LinkedBlockingQueue<>(),
                    new ThreadFactoryBuilder().threadNamePrefix("keyless-refresh").daemonThreads(true).build());
            worker.allowCoreThreadTimeOut(true);
            return worker;
        }

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
