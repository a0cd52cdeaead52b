package dev.keyless.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A clock and a scheduler that move only when the test says so: {@link #advance(Duration)} moves the clock
 * and runs every task that has come due, in order. Tasks submitted with {@code execute} run on the next
 * {@link #runDue()}. Not thread-safe: drive it from the test thread.
 */
public final class FakeTime {

    private Instant now;
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            synchronized (FakeTime.this) {
                return now;
            }
        }
    };
    private final Scheduler scheduler = new Scheduler();

    public FakeTime(Instant start) {
        this.now = start;
    }

    public Clock clock() {
        return clock;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public synchronized Instant now() {
        return now;
    }

    /** Moves the clock forward step by step through every due task, running each at its due time. */
    public void advance(Duration duration) {
        Instant target = now().plus(duration);
        while (true) {
            Task next = scheduler.earliest();
            if (next == null || next.due.isAfter(target)) {
                break;
            }
            synchronized (this) {
                if (next.due.isAfter(now)) {
                    now = next.due;
                }
            }
            scheduler.run(next);
        }
        synchronized (this) {
            now = target;
        }
        runDue();
    }

    /** Sets the clock to {@code instant} (forwards or backwards) without running anything. */
    public synchronized void set(Instant instant) {
        now = instant;
    }

    /** Runs every task due now, including tasks they submit. */
    public void runDue() {
        Task next;
        while ((next = scheduler.earliest()) != null && !next.due.isAfter(now())) {
            scheduler.run(next);
        }
    }

    /** Tasks waiting, cancelled ones excluded. */
    public int pendingTasks() {
        return scheduler.pending();
    }

    private final class Task extends FutureTask<Object> implements ScheduledFuture<Object> {
        final Instant due;
        final long seq;

        Task(Callable<Object> callable, Instant due, long seq) {
            super(callable);
            this.due = due;
            this.seq = seq;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(now(), due));
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }
    }

    private final class Scheduler extends AbstractExecutorService implements ScheduledExecutorService {
        private final List<Task> tasks = new ArrayList<>();
        private long seq;

        synchronized Task earliest() {
            tasks.removeIf(Task::isCancelled);
            return tasks.stream().min(Comparator.comparing((Task t) -> t.due).thenComparingLong(t -> t.seq))
                    .orElse(null);
        }

        void run(Task task) {
            synchronized (this) {
                tasks.remove(task);
            }
            task.run();
        }

        synchronized int pending() {
            tasks.removeIf(Task::isCancelled);
            return tasks.size();
        }

        private synchronized Task add(Callable<Object> callable, Duration delay) {
            Task task = new Task(callable, now().plus(delay), seq++);
            tasks.add(task);
            return task;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return add(() -> {
                command.run();
                return null;
            }, Duration.of(delay, unit.toChronoUnit()));
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            return (ScheduledFuture<V>) add((Callable<Object>) callable, Duration.of(delay, unit.toChronoUnit()));
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void execute(Runnable command) {
            schedule(command, 0, TimeUnit.MILLISECONDS);
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
