package dev.censorsim.dns;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Garbage in, service continues: random, truncated and bit-flipped queries (bounded and seeded) interleaved with good
 * ones over real UDP and TCP. Runs with paranoid leak detection, so a buffer left unreleased fails the build log.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MalformedQueryTest {

    private static final long SEED = 0x5eed_d115L;
    private static final int ROUNDS = 400;

    private DnsServer server;

    @BeforeEach
    void start() {
        server = DnsServer.start(DnsServerOptions.builder().zone(DnsServerTest.messengerZone()).build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private byte[] good(int id) {
        return RawDns.query(id, "g.whatsapp.net", 1, id % 2 == 0 ? 1232 : 0);
    }

    private static byte[] mangle(SplittableRandom random, byte[] good) {
        switch (random.nextInt(4)) {
            case 0: {
                byte[] noise = new byte[random.nextInt(0, 600)];
                random.nextBytes(noise);
                noise[2 % Math.max(1, noise.length)] &= 0x7f; // mostly "queries", so the server must look inside
                return noise;
            }
            case 1:
                return Arrays.copyOf(good, random.nextInt(good.length));
            case 2: {
                byte[] flipped = good.clone();
                for (int i = 0, n = random.nextInt(1, 6); i < n; i++) {
                    flipped[random.nextInt(flipped.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return flipped;
            }
            default: {
                byte[] lying = good.clone();
                lying[4] = (byte) random.nextInt(256); // QDCOUNT/ANCOUNT claim records that are not there
                lying[7] = (byte) random.nextInt(256);
                return lying;
            }
        }
    }

    @Test
    void goodUdpQueriesShouldKeepBeingAnsweredAmidGarbage() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        int answered = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] bad = mangle(random, good(round));
            RawDns.udp(server.udpAddress(), bad, 20);
            if (round % 10 == 0) {
                byte[] reply = RawDns.udp(server.udpAddress(), good(round), 2000);
                assertThat(reply).as("good query %d after garbage", round).isNotNull();
                assertThat(RawDns.id(reply)).isEqualTo(round);
                assertThat(RawDns.answerCount(reply)).isEqualTo(1);
                answered++;
            }
        }
        assertThat(answered).isEqualTo(ROUNDS / 10);
    }

    @Test
    void goodTcpQueriesShouldKeepBeingAnsweredAmidGarbage() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        for (int round = 0; round < ROUNDS / 4; round++) {
            // A garbage frame on its own connection: the server may answer FORMERR or close; it must not stall.
            try (Socket bad = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
                bad.setSoTimeout(200);
                byte[] garbage = mangle(random, good(round));
                OutputStream out = bad.getOutputStream();
                if (random.nextBoolean()) {
                    out.write(garbage.length >>> 8);
                    out.write(garbage.length);
                }
                out.write(garbage);
                out.flush();
                bad.shutdownOutput();
                try {
                    bad.getInputStream().readAllBytes();
                } catch (IOException timeoutOrReset) {
                    // either is fine for garbage
                }
            }
            try (Socket socket = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
                socket.setSoTimeout(2000);
                byte[] reply = RawDns.tcpExchange(socket, good(round));
                assertThat(RawDns.id(reply)).isEqualTo(round);
                assertThat(RawDns.answerCount(reply)).isEqualTo(1);
            }
        }
    }

    @Test
    void readableHeaderWithBrokenQuestionShouldGetFormerrWithItsId() throws Exception {
        byte[] cut = Arrays.copyOf(good(0x4242), 12 + 5); // header, then half a name

        byte[] reply = RawDns.udp(server.udpAddress(), cut, 2000);

        assertThat(reply).isNotNull();
        assertThat(RawDns.id(reply)).isEqualTo(0x4242);
        assertThat(RawDns.rcode(reply)).as("FORMERR").isEqualTo(1);
    }

    @Test
    void shortDatagramsAndResponsesShouldBeDropped() throws Exception {
        byte[] response = good(9);
        response[2] |= (byte) 0x80; // QR: a response, which a server never answers

        assertThat(RawDns.udp(server.udpAddress(), new byte[5], 300)).isNull();
        assertThat(RawDns.udp(server.udpAddress(), response, 300)).isNull();
    }

    @Test
    void aRefusedQueryThatCarriedAnOptShouldGetOneBackAndDoShouldBeCopied() throws Exception {
        byte[] notify = RawDns.query(5, "g.whatsapp.net", 1, 1232);
        notify[2] = (byte) (4 << 3); // OPCODE 4, NOTIFY
        byte[] noQuestion = {0, 6, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 41, 0x04, (byte) 0xd0, 0, 0, 0, 0, 0, 0};
        byte[] dnssec = RawDns.query(7, "g.whatsapp.net", 1, 1232);
        dnssec[dnssec.length - 4] = (byte) 0x80; // OPT TTL byte 3: DO

        byte[] notImp = RawDns.udp(server.udpAddress(), notify, 2000);
        byte[] formErr = RawDns.udp(server.udpAddress(), noQuestion, 2000);
        byte[] answered = RawDns.udp(server.udpAddress(), dnssec, 2000);

        // RFC 6891 6.1.1: a responder MUST include an OPT in its response to a query that had one, errors included.
        assertThat(RawDns.rcode(notImp)).as("NOTIMP").isEqualTo(4);
        assertThat(RawDns.additionalCount(notImp)).as("with an OPT").isEqualTo(1);
        assertThat(RawDns.rcode(formErr)).as("FORMERR for QDCOUNT 0").isEqualTo(1);
        assertThat(RawDns.additionalCount(formErr)).as("with an OPT").isEqualTo(1);
        // RFC 3225 3: the DO bit of the query MUST be copied in the response.
        assertThat(RawDns.rcode(answered)).isZero();
        assertThat(answered[answered.length - 4] & 0x80).as("DO in the response's OPT").isEqualTo(0x80);
    }

    @Test
    void otherOpcodesAndEdnsVersionsShouldBeRefusedProperly() throws Exception {
        byte[] notify = good(3);
        notify[2] = (byte) (4 << 3); // OPCODE 4, NOTIFY
        byte[] ednsV1 = RawDns.query(4, "g.whatsapp.net", 1, 1232);
        ednsV1[ednsV1.length - 5] = 1; // OPT TTL byte 2: VERSION

        byte[] notImp = RawDns.udp(server.udpAddress(), notify, 2000);
        byte[] badVers = RawDns.udp(server.udpAddress(), ednsV1, 2000);

        assertThat(RawDns.rcode(notImp)).as("NOTIMP").isEqualTo(4);
        assertThat(RawDns.rcode(badVers)).as("BADVERS has 0 in the header").isZero();
        assertThat(RawDns.additionalCount(badVers)).isEqualTo(1);
        assertThat(badVers[badVers.length - 6]).as("extended RCODE 1 (BADVERS = 16) in the OPT TTL").isEqualTo((byte) 1);
    }
}
