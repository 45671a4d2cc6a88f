package dev.censorsim.messenger;

import dev.censorsim.call.EModel;
import dev.censorsim.dns.DnsLookupOutcome;
import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.PhaseTags;
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
        DNS_LOOKUPS, DNS_OK, DNS_NXDOMAIN, DNS_NODATA, DNS_SERVFAIL, DNS_TIMEOUT, DNS_FALLBACK, DNS_UNRESOLVED,
        CALL_ATTEMPTS, CALL_SETUP_OK, CALL_SETUP_FAILED, CALL_FALLBACK, CALL_DROPPED, CALL_COMPLETED,
        CALL_PACKETS_SENT, CALL_PACKETS_RECEIVED, CALL_PACKETS_LOST,
        QUIC_ATTEMPTS, QUIC_OK, QUIC_FALLBACK, QUIC_SKIPPED, QUIC_STALLED, QUIC_BYTES, QUIC_TCP_BYTES
    }

    /** The distributions each reader keeps, in nanoseconds. */
    private enum Latency {
        CHAT, CONNECT, DNS, CALL_SETUP, CALL_RTT, CALL_JITTER, CALL_DROPPED_AFTER
    }

    private static final int SIGNIFICANT_DIGITS = 3;
    private static final double NANOS_PER_MILLI = 1e6;

    private final long startNanos;
    private final long chatPeriodNanos;
    private final boolean chat;
    private final boolean media;
    private final boolean dns;
    private boolean calls;
    private boolean quic;
    private final AtomicLongArray totals = new AtomicLongArray(Count.values().length);
    private final Reader phases;
    private final Reader series;
    /** The tags of attempts, transfers and calls; the gap at a policy swap. Cut under the phases lock. */
    private final PhaseTags tags = new PhaseTags();

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
        record(Latency.CHAT, value);
    }

    /**
     * Messages lost with their connection. Not counted between {@link #policyChanging} and the cut: the loss is then
     * the swap's re-evaluation resetting a connection the previous policy let through, so it belongs to neither phase
     * (at five messages a second, one such loss took an open baseline's delivered ratio below 0.99).
     */
    void chatFailed(int messages, long nowNanos) {
        if (messages > 0 && !tags.switching()) {
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
        return tags.current();
    }

    /**
     * Announces a policy swap: what starts from now on is tagged with the next phase, and what ends before the
     * {@link #cut} that closes this phase counts in neither. Without it, an attempt made in the gap between the swap
     * and the cut ran under the next phase's policy but landed in this one's figures (seen: one SNI reset in an open
     * baseline on a loaded CI runner, whose re-evaluation of live flows took long enough for a reconnect).
     */
    void policyChanging() {
        tags.policyChanging();
    }

    private boolean counts(long startedInPhase) {
        return tags.counts(startedInPhase);
    }

    /**
     * Counts a completed transfer. Only a transfer that ran entirely within the current phase counts toward its
     * throughput: one that started in the previous phase ran partly under another policy, and its bytes over its time
     * would mix the two (measured: a transfer straddling an open-to-130-kbit/s switch put 169 kbit/s on the
     * throttled phase).
     */
    void mediaCompleted(long bytes, long transferNanos, long startedInPhase) {
        add(Count.MEDIA_COMPLETED, 1);
        if (counts(startedInPhase)) {
            add(Count.MEDIA_COMPLETED_BYTES, bytes);
            add(Count.MEDIA_TRANSFER_NANOS, Math.max(1, transferNanos));
        }
    }

    /** A transfer failed; not counted between {@link #policyChanging} and the cut, as for {@link #chatFailed}. */
    void mediaFailed(long nowNanos) {
        if (tags.switching()) {
            return;
        }
        add(Count.MEDIA_FAILED, 1);
        failure(nowNanos);
    }

    /**
     * Counts an attempt when it ends, not when it starts, so an interval's attempts always equal the sum of its
     * outcomes and an attempt still running at a cut does not dilute the ratios.
     *
     * <p>An attempt that began in the previous phase is not counted: its ClientHello was judged under the previous
     * policy, so its outcome (a handshake that completed just before a block was re-evaluated onto it, say) belongs to
     * neither phase's policy alone. Nor is one that ended between {@link #policyChanging} and the cut.
     */
    void connectEnded(ConnectOutcome outcome, long elapsedNanos, long nowNanos, long startedInPhase) {
        if (!counts(startedInPhase)) {
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
            record(Latency.CONNECT, elapsedNanos);
        } else {
            failure(nowNanos);
        }
    }

    /**
     * Counts one lookup sent to the DNS server, by how it ended; a timeout has no latency to record. Lookups, like
     * the other outcomes, are not counted between {@link #policyChanging} and the cut.
     */
    void dnsLookedUp(DnsLookupOutcome outcome, long latencyNanos) {
        if (tags.switching()) {
            return; // answered while the DNS server's policy was changing: neither phase's answer
        }
        add(switch (outcome) {
            case OK -> Count.DNS_OK;
            case NXDOMAIN -> Count.DNS_NXDOMAIN;
            case NODATA -> Count.DNS_NODATA;
            case TIMEOUT -> Count.DNS_TIMEOUT;
            case SERVFAIL, REFUSED, ERROR -> Count.DNS_SERVFAIL;
        }, 1);
        add(Count.DNS_LOOKUPS, 1);
        if (outcome != DnsLookupOutcome.TIMEOUT) {
            record(Latency.DNS, latencyNanos);
        }
    }

    /** An attempt dialled a hardcoded fallback address because its lookup failed. */
    void dnsFallback() {
        if (tags.switching()) {
            return;
        }
        add(Count.DNS_FALLBACK, 1);
    }

    /** An attempt was abandoned because its name did not resolve and there was no fallback. */
    void dnsUnresolved(long nowNanos) {
        if (tags.switching()) {
            return;
        }
        add(Count.DNS_UNRESOLVED, 1);
        failure(nowNanos);
    }

    private void record(Latency latency, long nanos) {
        long value = Math.max(0, nanos);
        phases.recorders[latency.ordinal()].recordValue(value);
        series.recorders[latency.ordinal()].recordValue(value);
    }

    /** Turns the {@code call.*} figures on; before the client starts. */
    void callsEnabled() {
        this.calls = true;
    }

    /**
     * Counts a call's set-up when it ended (media echoed, or given up), in the phase it began in only, as for
     * connection attempts.
     *
     * @param fallback whether the call was set up on the TLS relay after UDP failed
     */
    void callSetUp(boolean ok, boolean fallback, long setupNanos, long nowNanos, long startedInPhase) {
        if (!counts(startedInPhase)) {
            return;
        }
        add(Count.CALL_ATTEMPTS, 1);
        if (ok) {
            add(Count.CALL_SETUP_OK, 1);
            if (fallback) {
                add(Count.CALL_FALLBACK, 1);
            }
            record(Latency.CALL_SETUP, setupNanos);
        } else {
            add(Count.CALL_SETUP_FAILED, 1);
            failure(nowNanos);
        }
    }

    /**
     * A set-up call heard nothing for the drop silence: {@code lastedNanos} from its first datagram to its last media.
     * Like its set-up, a call's end counts only in the phase it began in: a call begun under one policy and cut by
     * the next would put the previous phase's minutes on this phase's "dropped after".
     */
    void callDropped(long lastedNanos, long nowNanos, long startedInPhase) {
        if (!counts(startedInPhase)) {
            return;
        }
        add(Count.CALL_DROPPED, 1);
        record(Latency.CALL_DROPPED_AFTER, lastedNanos);
        failure(nowNanos);
    }

    /** A call ran its full length; counted in the phase it began in only. */
    void callCompleted(long startedInPhase) {
        if (counts(startedInPhase)) {
            add(Count.CALL_COMPLETED, 1);
        }
    }

    void callPacketSent() {
        add(Count.CALL_PACKETS_SENT, 1);
    }

    /**
     * An echo came back in time: its round trip, and the stream's RFC 3550 jitter after it ({@code -1} before the
     * stream has two packets).
     */
    void callPacketEchoed(long rttNanos, long jitterNanos) {
        add(Count.CALL_PACKETS_RECEIVED, 1);
        record(Latency.CALL_RTT, rttNanos);
        if (jitterNanos >= 0) {
            record(Latency.CALL_JITTER, jitterNanos);
        }
    }

    /** A packet whose echo did not come back in time. */
    void callPacketLost() {
        add(Count.CALL_PACKETS_LOST, 1);
    }

    /** Turns the {@code quic.*} figures on; before the client starts. */
    void quicEnabled() {
        this.quic = true;
    }

    /** Counts a connection's QUIC step, in the phase it began in only. */
    void quicEnded(QuicFirst.QuicOutcome outcome, long startedInPhase) {
        if (!counts(startedInPhase)) {
            return;
        }
        switch (outcome) {
            case ANSWERED -> {
                add(Count.QUIC_ATTEMPTS, 1);
                add(Count.QUIC_OK, 1);
            }
            case FALLBACK -> {
                add(Count.QUIC_ATTEMPTS, 1);
                add(Count.QUIC_FALLBACK, 1);
            }
            case SKIPPED -> add(Count.QUIC_SKIPPED, 1);
        }
    }

    /** A QUIC connection ended on a silent path; counted in the phase it ended in, where the stall was. */
    void quicStalled() {
        add(Count.QUIC_STALLED, 1);
    }

    /** Application bytes read or written on a connection, by its transport. */
    void transportBytes(boolean quic, long bytes) {
        add(quic ? Count.QUIC_BYTES : Count.QUIC_TCP_BYTES, bytes);
    }

    private void failure(long nowNanos) {
        phases.firstFailure.compareAndSet(Long.MAX_VALUE, nowNanos);
    }

    /** The interval since the previous cut, as a phase snapshot. */
    MessengerSnapshot cut(long nowNanos) {
        synchronized (phases) {
            tags.cut();
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
                // Transfers decided in the phase, not those started in it: one still running at the cut would
                // otherwise count as a failure (a 5 s phase of 16 transfers measured 0.938 with nothing failed).
                long decided = completed + interval.get(Count.MEDIA_FAILED);
                if (decided > 0) {
                    put(values, Metric.MEDIA_COMPLETED_RATIO, ratio(completed, decided));
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
            medianAndTail(values, interval.histogram(Latency.CONNECT), Metric.CONNECT_LATENCY_P50,
                    Metric.CONNECT_LATENCY_P99);
            if (dns) {
                dnsFigures(interval, values);
            }
            if (calls) {
                callFigures(interval, values);
            }
            if (quic) {
                long probes = interval.get(Count.QUIC_ATTEMPTS);
                put(values, Metric.QUIC_ATTEMPTS, probes);
                put(values, Metric.QUIC_OK, interval.get(Count.QUIC_OK));
                put(values, Metric.QUIC_FALLBACK, interval.get(Count.QUIC_FALLBACK));
                put(values, Metric.QUIC_SKIPPED, interval.get(Count.QUIC_SKIPPED));
                put(values, Metric.QUIC_STALLED, interval.get(Count.QUIC_STALLED));
                if (probes > 0) {
                    put(values, Metric.QUIC_OK_RATIO, ratio(interval.get(Count.QUIC_OK), probes));
                }
                long overQuic = interval.get(Count.QUIC_BYTES);
                long overTcp = interval.get(Count.QUIC_TCP_BYTES);
                put(values, Metric.QUIC_BYTES, overQuic);
                put(values, Metric.QUIC_TCP_BYTES, overTcp);
                if (overQuic + overTcp > 0) {
                    put(values, Metric.QUIC_SHARE, ratio(overQuic, overQuic + overTcp));
                }
            }
            long firstFailure = phases.firstFailure.getAndSet(Long.MAX_VALUE);
            if (firstFailure != Long.MAX_VALUE) {
                put(values, Metric.FIRST_FAILURE_SECONDS, Math.max(0, firstFailure - interval.startNanos) / 1e9);
            }
            return new MessengerSnapshot(seconds(interval.startNanos), seconds(nowNanos), values,
                    interval.histogram(Latency.CHAT).copy(), interval.histogram(Latency.CONNECT).copy());
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
            if (calls) {
                long decided = interval.get(Count.CALL_PACKETS_RECEIVED) + interval.get(Count.CALL_PACKETS_LOST);
                if (decided > 0) {
                    put(values, Metric.CALL_LOSS, ratio(interval.get(Count.CALL_PACKETS_LOST), decided));
                    put(values, Metric.CALL_MOS, mos(interval));
                }
            }
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
        Histogram latency = interval.histogram(Latency.CHAT);
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
        medianAndTail(values, interval.histogram(Latency.DNS), Metric.DNS_LATENCY_P50, Metric.DNS_LATENCY_P99);
    }

    private static void callFigures(Interval interval, Map<String, Double> values) {
        long attempts = interval.get(Count.CALL_ATTEMPTS);
        put(values, Metric.CALL_ATTEMPTS, attempts);
        put(values, Metric.CALL_SETUP_OK, interval.get(Count.CALL_SETUP_OK));
        put(values, Metric.CALL_SETUP_FAILED, interval.get(Count.CALL_SETUP_FAILED));
        put(values, Metric.CALL_FALLBACK, interval.get(Count.CALL_FALLBACK));
        put(values, Metric.CALL_DROPPED, interval.get(Count.CALL_DROPPED));
        put(values, Metric.CALL_COMPLETED, interval.get(Count.CALL_COMPLETED));
        put(values, Metric.CALL_PACKETS_SENT, interval.get(Count.CALL_PACKETS_SENT));
        put(values, Metric.CALL_PACKETS_RECEIVED, interval.get(Count.CALL_PACKETS_RECEIVED));
        if (attempts > 0) {
            put(values, Metric.CALL_SETUP_OK_RATIO, ratio(interval.get(Count.CALL_SETUP_OK), attempts));
        }
        medianAndTail(values, interval.histogram(Latency.CALL_SETUP), Metric.CALL_SETUP_TIME_P50,
                Metric.CALL_SETUP_TIME_P99);
        Histogram dropped = interval.histogram(Latency.CALL_DROPPED_AFTER);
        if (dropped.getTotalCount() > 0) {
            put(values, Metric.CALL_DROPPED_AFTER_P50, dropped.getValueAtPercentile(50) / 1e9);
            put(values, Metric.CALL_DROPPED_AFTER_MAX, dropped.getMaxValue() / 1e9);
        }
        Histogram rtt = interval.histogram(Latency.CALL_RTT);
        if (rtt.getTotalCount() > 0) {
            put(values, Metric.CALL_RTT_P50, millis(rtt.getValueAtPercentile(50)));
            put(values, Metric.CALL_JITTER_P50, millis(interval.histogram(Latency.CALL_JITTER)
                    .getValueAtPercentile(50)));
        }
        long decided = interval.get(Count.CALL_PACKETS_RECEIVED) + interval.get(Count.CALL_PACKETS_LOST);
        if (decided > 0) {
            put(values, Metric.CALL_LOSS, ratio(interval.get(Count.CALL_PACKETS_LOST), decided));
            put(values, Metric.CALL_MOS, mos(interval));
        }
    }

    /**
     * The interval's MOS by the E-model, for one leg of the call: the echo's round trip is split evenly, so the leg's
     * delay is half the median round trip and its loss {@code 1 - sqrt(1 - round-trip loss)} (a censor that drops
     * only one way is spread over both). Jitter is the echoed stream's, both legs together, so it errs low.
     */
    private static double mos(Interval interval) {
        long received = interval.get(Count.CALL_PACKETS_RECEIVED);
        double roundTripLoss = ratio(interval.get(Count.CALL_PACKETS_LOST),
                received + interval.get(Count.CALL_PACKETS_LOST));
        double legLoss = 1 - Math.sqrt(1 - roundTripLoss);
        Histogram rtt = interval.histogram(Latency.CALL_RTT);
        double oneWay = rtt.getTotalCount() > 0 ? millis(rtt.getValueAtPercentile(50)) / 2 : 0;
        Histogram jitter = interval.histogram(Latency.CALL_JITTER);
        double jitterMillis = jitter.getTotalCount() > 0 ? millis(jitter.getValueAtPercentile(50)) : 0;
        return EModel.mos(oneWay, jitterMillis, legLoss, EModel.Codec.OPUS_LIKE);
    }

    /** The p50 and p99 of {@code nanos} in milliseconds, when it has samples. */
    private static void medianAndTail(Map<String, Double> values, Histogram nanos, Metric p50, Metric p99) {
        if (nanos.getTotalCount() > 0) {
            put(values, p50, millis(nanos.getValueAtPercentile(50)));
            put(values, p99, millis(nanos.getValueAtPercentile(99)));
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
        final Recorder[] recorders = new Recorder[Latency.values().length];
        final Histogram[] recycled = new Histogram[Latency.values().length];
        final AtomicLong firstFailure = new AtomicLong(Long.MAX_VALUE);
        final long[] seen = new long[Count.values().length];
        long intervalStartNanos;

        Reader(long startNanos) {
            this.intervalStartNanos = startNanos;
            for (int i = 0; i < recorders.length; i++) {
                recorders[i] = new Recorder(SIGNIFICANT_DIGITS);
            }
        }

        Interval take(long nowNanos, AtomicLongArray totals) {
            long[] delta = new long[seen.length];
            for (int i = 0; i < seen.length; i++) {
                long total = totals.get(i);
                delta[i] = total - seen[i];
                seen[i] = total;
            }
            for (int i = 0; i < recorders.length; i++) {
                recycled[i] = recorders[i].getIntervalHistogram(recycled[i]);
            }
            Interval interval = new Interval(intervalStartNanos, delta, recycled.clone());
            intervalStartNanos = nowNanos;
            return interval;
        }
    }

    private record Interval(long startNanos, long[] counts, Histogram[] histograms) {
        long get(Count count) {
            return counts[count.ordinal()];
        }

        Histogram histogram(Latency latency) {
            return histograms[latency.ordinal()];
        }
    }
}
