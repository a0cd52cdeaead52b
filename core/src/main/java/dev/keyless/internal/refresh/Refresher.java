package dev.keyless.internal.refresh;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value that expires (credentials), cached and refreshed before it expires: the one refresh machine
 * behind every kind of credentials Keyless produces. The {@link Fetcher} only says how to fetch a fresh
 * value; everything about when is here.
 *
 * <ul>
 *   <li>A value is <em>valid</em> until {@code staleTime} before it expires. {@link #get()} returns a valid
 *       cached value at once, from any number of threads.</li>
 *   <li>From {@code prefetchTime} before expiry, less a random jitter of up to half of it (so a fleet does
 *       not refresh in step), one background refresh runs; callers keep getting the cached value.</li>
 *   <li>Once per start: the first background refresh after a fetch that callers waited for (the first of all,
 *       or the first after the value went stale) plans the next one at a random point between halfway through
 *       the new value's validity and {@code prefetchTime} before its expiry. Providers that start together (a
 *       fleet's rolling restart) or recover together (after an outage) would otherwise refresh in step, the
 *       jitter above spreading them by only a few minutes a cycle; this spreads them over about half the
 *       validity (25 minutes of a one-hour session), at the cost of one earlier refresh.</li>
 *   <li>Only when no valid value is cached does a caller wait, for the one shared refresh. There is never
 *       more than one fetch at a time.</li>
 *   <li>After a failure, the next attempt waits out a capped, jittered backoff: from 1 s to 1 min for
 *       failures whose {@link RefreshFailure.Kind#retrySoon kind} says waiting helps, from 10 s to 5 min
 *       for the rest. Until it is due, callers with no valid value get the last failure at once.</li>
 *   <li>A stale or expired value is never returned. After {@link #close()}, {@link #get()} fails.</li>
 * </ul>
 *
 * <p>Thread-safe. Scheduled checks run on the {@code timer} and must not block; fetches run on the
 * {@code worker} (background refreshes) or on the calling thread (a caller with nothing valid to return).
 *
 * @param <T> the value, for example {@code AwsSessionCredentials}
 */
public final class Refresher<T> implements AutoCloseable {

    private static final Duration TRANSIENT_BASE = Duration.ofSeconds(1);
    private static final Duration TRANSIENT_MAX = Duration.ofMinutes(1);
    private static final Duration CONFIGURATION_BASE = Duration.ofSeconds(10);
    private static final Duration CONFIGURATION_MAX = Duration.ofMinutes(5);

    /** Fetches a fresh value. Called by one thread at a time; may block. */
    @FunctionalInterface
    public interface Fetcher<T> {
        /**
         * Fetches a fresh value.
         *
         * @return the value and when it expires
         * @throws RefreshFailure classified, with a message and the exception callers get
         */
        Fetched<T> fetch() throws RefreshFailure;
    }

    /**
     * A fetched value and when it expires.
     *
     * @param value the value
     * @param expiresAt when it expires
     * @param <T> the value's type
     */
    public record Fetched<T>(T value, Instant expiresAt) {
        /** Checks the parts. */
        public Fetched {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }
    }

    /** Told of every refresh, on the thread that ran it. Must not block or throw. */
    public interface Listener<T> {
        /** A fetch is about to start. */
        default void started() {
        }

        /**
         * A fetch succeeded and its value is now cached.
         *
         * @param value the value
         * @param expiresAt when it expires
         * @param nextRefreshAt when the next background refresh is planned
         * @param took how long the fetch took, by the refresher's clock
         */
        default void succeeded(T value, Instant expiresAt, Instant nextRefreshAt, Duration took) {
        }

        /**
         * A fetch failed.
         *
         * @param failure the failure
         * @param nextAttemptAt when the next attempt is due
         * @param took how long the fetch took, by the refresher's clock
         */
        default void failed(RefreshFailure failure, Instant nextAttemptAt, Duration took) {
        }
    }

    private final Fetcher<T> fetcher;
    private final String name;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Executor worker;
    private final long prefetchMillis;
    private final long staleMillis;
    private final Supplier<RandomGenerator> random;
    private final Listener<T> listener;
    private final Supplier<? extends RuntimeException> closedException;
    private final Function<String, RefreshFailure> staleOnArrival;
    private final Logger log;

    /*
     * State shared by callers, the worker and the timer. Invariants:
     * - cached: the newest successful value, with the instants that govern it; replaced only by a successful
     *   refresh, and set to null by close() (a refresh that completes after close() clears it again).
     * - failure: the last failed attempt since the last success, or null; a success clears it. Its
     *   nextAttemptAt is the failure gate: until then, callers with nothing valid get it instead of a fetch.
     * - inFlight: the refresh running now, or null; at most one. Set by the thread that starts a refresh with
     *   compareAndExchange, cleared by that refresh before it completes the future, after cached/failure are
     *   updated, so a caller that finds it null sees the refresh's outcome.
     * - nextCheck: the one scheduled background check; each new one cancels the previous.
     * - closed: set once by close(); afterwards nothing is scheduled and get() fails.
     * - spreadNext: written only by the refresh in flight (one at a time).
     */
    private volatile Cached<T> cached;
    private volatile Failure failure;
    private final AtomicReference<CompletableFuture<Cached<T>>> inFlight = new AtomicReference<>();
    private final AtomicReference<ScheduledFuture<?>> nextCheck = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Whether the next background refresh spreads the one after it over the validity; set by a waited-for fetch. */
    private volatile boolean spreadNext = true;

    private Refresher(Builder<T> b) {
        this.fetcher = Objects.requireNonNull(b.fetcher, "fetcher");
        this.name = Objects.requireNonNull(b.name, "name");
        this.clock = Objects.requireNonNull(b.clock, "clock");
        this.timer = Objects.requireNonNull(b.timer, "timer");
        this.worker = Objects.requireNonNull(b.worker, "worker");
        this.prefetchMillis = b.prefetchTime.toMillis();
        this.staleMillis = b.staleTime.toMillis();
        RandomGenerator seeded = b.random;
        this.random = seeded != null ? () -> seeded : ThreadLocalRandom::current;
        this.listener = b.listener != null ? b.listener : new Listener<>() { };
        this.closedException = Objects.requireNonNull(b.closedException, "closedException");
        this.staleOnArrival = Objects.requireNonNull(b.staleOnArrival, "staleOnArrival");
        this.log = b.logger != null ? b.logger : LoggerFactory.getLogger(Refresher.class);
    }

    /**
     * A builder.
     *
     * @param <T> the value's type
     * @return a new builder
     */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * A valid value: the cached one at once if it is not stale (starting a background refresh if one is
     * due), else the result of a refresh this thread runs or waits for.
     *
     * @return the value
     * @throws RuntimeException the failure's exception if there is no valid value and a refresh fails, or
     *     the closed exception after {@link #close()}
     */
    public T get() {
        long now = clock.millis();
        Cached<T> c = valid(now);
        if (c != null) {
            return c.value;
        }
        throwIfClosedOrGated(now);
        try {
            return joinOrStart(Runnable::run).join().value;
        } catch (CompletionException e) {
            throw unwrap(e.getCause());
        }
    }

    /**
     * Like {@link #get()}, but never blocks: a completed future when a valid value is cached, else a future
     * completed by a background refresh.
     *
     * @return the future value
     */
    public CompletableFuture<T> getAsync() {
        return getAsync(Function.identity());
    }

    /**
     * {@link #getAsync()}, the value mapped: one allocation, the completed future, when a valid value is cached.
     *
     * @param map what callers get of the value; cheap, never blocks
     * @param <R> what callers get
     * @return the future value
     */
    public <R> CompletableFuture<R> getAsync(Function<? super T, ? extends R> map) {
        long now = clock.millis();
        Cached<T> c = valid(now);
        if (c != null) {
            return CompletableFuture.completedFuture(map.apply(c.value));
        }
        CompletableFuture<R> result = new CompletableFuture<>();
        try {
            throwIfClosedOrGated(now);
            joinOrStart(worker).whenComplete((fresh, error) -> {
                if (error == null) {
                    result.complete(map.apply(fresh.value));
                } else {
                    result.completeExceptionally(unwrap(error));
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * The cached value if it is valid now, without refreshing or waiting.
     *
     * @return the value, or {@code null} if none is valid
     */
    public T validOrNull() {
        Cached<T> c = cached;
        return c != null && clock.millis() < c.staleAt ? c.value : null;
    }

    /** Stops scheduled refreshes and forgets the cached value; afterwards {@link #get()} fails. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        cached = null;
        ScheduledFuture<?> next = nextCheck.getAndSet(null);
        if (next != null) {
            next.cancel(false);
        }
    }

    /** The cached value if it is valid at {@code now}, starting a background refresh if one is due; else null. */
    private Cached<T> valid(long now) {
        Cached<T> c = cached;
        if (c == null || now >= c.staleAt) {
            return null;
        }
        if (now >= c.prefetchAt) {
            prefetchIfDue(now);
        }
        return c;
    }

    private void throwIfClosedOrGated(long now) {
        if (closed.get()) {
            throw closedException.get();
        }
        Failure f = failure;
        if (f != null && now < f.nextAttemptAt && inFlight.get() == null) {
            // The last attempt failed and the next is not due: answer at once instead of fetching again.
            throw f.cause.newException();
        }
    }

    private void prefetchIfDue(long now) {
        if (inFlight.get() != null || closed.get()) {
            return;
        }
        Failure f = failure;
        if (f == null || now >= f.nextAttemptAt) {
            joinOrStart(worker);
        }
    }

    /** Joins the refresh in flight, or starts one on {@code executor} ({@code Runnable::run}: this thread). */
    private CompletableFuture<Cached<T>> joinOrStart(Executor executor) {
        CompletableFuture<Cached<T>> mine = new CompletableFuture<>();
        CompletableFuture<Cached<T>> running = inFlight.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        try {
            executor.execute(() -> runRefresh(mine));
        } catch (RejectedExecutionException e) {
            inFlight.set(null);
            mine.completeExceptionally(e);
        }
        return mine;
    }

    private void runRefresh(CompletableFuture<Cached<T>> result) {
        long start = clock.millis();
        Cached<T> current = cached;
        if (current != null && start < current.prefetchAt) {
            // Another refresh finished between this caller's check and its taking the slot.
            inFlight.set(null);
            result.complete(current);
            return;
        }
        Cached<T> fresh = null;
        RefreshFailure error = null;
        notify(listener::started);
        boolean waitedFor = current == null || start >= current.staleAt;
        try {
            fresh = cache(fetcher.fetch(), start, !waitedFor && spreadNext);
        } catch (RefreshFailure f) {
            error = f;
        } catch (RuntimeException | Error e) {
            inFlight.set(null);
            result.completeExceptionally(e);
            throw e;
        }
        if (fresh != null) {
            cached = fresh;
            failure = null;
            spreadNext = waitedFor;
            if (closed.get()) {
                cached = null;
            }
            scheduleCheck(fresh.prefetchAt);
            inFlight.set(null);
            Cached<T> done = fresh;
            Duration took = Duration.ofMillis(clock.millis() - start);
            notify(() -> listener.succeeded(done.value, Instant.ofEpochMilli(done.expiresAt),
                    Instant.ofEpochMilli(done.prefetchAt), took));
            result.complete(fresh);
        } else {
            Failure f = recordFailure(error);
            inFlight.set(null);
            RefreshFailure failed = error;
            Duration took = Duration.ofMillis(clock.millis() - start);
            notify(() -> listener.failed(failed, Instant.ofEpochMilli(f.nextAttemptAt), took));
            result.completeExceptionally(new Failed(error));
        }
    }

    /** A listener that throws must not break the refresh: callers are waiting on its outcome. */
    private void notify(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("A refresh listener of {} threw; ignored", name, e);
        }
    }

    private Cached<T> cache(Fetched<T> fetched, long start, boolean spread) throws RefreshFailure {
        long now = clock.millis();
        long expiresAt = fetched.expiresAt().toEpochMilli();
        long staleAt = expiresAt - staleMillis;
        if (now >= staleAt) {
            throw staleOnArrival.apply("the credentials expire at " + fetched.expiresAt() + ", which is already "
                    + "within staleTime of the local clock (" + Instant.ofEpochMilli(now) + "). Check the machine's "
                    + "clock (NTP)");
        }
        // Never refresh more often than every half of the remaining validity, whatever the clock says.
        long earliest = now + (staleAt - now) / 2;
        long latest = expiresAt - prefetchMillis;
        long prefetchAt;
        if (spread && latest > earliest) {
            prefetchAt = earliest + random.get().nextLong(latest - earliest + 1);
        } else {
            long jitter = random.get().nextLong(prefetchMillis / 2 + 1);
            prefetchAt = Math.max(latest - jitter, earliest);
        }
        return new Cached<>(fetched.value(), expiresAt, staleAt, prefetchAt);
    }

    private Failure recordFailure(RefreshFailure error) {
        Failure previous = failure;
        int sameKindBefore = previous != null && previous.cause.kind() == error.kind() ? previous.sameKindCount : 0;
        int consecutive = previous != null ? previous.consecutive + 1 : 1;
        boolean soon = error.kind().retrySoon(sameKindBefore);
        long delay = soon ? backoff(consecutive, TRANSIENT_BASE, TRANSIENT_MAX)
                : backoff(consecutive, CONFIGURATION_BASE, CONFIGURATION_MAX);
        long now = clock.millis();
        Failure f = new Failure(error, sameKindBefore + 1, consecutive, now + delay);
        failure = f;
        scheduleCheck(f.nextAttemptAt);
        Cached<T> c = cached;
        Duration retryIn = Duration.ofMillis(delay);
        if (closed.get()) {
            log.debug("{} (closed meanwhile)", error.getMessage());
        } else if (c != null && now < c.staleAt) {
            log.warn("{} Serving the cached credentials until {}; next attempt in {}.", error.getMessage(),
                    Instant.ofEpochMilli(c.staleAt), retryIn);
        } else {
            log.warn("{} No valid credentials are cached; next attempt in {}.", error.getMessage(), retryIn);
        }
        return f;
    }

    /**
     * The delay before the attempt after the {@code failures}-th consecutive failure: exponential from
     * {@code base}, capped at {@code max}, with half of it jittered. The AWS SDK's
     * {@code BackoffStrategy.exponentialDelayHalfJitter} computes the same, but draws from a random source
     * that cannot be seeded; this one draws from the refresher's, so a simulation is reproducible.
     */
    private long backoff(int failures, Duration base, Duration max) {
        int doublings = Math.min(failures - 1, 30);
        long delay = Math.min(max.toMillis(), base.toMillis() << doublings);
        return delay / 2 + random.get().nextLong(delay / 2 + 1);
    }

    /** Schedules a check at {@code atMillis} (by this refresher's clock) that refreshes if one is due. */
    private void scheduleCheck(long atMillis) {
        if (closed.get()) {
            return;
        }
        long delay = Math.max(0, atMillis - clock.millis());
        ScheduledFuture<?> next;
        try {
            next = timer.schedule(this::backgroundCheck, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("Could not schedule the next refresh of {}; it will happen on the next call", name, e);
            return;
        }
        ScheduledFuture<?> previous = nextCheck.getAndSet(next);
        if (previous != null) {
            previous.cancel(false);
        }
        if (closed.get()) {
            next.cancel(false);
        }
    }

    private void backgroundCheck() {
        if (closed.get() || inFlight.get() != null) {
            return;
        }
        long now = clock.millis();
        Cached<T> c = cached;
        Failure f = failure;
        if (f != null && now < f.nextAttemptAt) {
            scheduleCheck(f.nextAttemptAt);
        } else if (c != null && now < c.prefetchAt) {
            scheduleCheck(c.prefetchAt);
        } else {
            joinOrStart(worker);
        }
    }

    /** What a waiter throws: a fresh exception per caller, with that caller's stack trace. */
    private static RuntimeException unwrap(Throwable error) {
        if (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        if (error instanceof Failed) {
            return ((Failed) error).failure.newException();
        }
        return error instanceof RuntimeException ? (RuntimeException) error : new CompletionException(error);
    }

    /** Carries a failed refresh to the callers that joined it; each makes its own exception from it. */
    private static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient RefreshFailure failure;

        Failed(RefreshFailure failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    @Override
    public String toString() {
        return "Refresher(" + name + ")";
    }

    /** A cached value with the instants (by the refresher's clock) that govern it. */
    private record Cached<T>(T value, long expiresAt, long staleAt, long prefetchAt) {
    }

    /** The last failed attempt and when the next one is due. */
    private record Failure(RefreshFailure cause, int sameKindCount, int consecutive, long nextAttemptAt) {
    }

    /**
     * Configures a {@link Refresher}. Not thread-safe.
     *
     * @param <T> the value's type
     */
    public static final class Builder<T> {
        private Fetcher<T> fetcher;
        private String name;
        private Clock clock = Clock.systemUTC();
        private ScheduledExecutorService timer;
        private Executor worker;
        private Duration prefetchTime = Duration.ofMinutes(5);
        private Duration staleTime = Duration.ofMinutes(1);
        private RandomGenerator random;
        private Listener<T> listener;
        private Supplier<? extends RuntimeException> closedException;
        private Function<String, RefreshFailure> staleOnArrival;
        private Logger logger;

        private Builder() {
        }

        /** @param fetcher fetches a fresh value; required @return this builder */
        public Builder<T> fetcher(Fetcher<T> fetcher) {
            this.fetcher = fetcher;
            return this;
        }

        /** @param name names what is refreshed in log lines (a role ARN); required @return this builder */
        public Builder<T> name(String name) {
            this.name = name;
            return this;
        }

        /** @param clock decides expiry and refresh times; by default, the system clock @return this builder */
        public Builder<T> clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * @param timer runs scheduled checks, which never block; by default, the JVM-wide
         *     {@link RefreshExecutors#timer()}
         * @param worker runs background fetches, which block; by default, {@link RefreshExecutors#worker()}
         * @return this builder
         */
        public Builder<T> executors(ScheduledExecutorService timer, Executor worker) {
            this.timer = timer;
            this.worker = worker;
            return this;
        }

        /**
         * @param prefetchTime how long before expiry the background refresh starts (less up to half of it as
         *     jitter); by default, 5 minutes
         * @param staleTime how long before expiry a value stops being returned; by default, 1 minute
         * @return this builder
         */
        public Builder<T> times(Duration prefetchTime, Duration staleTime) {
            this.prefetchTime = prefetchTime;
            this.staleTime = staleTime;
            return this;
        }

        /** @param random draws the jitter of refresh times and backoff; by default, {@link ThreadLocalRandom} @return this builder */
        public Builder<T> random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /** @param listener told of every refresh; by default, none @return this builder */
        public Builder<T> listener(Listener<T> listener) {
            this.listener = listener;
            return this;
        }

        /** @param closedException makes the exception {@link #get()} throws after close; required @return this builder */
        public Builder<T> closedException(Supplier<? extends RuntimeException> closedException) {
            this.closedException = closedException;
            return this;
        }

        /**
         * @param staleOnArrival the failure for a fetched value that is already stale by the local clock, given
         *     what is wrong; required
         * @return this builder
         */
        public Builder<T> staleOnArrival(Function<String, RefreshFailure> staleOnArrival) {
            this.staleOnArrival = staleOnArrival;
            return this;
        }

        /** @param logger where failures are logged; by default, this class's logger @return this builder */
        public Builder<T> logger(Logger logger) {
            this.logger = logger;
            return this;
        }

        /** @return the refresher; fetches nothing */
        public Refresher<T> build() {
            if (timer == null) {
                timer = RefreshExecutors.timer();
            }
            if (worker == null) {
                worker = RefreshExecutors.worker();
            }
            return new Refresher<>(this);
        }
    }
}
