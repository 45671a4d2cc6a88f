package dev.censorsim.proxy.udp;

import dev.censorsim.net.Transport;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A long request/response exchange through the relay with many datagrams in flight, as dnsperf drives it: every
 * datagram must arrive, whole, each way. Reads of many sizes (a full batch, a partial one, a lone datagram at the end
 * of a batch) happen on their own at this rate, so a datagram lost or overwritten in the read path shows up here.
 */
class UdpRelayWindowTest {

    /** Enough that the relay's reads end at every position within a batch many times over. */
    private static final int DATAGRAMS = 40_000;
    private static final int IN_FLIGHT = 64;
    private static final int LENGTH = 48;

    @Test
    @Timeout(120)
    void aWindowedExchangeShouldLoseAndCorruptNothingOnEpoll() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is available");
        exchange(Transport.EPOLL);
    }

    @Test
    @Timeout(120)
    void aWindowedExchangeShouldLoseAndCorruptNothingOnNio() throws Exception {
        exchange(Transport.NIO);
    }

    private static void exchange(Transport transport) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        BlockingQueue<UdpFlowRecord> records = new LinkedBlockingQueue<>();
        AtomicInteger badAtServer = new AtomicInteger();
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(loopback, 0));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(loopback, 0));
             UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward((InetSocketAddress) server.getLocalSocketAddress())
                     .policy(new PolicyHolder(CompiledPolicy.empty())).idleTimeout(Duration.ofSeconds(30))
                     .listener(records::add).build(), transport)) {
            server.setReceiveBufferSize(4 << 20);
            client.setReceiveBufferSize(4 << 20);
            server.setSoTimeout(10_000);
            client.setSoTimeout(10_000);
            Thread echo = new Thread(() -> {
                byte[] buffer = new byte[65_535];
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    for (int i = 0; i < DATAGRAMS; i++) {
                        packet.setData(buffer);
                        server.receive(packet);
                        if (sequenceOf(buffer, packet.getLength()) < 0) {
                            badAtServer.incrementAndGet();
                        }
                        server.send(packet);
                    }
                } catch (Exception e) {
                    // A timeout or the socket closed: the counts below tell what was missing.
                }
            }, "window-echo");
            echo.setDaemon(true);
            echo.start();

            Semaphore window = new Semaphore(IN_FLIGHT);
            AtomicInteger received = new AtomicInteger();
            AtomicInteger badAtClient = new AtomicInteger();
            Thread reader = new Thread(() -> {
                byte[] buffer = new byte[65_535];
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    while (received.get() < DATAGRAMS) {
                        packet.setData(buffer);
                        client.receive(packet);
                        if (sequenceOf(buffer, packet.getLength()) < 0) {
                            badAtClient.incrementAndGet();
                        }
                        received.incrementAndGet();
                        window.release();
                    }
                } catch (SocketTimeoutException e) {
                    // Nothing for 10 s: a datagram was lost; the assertion below says how many.
                } catch (Exception e) {
                    badAtClient.incrementAndGet();
                }
            }, "window-reader");
            reader.setDaemon(true);
            reader.start();

            byte[] out = new byte[LENGTH];
            int sent = 0;
            for (; sent < DATAGRAMS; sent++) {
                if (!window.tryAcquire(10, TimeUnit.SECONDS)) {
                    break; // the window never reopened: datagrams in flight were lost
                }
                fill(out, sent);
                client.send(new DatagramPacket(out, LENGTH, relay.localAddress()));
            }
            reader.join(15_000);
            assertThat(sent).as("datagrams sent before the window stalled (%s)", transport).isEqualTo(DATAGRAMS);
            assertThat(received.get()).as("replies at the client (%s)", transport).isEqualTo(DATAGRAMS);
            assertThat(badAtServer.get()).as("datagrams cut or corrupted at the server (%s)", transport).isZero();
            assertThat(badAtClient.get()).as("replies cut or corrupted at the client (%s)", transport).isZero();
            relay.close();
            UdpFlowRecord record = records.poll(5, TimeUnit.SECONDS);
            assertThat(record).isNotNull();
            assertThat(record.packetsUp()).isEqualTo(DATAGRAMS);
            assertThat(record.packetsDown()).isEqualTo(DATAGRAMS);
        }
    }

    /** Six longs derived from the sequence number, so that a datagram with another's bytes is caught. */
    private static void fill(byte[] out, long i) {
        ByteBuffer.wrap(out).putLong(i).putLong(i * 31L).putLong(~i).putLong(i * 7L).putLong(i ^ 0x5555L).putLong(-i);
    }

    /** The datagram's sequence number, or -1 when its length or any of its bytes is wrong. */
    private static long sequenceOf(byte[] in, int length) {
        if (length != LENGTH) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(in);
        long i = b.getLong();
        boolean whole = b.getLong() == i * 31L && b.getLong() == ~i && b.getLong() == i * 7L
                && b.getLong() == (i ^ 0x5555L) && b.getLong() == -i;
        return whole ? i : -1;
    }
}
