package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** 64 clients at once, 2,000 mixed commands each, pipelined: every reply matches its id, no protocol error. */
class QmpLoadTest {
    private static final int CLIENTS = 64, COMMANDS = 2000, WINDOW = 16;
    private static final String[] MIX = {"query-version", "query-status", "query-commands"};

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sixtyFourClientsTimesTwoThousandCommandsAllAnsweredInOrder() throws Exception {
        long heapBefore = usedHeapAfterGc();
        try (TestServer s = TestServer.start()) {
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    results.add(pool.submit(() -> runClient(s, client)));
                }
                int total = 0;
                for (Future<Integer> f : results) total += f.get(100, TimeUnit.SECONDS);
                assertEquals(CLIENTS * COMMANDS, total);
            } finally {
                pool.shutdownNow();
            }
            long heapGrowth = usedHeapAfterGc() - heapBefore;
            assertTrue(heapGrowth < 64L << 20, "heap grew by " + (heapGrowth >> 20) + " MiB under load");
        }
    }

    private static int runClient(TestServer s, int client) throws IOException {
        try (var c = s.negotiated()) {
            int sent = 0, received = 0;
            StringBuilder batch = new StringBuilder();
            while (received < COMMANDS) {
                batch.setLength(0);
                while (sent < COMMANDS && sent - received < WINDOW) {
                    batch.append("{\"execute\": \"").append(MIX[(sent + client) % MIX.length])
                            .append("\", \"id\": ").append(client * 100_000 + sent).append("}\n");
                    sent++;
                }
                if (!batch.isEmpty()) c.send(batch.toString());
                String line = c.line();
                String expectedEnd = ", \"id\": " + (client * 100_000 + received) + "}";
                if (!line.startsWith("{\"return\": ") || !line.endsWith(expectedEnd)) {
                    throw new AssertionError("client " + client + " reply " + received + ": " + line);
                }
                received++;
            }
            return received;
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
