package dev.censorsim.dns;

import dev.censorsim.net.Transport;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.BitSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A burst of queries from one socket, as dnsperf sends them: every query is answered, each with its own ID, whether
 * the server receives them one by one (NIO) or many per {@code recvmmsg(2)} (epoll) and flushes once per batch.
 */
class DnsBurstTest {

    private static final int QUERIES = 400;

    @Test
    void everyQueryOfABurstShouldBeAnsweredWithItsOwnId() throws Exception {
        try (DnsServer server = DnsServer.start(DnsServerOptions.builder().zone(DnsServerTest.messengerZone()).build());
             DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            socket.setReceiveBufferSize(1 << 20);
            socket.setSoTimeout(5_000);
            InetSocketAddress to = server.udpAddress();
            String[] names = {"g.whatsapp.net", "mmg.whatsapp.net", "nothing.whatsapp.net", "G.WhatsApp.NET"};
            // In rounds of 100 outstanding, so that the client's own receive buffer never overflows under load.
            BitSet answered = new BitSet(QUERIES);
            byte[] buf = new byte[1500];
            for (int round = 0; round < QUERIES / 100; round++) {
                for (int i = round * 100; i < (round + 1) * 100; i++) {
                    byte[] q = RawDns.query(i, names[i % names.length], i % 2 == 0 ? 1 : 28, i % 3 == 0 ? 1232 : 0);
                    socket.send(new DatagramPacket(q, q.length, to));
                }
                for (int i = 0; i < 100; i++) {
                    DatagramPacket reply = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(reply);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    answered.set(((buf[0] & 0xff) << 8) | (buf[1] & 0xff));
                }
            }

            assertThat(answered.cardinality()).as("answers on %s", Transport.current()).isEqualTo(QUERIES);
        }
    }
}
