package dev.censorsim.capture;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class FlowTableTest {

    private static final long SECOND = 1_000_000_000L;
    private final List<Integer> evicted = new ArrayList<>();
    private final FlowTable.EvictionListener listener = evicted::add;

    private static long v4(int address) {
        return FlowTable.mapIpv4(address);
    }

    @Test
    void bothDirectionsShouldFindTheSameFlowWithTheirDirection() {
        FlowTable table = new FlowTable(16);

        int id = table.lookupOrInsert(0, v4(0x0a000001), 40_000, 0, v4(0xcb007105), 443, 6, 0, SECOND, listener);
        assertThat(table.lastWasNew()).isTrue();
        assertThat(table.lastWasForward()).isTrue();

        int back = table.lookupOrInsert(0, v4(0xcb007105), 443, 0, v4(0x0a000001), 40_000, 6, 1, SECOND, listener);
        assertThat(back).isEqualTo(id);
        assertThat(table.lastWasNew()).isFalse();
        assertThat(table.lastWasForward()).isFalse();
        assertThat(table.sourcePort(id)).isEqualTo(40_000);
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void transportAndPortsShouldSeparateFlows() {
        FlowTable table = new FlowTable(16);

        int tcp = table.lookupOrInsert(0, v4(1), 1000, 0, v4(2), 443, 6, 0, SECOND, listener);
        int udp = table.lookupOrInsert(0, v4(1), 1000, 0, v4(2), 443, 17, 0, SECOND, listener);
        int otherPort = table.lookupOrInsert(0, v4(1), 1001, 0, v4(2), 443, 6, 0, SECOND, listener);
        // Same ports swapped between the same hosts is the reverse direction only when the addresses swap too.
        int crossed = table.lookupOrInsert(0, v4(1), 443, 0, v4(2), 1000, 6, 0, SECOND, listener);

        assertThat(new int[] {tcp, udp, otherPort, crossed}).doesNotHaveDuplicates();
    }

    @Test
    void fullTableShouldEvictIdleFlowsAndRefuseWhenAllAreLive() {
        FlowTable table = new FlowTable(4);
        for (int i = 0; i < 4; i++) {
            table.lookupOrInsert(0, v4(i), 1, 0, v4(100), 2, 17, 0, SECOND, listener);
        }
        table.lookupOrInsert(0, v4(3), 1, 0, v4(100), 2, 17, 5 * SECOND, SECOND, listener);

        int fifth = table.lookupOrInsert(0, v4(50), 1, 0, v4(100), 2, 17, 5 * SECOND, SECOND, listener);
        assertThat(fifth).isNotEqualTo(FlowTable.NO_FLOW);
        assertThat(evicted).as("the three idle flows").hasSize(3);
        assertThat(table.size()).isEqualTo(2);

        table.lookupOrInsert(0, v4(51), 1, 0, v4(100), 2, 17, 5 * SECOND, SECOND, listener);
        table.lookupOrInsert(0, v4(52), 1, 0, v4(100), 2, 17, 5 * SECOND, SECOND, listener);
        int refused = table.lookupOrInsert(0, v4(53), 1, 0, v4(100), 2, 17, 5 * SECOND, SECOND, listener);
        assertThat(refused).isEqualTo(FlowTable.NO_FLOW);
        assertThat(table.refusals()).isEqualTo(1);
    }

    @Test
    void churnShouldAgreeWithAHashMapModel() {
        FlowTable table = new FlowTable(1024);
        Map<Long, Integer> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(11);
        for (int step = 0; step < 200_000; step++) {
            // Few distinct ports so keys collide in home slots and deletion must shift runs correctly.
            int client = random.nextInt(2048);
            long key = client;
            boolean reverse = random.nextBoolean();
            int id = reverse
                    ? table.lookupOrInsert(0, v4(0x7f000001), 443, 0, v4(client), 1000, 6, step, Long.MAX_VALUE, listener)
                    : table.lookupOrInsert(0, v4(client), 1000, 0, v4(0x7f000001), 443, 6, step, Long.MAX_VALUE, listener);
            Integer known = model.get(key);
            if (known != null) {
                assertThat(id).isEqualTo(known);
                assertThat(table.lastWasNew()).isFalse();
            } else if (id != FlowTable.NO_FLOW) {
                assertThat(table.lastWasNew()).isTrue();
                model.put(key, id);
            } else {
                assertThat(model).hasSize(1024);
            }
            if (random.nextInt(3) == 0 && !model.isEmpty()) {
                Long victim = (long) random.nextInt(2048);
                Integer victimId = model.remove(victim);
                if (victimId != null) {
                    table.remove(victimId);
                }
            }
            assertThat(table.size()).isEqualTo(model.size());
        }
    }

    @Test
    void drainShouldReportEveryLiveFlowOnce() {
        FlowTable table = new FlowTable(8);
        for (int i = 0; i < 5; i++) {
            table.lookupOrInsert(0, v4(i), 1, 0, v4(100), 2, 6, 0, SECOND, listener);
        }

        table.drain(listener);

        assertThat(evicted).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        assertThat(table.size()).isZero();
    }

    @Test
    void ipv6AddressesShouldNotCollideWithTheirIpv4Twins() {
        FlowTable table = new FlowTable(8);

        int mapped = table.lookupOrInsert(0, v4(1), 1, 0, v4(2), 2, 17, 0, SECOND, listener);
        int native6 = table.lookupOrInsert(0x20010db800000000L, 1, 1, 0x20010db800000000L, 2, 2, 17, 0, SECOND,
                listener);

        assertThat(native6).isNotEqualTo(mapped);
        assertThat(FlowTable.isIpv4(table.sourceHigh(mapped), table.sourceLow(mapped))).isTrue();
        assertThat(FlowTable.isIpv4(table.sourceHigh(native6), table.sourceLow(native6))).isFalse();
    }
}
