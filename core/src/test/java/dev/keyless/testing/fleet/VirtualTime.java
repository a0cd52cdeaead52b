package dev.keyless.testing.fleet;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link dev.keyless.testing.FakeTime}'s contract (a clock that moves only when told to, a scheduler whose tasks
 * run when the clock reaches them, in order of due time, then submission) for hundreds of thousands of tasks: a
 * priority queue instead of a scan of a list, and milliseconds instead of {@code Instant}s. A simulation of ten
 * thousand refreshers runs a million tasks; {@code FakeTime} finds each by scanning every pending one.
 *
 * <p>Not thread-safe, by design: one thread drives it, and every task runs on that thread, so a simulation is
 * reproducible to the millisecond.
 */
public final class VirtualTime {

    private long nowMillis;
    private long seq;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private final Scheduler scheduler = new Scheduler();
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
            return Instant.ofEpochMilli(nowMillis);
        }

        @Override
        public long millis() {
            return nowMillis;
        }
    };

    /**
     * A virtual time starting at {@code start}.
     *
     * @param start the first instant
     */
    public VirtualTime(Instant start) {
        this.nowMillis = start.toEpochMilli();
    }

    /** @return the clock */
    public Clock clock() {
        return clock;
    }

    /** @return the scheduler: {@code execute} runs a task at the current time, after those already due */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** @return the current time, in epoch milliseconds */
    public long millis() {
        return nowMillis;
    }

    /**
     * Runs every task due up to {@code targetMillis}, each at its due time, including those they schedule, and
     * leaves the clock at {@code targetMillis}.
     *
     * @param targetMillis where the clock ends, in epoch milliseconds; never before now
     */
    public void runUntil(long targetMillis) {
        Task next;
        while ((next = peekLive()) != null && next.due <= targetMillis) {
            queue.poll();
            nowMillis = Math.max(nowMillis, next.due);
            next.run();
        }
        nowMillis = Math.max(nowMillis, targetMillis);
    }

    /** @return tasks waiting, cancelled ones excluded */
    public int pendingTasks() {
        queue.removeIf(Task::isCancelled);
        return queue.size();
    }

    private Task peekLive() {
        Task head;
        while ((head = queue.peek()) != null && head.isCancelled()) {
            queue.poll();
        }
        return head;
    }

    private final class Task extends FutureTask<Object> implements ScheduledFuture<Object> {
        final long due;
        final long order;

        Task(Callable<Object> callable, long due) {
            super(callable);
            this.due = due;
            this.order = seq++;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - nowMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task other = (Task) o;
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }
    }

    private final class Scheduler extends AbstractExecutorService implements ScheduledExecutorService {

        private Task add(Callable<Object> callable, long delay, TimeUnit unit) {
            Task task = new Task(callable, nowMillis + Math.max(0, unit.toMillis(delay)));
            queue.add(task);
            return task;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return add(() -> {
                command.run();
                return null;
            }, delay, unit);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            return (ScheduledFuture<V>) add((Callable<Object>) callable, delay, unit);
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
