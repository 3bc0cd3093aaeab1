package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vdm.cli.Main;
import vdm.testkit.QemuVersion;
import vdm.testkit.Qtest;

/**
 * The same malformed and pre-negotiation inputs sent to QEMU 7.2 and to vdm must get the same lines back, byte for
 * byte, except for what legitimately differs: the version in the greeting (QEMU's and its "oob" capability).
 * QEMU must be installed (CI installs qemu-system-x86): a missing QEMU fails the test rather than skipping it, and
 * so does another series than 7.2 (Debian bookworm's), whose error texts may differ for reasons of its own.
 * <p>
 * {@code vdm probe} is compared the same way, with a paused q35 QEMU driven over qtest: the same configuration
 * accesses on QEMU's device and on {@code vdm probe DEVICE --qemu-compat} must read the same values.
 */
class QemuDifferentialTest {
    private static final String QEMU = "qemu-system-x86_64";
    private static QemuQmp qemu;
    private static Path qemuSocket;
    private static TestServer vdm;

    /** Inputs sent on a fresh connection each, before negotiation unless they negotiate themselves. */
    private static final List<String> CASES = List.of(
            "{\"execute\":\"query-version\"}\n",
            "{\"execute\":\"nope\",\"id\":5}\n",
            "{\"execute\":\"query-status\",\"arguments\":{\"x\":1},\"id\":\"s\"}\n",
            "{\"execute\":\"qmp_capabilities\",\"id\":1}\n{\"execute\":\"qmp_capabilities\",\"id\":{\"b\":[1,true,null],\"a\":\"x\"}}\n",
            "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"nope\",\"id\":5}\n{\"execute\":\"query-status\"}\n",
            "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-version\",\"arguments\":{\"foo\":2}}\n",
            "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-target\",\"id\":1}\n{\"execute\":\"query-target\",\"arguments\":{\"x\":1}}\n",
            "{\"execute\":\"qmp_capabilities\",\"foo\":1}\n",
            "{\"execute\":\"query-version\",\"id\":1,\"foo\":1}\n",
            "[1,2]\n3\n\"str\"\ntrue\nnull\n",
            "{\"execute\":1}\n{\"arguments\":{}}\n{\"execute\":\"qmp_capabilities\",\"arguments\":[]}\n",
            "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"x\":\"x\"}}\n",
            "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":\"x\"}}\n",
            "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[1]}}\n",
            "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"bogus\"]}}\n",
            "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":null}}\n",
            "{\"execute\" \"x\"}\n{\"execute\": xyz}\n}\n]\n[1 2]\n[1,]\n{\"a\":1,}\n{\"a\":1 \"b\":2}\n{1:2}\n{\"a\":}\n",
            "{\"execute\":\"qmp_capabilities\",\"execute\":\"x\"}\n{\"a\":1]\n[1}\n",
            "{\"execute\":\"qmp_capabilities\",\"id\":2}}\n",
            "{\"execute\":\"qmp_\u0001capabilities\"}\n{\"execute\":\"qmp_capabilities\",\"id\":3}\n",
            "{\"execute\":\u0001\"qmp_capabilities\"}\n{\"execute\":\"qmp_capabilities\",\"id\":3}\n",
            "{\"execute\":\"a\tb\"}\n\u007f}\n",
            "01}\n1.}\n-}\n1e}\n1e+}\n-x\n",
            "{\"execute\":\"query-version\"}{\"execute\":\"qmp_capabilities\"}\n{\"execute\"\n:\n\"query-status\"}\n",
            "{'execute':'qmp_capabilities','id':'a\\'b\"c'}\n",
            "{\"execute\":\"x\",\"id\":\"\\u12zz\"}\n{\"execute\":\"x\",\"id\":\"\\ud83d\"}\n{\"execute\":\"x\",\"id\":\"\\ud83dx\"}\n",
            "{\"execute\":\"x\",\"id\":\"\\u1\"}\n{\"execute\":\"x\",\"id\":\"\\ufffe\"}\n{\"execute\":\"x\",\"id\":\"\\x\"}\n",
            "{\"execute\":\"x\",\"id\":\"\\u0000\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\"}\n",
            "{\"execute\":\"x\",\"id\":[0,-1,9223372036854775807,-9223372036854775808,\"\u00e9\"]}\n",
            "{\"execute\":\"x\",\"id\":True}\n{\"execute\":\"x\",\"id\":tru}\n%d\n",
            "   \t\r\n\n",
            "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-status\",\"id\":1}\n"
    );

    private static final List<byte[]> BYTE_CASES = List.of(
            bytes("{\"execute\":\"x\",\"id\":\"", 0xC3, 0xA9, 0xC0, 0x80, "\"}\n"),
            bytes("{\"execute\":\"x\",\"id\":\"", 0xC3, "\"}\n"),
            bytes("{\"execute\":\"x\",\"id\":\"", 0xED, 0xA0, 0x80, "\"}\n"),
            bytes("{\"execute\":\"x\",\"id\":\"", 0xFF, "\"}\n{\"execute\":\"qmp_capabilities\",\"id\":4}\n"),
            bytes("{\"execute\":", 0xFE, "\n{\"execute\":\"qmp_capabilities\",\"id\":4}\n"),
            bytes("12", 0x80, "\n")
    );

    @BeforeAll
    static void start() throws Exception {
        if (!QemuQmp.installed()) {
            fail(QEMU + " is not installed; this test compares vdm with QEMU 7.2 and needs it "
                    + "(apt-get install -y --no-install-recommends qemu-system-x86)");
        }
        QemuVersion.requireInstalled(QemuVersion.BOOKWORM);
        qemu = QemuQmp.start("-M", "none", "-display", "none", "-nodefaults");
        qemuSocket = qemu.socket;
        vdm = TestServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (qemu != null) qemu.close();
        if (vdm != null) vdm.close();
    }

    @Test
    void malformedAndPreNegotiationInputsGetTheSameLinesAsFromQemu() throws IOException {
        List<String> mismatches = new ArrayList<>();
        List<byte[]> inputs = new ArrayList<>();
        for (String c : CASES) inputs.add(c.getBytes(StandardCharsets.UTF_8));
        inputs.addAll(BYTE_CASES);
        for (byte[] input : inputs) {
            List<String> fromQemu = exchange(new Endpoint.Unix(qemuSocket), input);
            List<String> fromVdm = exchange(new Endpoint.Unix(vdm.socket), input);
            if (!fromQemu.equals(fromVdm)) {
                mismatches.add("input " + printable(input) + "\n  qemu: " + fromQemu + "\n  vdm:  " + fromVdm);
            }
        }
        assertEquals("", String.join("\n", mismatches));
    }

    @Test
    void greetingsDifferOnlyInVersionAndCapabilities() throws IOException {
        String q, v;
        // QEMU's socket serves one connection at a time: close each before the next test opens another.
        try (var qc = TestServer.Conn.open(new Endpoint.Unix(qemuSocket));
             var vc = TestServer.Conn.open(new Endpoint.Unix(vdm.socket))) {
            q = qc.greeting;
            v = vc.greeting;
        }
        String shape = "\\{\"QMP\": \\{\"version\": \\{\"qemu\": \\{\"micro\": \\d+, \"minor\": \\d+, \"major\": \\d+}, "
                + "\"package\": \"[^\"]*\"}, \"capabilities\": \\[[^]]*]}}";
        assertEquals(true, q.matches(shape), q);
        assertEquals(true, v.matches(shape), v);
    }

    @Test
    void theQemuThatAnswersIsTheOneWhoseVersionWasChecked() throws IOException {
        String greeting;
        try (var qc = TestServer.Conn.open(new Endpoint.Unix(qemuSocket))) {
            greeting = qc.greeting;
        }
        Matcher m = Pattern.compile("\"qemu\": \\{\"micro\": (\\d+), \"minor\": (\\d+), \"major\": (\\d+)}")
                .matcher(greeting);
        assertEquals(true, m.find(), greeting);
        QemuVersion installed = QemuVersion.installed();
        assertEquals(installed.toString(), m.group(3) + "." + m.group(2) + "." + m.group(1),
                "the QMP greeting's version against " + installed.source());
    }

    private static final long ECAM = 0xb000_0000L;

    /**
     * QEMU's e1000e on pcie.0 (an integrated endpoint, pcie_endpoint_cap_common_init) and behind a pcie-root-port (an
     * endpoint): the PCIe capability must read the same through {@code vdm probe --on} each place.
     */
    @Test
    void probeReadsTheE1000ePcieCapabilityAsQemuDoesOnTheRootBusAndBehindARootPort() throws IOException {
        String script = "read 0xe0 4\nread 0xe4 4\nread 0xe8 4\nread 0xec 4\nread 0xf0 4\n";
        List<String> rootBus, rootPort;
        try (Qtest q = Qtest.start("q35",
                "-device", "e1000e,bus=pcie.0,addr=05.0",
                "-device", "pcie-root-port,id=rp0,bus=pcie.0,addr=1c.0,chassis=1",
                "-device", "e1000e,bus=rp0,addr=00.0")) {
            q.enableEcam(ECAM);
            q.writel(Qtest.ecam(ECAM, 0, 0x1c, 0, 0x18), 0x00010100); // root port: secondary = subordinate = bus 1
            rootBus = qtestScript(q, 0, 5, script);
            rootPort = qtestScript(q, 1, 0, script);
        }
        assertEquals(rootBus, probe(script, "e1000e", "--qemu-compat"), "default placement: where QEMU puts it on q35");
        assertEquals(rootBus, probe(script, "e1000e", "--qemu-compat", "--on", "root-bus"));
        assertEquals(rootPort, probe(script, "e1000e", "--qemu-compat", "--on", "root-port"));
        assertEquals(false, rootBus.get(0).equals(rootPort.get(0)), "QEMU's two placements differ at 0xe0: " + rootBus.get(0));
    }

    /** msi_write_config clamps Multiple Message Enable to the capable count once MSI is enabled; probe must too. */
    @Test
    void probeClampsMsiMultipleMessageEnableAsQemuDoes() throws IOException {
        String script = "write 0xd0 4 0x642582df\nread 0xd0 4\nwrite 0xd2 2 0x0070\nread 0xd0 4\n"
                + "write 0xd2 2 0x0071\nread 0xd0 4\n";
        List<String> fromQemu;
        try (Qtest q = Qtest.start("q35", "-device", "e1000e,bus=pcie.0,addr=05.0")) {
            q.enableEcam(ECAM);
            fromQemu = qtestScript(q, 0, 5, script);
        }
        assertEquals(fromQemu, probe(script, "e1000e", "--qemu-compat"));
    }

    /** Runs a probe script's reads and writes on QEMU's device at bus:slot.0 over ECAM; returns the reads as probe prints them. */
    private static List<String> qtestScript(Qtest q, int bus, int slot, String script) {
        List<String> reads = new ArrayList<>();
        for (String line : script.split("\n")) {
            String[] t = line.split(" ");
            long addr = Qtest.ecam(ECAM, bus, slot, 0, Integer.decode(t[1]));
            int size = Integer.parseInt(t[2]);
            if (t[0].equals("write")) {
                int v = (int) Long.decode(t[3]).longValue();
                switch (size) {
                    case 1 -> q.writeb(addr, v);
                    case 2 -> q.writew(addr, v);
                    default -> q.writel(addr, v);
                }
            } else {
                int v = switch (size) {
                    case 1 -> q.readb(addr);
                    case 2 -> q.readw(addr);
                    default -> q.readl(addr);
                };
                reads.add(String.format("0x%08x", v));
            }
        }
        return reads;
    }

    /** {@code vdm probe ARGS} in-process with {@code script} on stdin; its stdout lines (it must exit 0). */
    private static List<String> probe(String script, String... args) {
        var cl = Main.commandLine(new java.io.ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        List<String> argv = new ArrayList<>(List.of("probe"));
        argv.addAll(List.of(args));
        assertEquals(0, cl.execute(argv.toArray(String[]::new)), err.toString());
        return out.toString().lines().toList();
    }

    /** Sends {@code input} on a fresh connection, half-closes, and returns every line after the greeting. */
    private static List<String> exchange(Endpoint e, byte[] input) throws IOException {
        try (var c = TestServer.Conn.open(e)) {
            c.sendBytes(input);
            c.client.shutdownOutput();
            List<String> lines = new ArrayList<>();
            try {
                for (String l; (l = c.client.readLine(java.time.Duration.ofSeconds(3))) != null; ) lines.add(l);
            } catch (java.net.SocketTimeoutException t) {
                lines.add("(no end of stream within 3 s)");
            }
            return lines;
        }
    }

    private static byte[] bytes(Object... parts) {
        var out = new java.io.ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            else out.write((Integer) p);
        }
        return out.toByteArray();
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.toString();
    }
}
