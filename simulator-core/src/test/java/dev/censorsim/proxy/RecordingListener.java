package dev.censorsim.proxy;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Collects flow records so a test can wait for the one it caused. */
final class RecordingListener implements FlowListener {

    private final BlockingQueue<FlowRecord> records = new LinkedBlockingQueue<>();

    @Override
    public void flowEnded(FlowRecord flow) {
        records.add(flow);
    }

    /** The next record, failing the test if none arrives within {@code millis}. */
    FlowRecord next(long millis) throws InterruptedException {
        FlowRecord record = records.poll(millis, TimeUnit.MILLISECONDS);
        if (record == null) {
            throw new AssertionError("no flow record within " + millis + " ms");
        }
        return record;
    }
}
