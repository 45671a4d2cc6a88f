package dev.censorsim.messenger;

import dev.censorsim.dns.DnsLookupOutcome;
import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The client's measurements. Event loops record into running totals (atomic counters) and into HdrHistogram
 * {@link Recorder}s; readers take intervals. There are two independent readers, so a phase boundary and the
 * per-second time series never steal each other's samples: {@link #cut()} for phases, {@link #sample()} for the
 * series. Each keeps its own recorders and the totals it last saw, and computes its interval as differences.
 */
final class MessengerMetrics {

    enum Count {
        CHAT_DELIVERED, CHAT_FAILED, CHAT_TIMED_OUT,
        MEDIA_STARTED, MEDIA_COMPLETED, MEDIA_FAILED, MEDIA_BYTES, MEDIA_COMPLETED_BYTES, MEDIA_TRANSFER_NANOS,
        CONNECT_ATTEMPTS, CONNECT_OK, CONNECT_RESET, CONNECT_TIMEOUT, CONNECT_REFUSED, CONNECT_OTHER,
        DNS_LOOKUPS, DNS_OK, DNS_NXDOMAIN, DNS_NODATA, DNS_SERVFAIL, DNS_TIMEOUT, DNS_FALLBACK, DNS_UNRESOLVED
    }

    private static final int SIGNIFICANT_DIGITS = 3;
    private static final double NANOS_PER_MILLI = 1e6;

    private final long startNanos;
    private final long chatPeriodNanos;
    private final boolean chat;
    private final boolean media;
    private final boolean dns;
    private final AtomicLongArray totals = new AtomicLongArray(Count.values().length);
    private final Reader phases;
    private final Reader series;
    /** Advanced by each {@link #cut}; written under the phases lock, read by event loops. */
    private volatile long phase;

    /**
     * @param chatPeriodNanos the chat schedule's period, message 0 being due at {@code startNanos}; 0 when chat is off
     */
    MessengerMetrics(long startNanos, long chatPeriodNanos, boolean media) {
        this(startNanos, chatPeriodNanos, media, false);
    }

    /** @param dns whether the client resolves names through DNS, so phases report {@code dns.*} */
    MessengerMetrics(long startNanos, long chatPeriodNanos, boolean media, boolean dns) {
        this.dns = dns;
        this.startNanos = startNanos;
        this.chatPeriodNanos = chatPeriodNanos;
        this.chat = chatPeriodNanos > 0;
        this.media = media;
        this.phases = new Reader(startNanos);
        this.series = new Reader(startNanos);
    }

    void add(Count count, long delta) {
        totals.addAndGet(count.ordinal(), delta);
    }

    /**
     * Messages the schedule made due before {@code nanos}. "Sent" is counted from the schedule rather than from the
     * event loop's ticks, so a starved loop that ticks late neither hides messages from one interval nor pushes them
     * into the next: the same coordinated-omission rule as the latencies.
     */
    private long dueBefore(long nanos) {
        long elapsed = nanos - startNanos;
        return elapsed <= 0 ? 0 : (elapsed + chatPeriodNanos - 1) / chatPeriodNanos;
    }

    void chatDelivered(long latencyNanos) {
        add(Count.CHAT_DELIVERED, 1);
        long value = Math.max(0, latencyNanos);
        phases.chatLatency.recordValue(value);
        series.chatLatency.recordValue(value);
    }

    void chatFailed(int messages, long nowNanos) {
        if (messages > 0) {
            add(Count.CHAT_FAILED, messages);
            failure(nowNanos);
        }
    }

    void chatTimedOut(long nowNanos) {
        add(Count.CHAT_TIMED_OUT, 1);
        failure(nowNanos);
    }

    void mediaStarted() {
        add(Count.MEDIA_STARTED, 1);
    }

    void mediaBytes(long bytes) {
        add(Count.MEDIA_BYTES, bytes);
    }

    /** The current phase's number, which {@link #cut} advances; a transfer notes it when it starts. */
    long phase() {
        return phase;
    }

    /**
     * Counts a completed transfer. Only a transfer that ran entirely within the current phase counts toward its
     * throughput: one that started in the previous phase ran partly under another policy, and its bytes over its time
     * would mix the two (measured: a transfer straddling an open-to-130-kbit/s switch put 169 kbit/s on the
     * throttled phase).
     */
    void mediaCompleted(long bytes, long transferNanos, long startedInPhase) {
        add(Count.MEDIA_COMPLETED, 1);
        if (startedInPhase == phase) {
            add(Count.MEDIA_COMPLETED_BYTES, bytes);
            add(Count.MEDIA_TRANSFER_NANOS, Math.max(1, transferNanos));
        }
    }

    void mediaFailed(long nowNanos) {
        add(Count.MEDIA_FAILED, 1);
        failure(nowNanos);
    }

    /**
     * Counts an attempt when it ends, not when it starts, so an interval's attempts always equal the sum of its
     * outcomes and an attempt still running at a cut does not dilute the ratios.
     *
     * <p>An attempt that began in the previous phase is not counted: its ClientHello was judged under the previous
     * policy, so its outcome (a handshake that completed just before a block was re-evaluated onto it, say) belongs to
     * neither phase's policy alone.
     */
    void connectEnded(ConnectOutcome outcome, long elapsedNanos, long nowNanos, long startedInPhase) {
        if (startedInPhase != phase) {
            return;
        }
        add(switch (outcome) {
            case OK -> Count.CONNECT_OK;
            case RESET -> Count.CONNECT_RESET;
            case TIMEOUT -> Count.CONNECT_TIMEOUT;
            case REFUSED -> Count.CONNECT_REFUSED;
            case OTHER -> Count.CONNECT_OTHER;
        }, 1);
        add(Count.CONNECT_ATTEMPTS, 1);
        if (outcome == ConnectOutcome.OK) {
            phases.connectLatency.recordValue(Math.max(0, elapsedNanos));
            series.connectLatency.recordValue(Math.max(0, elapsedNanos));
        } else {
            failure(nowNanos);
        }
    }

    /** Counts one lookup sent to the DNS server, by how it ended; a timeout has no latency to record. */
    void dnsLookedUp(DnsLookupOutcome outcome, long latencyNanos) {
        add(switch (outcome) {
            case OK -> Count.DNS_OK;
            case NXDOMAIN -> Count.DNS_NXDOMAIN;
            case NODATA -> Count.DNS_NODATA;
            case TIMEOUT -> Count.DNS_TIMEOUT;
            case SERVFAIL, REFUSED, ERROR -> Count.DNS_SERVFAIL;
        }, 1);
        add(Count.DNS_LOOKUPS, 1);
        if (outcome != DnsLookupOutcome.TIMEOUT) {
            phases.dnsLatency.recordValue(Math.max(0, latencyNanos));
            series.dnsLatency.recordValue(Math.max(0, latencyNanos));
        }
    }

    /** An attempt dialled a hardcoded fallback address because its lookup failed. */
    void dnsFallback() {
        add(Count.DNS_FALLBACK, 1);
    }

    /** An attempt was abandoned because its name did not resolve and there was no fallback. */
    void dnsUnresolved(long nowNanos) {
        add(Count.DNS_UNRESOLVED, 1);
        failure(nowNanos);
    }

    private void failure(long nowNanos) {
        phases.firstFailure.compareAndSet(Long.MAX_VALUE, nowNanos);
    }

    /** The interval since the previous cut, as a phase snapshot. */
    MessengerSnapshot cut(long nowNanos) {
        synchronized (phases) {
            phase = phase + 1;
            Interval interval = phases.take(nowNanos, totals);
            Map<String, Double> values = new LinkedHashMap<>();
            if (chat) {
                chatFigures(interval, nowNanos, values, true);
            }
            if (media) {
                long completed = interval.get(Count.MEDIA_COMPLETED);
                long started = interval.get(Count.MEDIA_STARTED);
                put(values, Metric.MEDIA_TRANSFERS, started);
                put(values, Metric.MEDIA_COMPLETED, completed);
                put(values, Metric.MEDIA_FAILED, interval.get(Count.MEDIA_FAILED));
                put(values, Metric.MEDIA_BYTES, interval.get(Count.MEDIA_BYTES));
                if (interval.get(Count.MEDIA_TRANSFER_NANOS) > 0) {
                    // Bytes over time, not a mean of per-transfer rates: one transfer that straddles a phase
                    // boundary (and so ran partly under another policy) would otherwise dominate the mean.
                    put(values, Metric.MEDIA_THROUGHPUT, interval.get(Count.MEDIA_COMPLETED_BYTES) * 8e9
                            / interval.get(Count.MEDIA_TRANSFER_NANOS));
                }
                if (started > 0) {
                    put(values, Metric.MEDIA_COMPLETED_RATIO, Math.min(1.0, (double) completed / started));
                }
            }
            long attempts = interval.get(Count.CONNECT_ATTEMPTS);
            put(values, Metric.CONNECT_ATTEMPTS, attempts);
            connectCounts(interval, values);
            if (attempts > 0) {
                put(values, Metric.CONNECT_OK_RATIO, ratio(interval.get(Count.CONNECT_OK), attempts));
                put(values, Metric.CONNECT_RESET_RATIO, ratio(interval.get(Count.CONNECT_RESET), attempts));
                put(values, Metric.CONNECT_TIMEOUT_RATIO, ratio(interval.get(Count.CONNECT_TIMEOUT), attempts));
            }
            if (interval.connectLatency.getTotalCount() > 0) {
                put(values, Metric.CONNECT_LATENCY_P50, millis(interval.connectLatency.getValueAtPercentile(50)));
                put(values, Metric.CONNECT_LATENCY_P99, millis(interval.connectLatency.getValueAtPercentile(99)));
            }
            if (dns) {
                dnsFigures(interval, values);
            }
            long firstFailure = phases.firstFailure.getAndSet(Long.MAX_VALUE);
            if (firstFailure != Long.MAX_VALUE) {
                put(values, Metric.FIRST_FAILURE_SECONDS, Math.max(0, firstFailure - interval.startNanos) / 1e9);
            }
            return new MessengerSnapshot(seconds(interval.startNanos), seconds(nowNanos), values,
                    interval.chatLatency.copy(), interval.connectLatency.copy());
        }
    }

    /** The interval since the previous sample, as one point of the time series. */
    TimeSample sample(long nowNanos) {
        synchronized (series) {
            Interval interval = series.take(nowNanos, totals);
            Map<String, Double> values = new LinkedHashMap<>();
            if (chat) {
                chatFigures(interval, nowNanos, values, false);
            }
            if (media) {
                double elapsedSeconds = Math.max(1e-9, (nowNanos - interval.startNanos) / 1e9);
                put(values, Metric.MEDIA_THROUGHPUT, interval.get(Count.MEDIA_BYTES) * 8 / elapsedSeconds);
                put(values, Metric.MEDIA_COMPLETED, interval.get(Count.MEDIA_COMPLETED));
                put(values, Metric.MEDIA_FAILED, interval.get(Count.MEDIA_FAILED));
            }
            connectCounts(interval, values);
            return new TimeSample(seconds(nowNanos), values);
        }
    }

    private void chatFigures(Interval interval, long endNanos, Map<String, Double> values, boolean full) {
        long sent = dueBefore(endNanos) - dueBefore(interval.startNanos);
        if (full) {
            put(values, Metric.CHAT_SENT, sent);
        }
        put(values, Metric.CHAT_DELIVERED, interval.get(Count.CHAT_DELIVERED));
        put(values, Metric.CHAT_FAILED, interval.get(Count.CHAT_FAILED));
        put(values, Metric.CHAT_TIMED_OUT, interval.get(Count.CHAT_TIMED_OUT));
        // Messages whose fate was decided in the interval, not those sent in it: a message sent just before a cut is
        // acknowledged after it, and would otherwise count as lost in one phase and as extra in the next.
        long decided = interval.get(Count.CHAT_DELIVERED) + interval.get(Count.CHAT_FAILED)
                + interval.get(Count.CHAT_TIMED_OUT);
        if (full && decided > 0) {
            put(values, Metric.CHAT_DELIVERED_RATIO, ratio(interval.get(Count.CHAT_DELIVERED), decided));
        }
        Histogram latency = interval.chatLatency;
        if (latency.getTotalCount() > 0) {
            put(values, Metric.CHAT_LATENCY_P50, millis(latency.getValueAtPercentile(50)));
            put(values, Metric.CHAT_LATENCY_P99, millis(latency.getValueAtPercentile(99)));
            if (full) {
                put(values, Metric.CHAT_LATENCY_P90, millis(latency.getValueAtPercentile(90)));
                put(values, Metric.CHAT_LATENCY_MAX, millis(latency.getMaxValue()));
            }
        }
    }

    private static void dnsFigures(Interval interval, Map<String, Double> values) {
        long lookups = interval.get(Count.DNS_LOOKUPS);
        put(values, Metric.DNS_LOOKUPS, lookups);
        put(values, Metric.DNS_OK, interval.get(Count.DNS_OK));
        put(values, Metric.DNS_NXDOMAIN, interval.get(Count.DNS_NXDOMAIN));
        put(values, Metric.DNS_NODATA, interval.get(Count.DNS_NODATA));
        put(values, Metric.DNS_SERVFAIL, interval.get(Count.DNS_SERVFAIL));
        put(values, Metric.DNS_TIMEOUT, interval.get(Count.DNS_TIMEOUT));
        put(values, Metric.DNS_FALLBACK, interval.get(Count.DNS_FALLBACK));
        put(values, Metric.DNS_UNRESOLVED, interval.get(Count.DNS_UNRESOLVED));
        if (lookups > 0) {
            put(values, Metric.DNS_OK_RATIO, ratio(interval.get(Count.DNS_OK), lookups));
            put(values, Metric.DNS_NXDOMAIN_RATIO, ratio(interval.get(Count.DNS_NXDOMAIN), lookups));
        }
        Histogram latency = interval.dnsLatency;
        if (latency.getTotalCount() > 0) {
            put(values, Metric.DNS_LATENCY_P50, millis(latency.getValueAtPercentile(50)));
            put(values, Metric.DNS_LATENCY_P99, millis(latency.getValueAtPercentile(99)));
        }
    }

    private static void connectCounts(Interval interval, Map<String, Double> values) {
        put(values, Metric.CONNECT_OK, interval.get(Count.CONNECT_OK));
        put(values, Metric.CONNECT_RESET, interval.get(Count.CONNECT_RESET));
        put(values, Metric.CONNECT_TIMEOUT, interval.get(Count.CONNECT_TIMEOUT));
        put(values, Metric.CONNECT_REFUSED, interval.get(Count.CONNECT_REFUSED));
        put(values, Metric.CONNECT_OTHER, interval.get(Count.CONNECT_OTHER));
    }

    private static double ratio(long part, long whole) {
        return Math.min(1.0, (double) part / whole);
    }

    private static double millis(long nanos) {
        return nanos / NANOS_PER_MILLI;
    }

    private double seconds(long nanos) {
        return Math.max(0, nanos - startNanos) / 1e9;
    }

    private static void put(Map<String, Double> values, Metric metric, double value) {
        values.put(metric.name(), value);
    }

    /** One reader's view: its recorders, the totals it saw last, and where its current interval began. */
    private static final class Reader {
        final Recorder chatLatency = new Recorder(SIGNIFICANT_DIGITS);
        final Recorder connectLatency = new Recorder(SIGNIFICANT_DIGITS);
        final Recorder dnsLatency = new Recorder(SIGNIFICANT_DIGITS);
        final AtomicLong firstFailure = new AtomicLong(Long.MAX_VALUE);
        final long[] seen = new long[Count.values().length];
        long intervalStartNanos;
        Histogram chatRecycle;
        Histogram connectRecycle;
        Histogram dnsRecycle;

        Reader(long startNanos) {
            this.intervalStartNanos = startNanos;
        }

        Interval take(long nowNanos, AtomicLongArray totals) {
            long[] delta = new long[seen.length];
            for (int i = 0; i < seen.length; i++) {
                long total = totals.get(i);
                delta[i] = total - seen[i];
                seen[i] = total;
            }
            chatRecycle = chatLatency.getIntervalHistogram(chatRecycle);
            connectRecycle = connectLatency.getIntervalHistogram(connectRecycle);
            dnsRecycle = dnsLatency.getIntervalHistogram(dnsRecycle);
            Interval interval = new Interval(intervalStartNanos, delta, chatRecycle, connectRecycle, dnsRecycle);
            intervalStartNanos = nowNanos;
            return interval;
        }
    }

    private record Interval(long startNanos, long[] counts, Histogram chatLatency, Histogram connectLatency,
                            Histogram dnsLatency) {
        long get(Count count) {
            return counts[count.ordinal()];
        }
    }
}
