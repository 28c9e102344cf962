package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.ui.VertxUIServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingUiTest {

    @AfterEach
    void noServerLeftRunning() {
        VertxUIServer s = VertxUIServer.getInstance();
        assertTrue(s == null || s.isStopped(), "UI server still running after the test");
    }

    @Test
    void portInUseFailsWithAClearMessage(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            UiStartException e = assertThrows(
                    UiStartException.class,
                    () -> TrainingUi.start(
                            dir.resolve("s.dl4j"), UiOptions.defaults().withPort(port), null));
            assertTrue(
                    e.getMessage().contains("Port " + port) && e.getMessage().contains("already in use"),
                    e.getMessage());
        }
    }

    @Test
    void portInUseFallsBackToTheNextFreePort(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            try (TrainingUi ui = TrainingUi.start(
                    dir.resolve("s.dl4j"), UiOptions.defaults().withPort(port).withFallbackToFreePort(true), null)) {
                assertTrue(ui.port() > port && ui.port() <= port + UiOptions.FALLBACK_PORTS, "port " + ui.port());
                assertEquals(
                        "http://localhost:" + ui.port() + "/train/overview",
                        ui.url().orElseThrow());
                assertEquals(200, get(ui.url().orElseThrow()));
            }
        }
    }

    @Test
    void bindsToLoopbackByDefault(@TempDir Path dir) throws Exception {
        try (TrainingUi ui =
                TrainingUi.start(dir.resolve("s.dl4j"), UiOptions.defaults().withPort(0), null)) {
            int port = ui.port();
            assertTrue(port > 0);
            assertEquals(200, get("http://127.0.0.1:" + port + "/train/overview"));
            // the port is taken on loopback...
            assertFalse(TrainingUi.isFree("127.0.0.1", port));
            // ...but nothing listens on the machine's other addresses
            Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .flatMap(ni -> Collections.list(ni.getInetAddresses()).stream())
                    .filter(a -> !a.isLoopbackAddress() && a instanceof java.net.Inet4Address)
                    .findFirst();
            if (external.isPresent()) {
                try (Socket s = new Socket()) {
                    assertThrows(
                            java.io.IOException.class,
                            () -> s.connect(new InetSocketAddress(external.get(), port), 2000),
                            "UI reachable on " + external.get());
                }
            }
        }
    }

    @Test
    void finishedRunCanBeReopenedInTheUi(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        TrainingResult r = TestModels.fitSmall(TestModels.quietTrainer(run, 1)
                .ui(UiOptions.disabled().withListenerFrequency(1)) // every iteration, not sized to its cost
                .build());
        try (TrainingUi ui =
                TrainingUi.reopen(RunFolder.stats(run), UiOptions.defaults().withPort(0))) {
            assertEquals(r.sessionId(), ui.sessionId());
            assertTrue(ui.storage().listSessionIDs().contains(r.sessionId()));
            assertEquals(4, ui.storage().getNumUpdateRecordsFor(r.sessionId()));
            assertEquals(200, get("http://127.0.0.1:" + ui.port() + "/train/overview/data"));
        }
        UiStartException e = assertThrows(
                UiStartException.class,
                () -> TrainingUi.reopen(
                        dir.resolve("nope.dl4j"), UiOptions.defaults().withPort(0)));
        assertTrue(e.getMessage().contains("nope.dl4j") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void statsListenerRecordsIntoTheStatsFile(@TempDir Path dir) {
        Path stats = dir.resolve("s.dl4j");
        String sid;
        try (TrainingUi ui = TrainingUi.start(stats, UiOptions.disabled().withListenerFrequency(1), "my-session")) {
            assertEquals(-1, ui.port());
            assertTrue(ui.url().isEmpty());
            ComputationGraph net = TestModels.graph(1);
            net.setListeners(ui.listener());
            net.fit(TestModels.iterator(TestModels.blobs(64, 1), 16));
            sid = ui.sessionId();
        }
        assertEquals("my-session", sid);
        try (TrainingUi ui = TrainingUi.start(stats, UiOptions.disabled(), null)) {
            assertTrue(ui.storage().listSessionIDs().contains("my-session"));
            assertEquals(4, ui.storage().getNumUpdateRecordsFor("my-session"));
        }
    }

    static int get(String url) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(10000);
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }

    @Test
    void unreadableStatsFileIsKeptAsideAndANewOneStarted(@TempDir Path dir) throws Exception {
        Path stats = RunFolder.stats(dir);
        byte[] garbage = "not a MapDB file, e.g. left by a process killed while writing".getBytes();
        java.nio.file.Files.write(stats, garbage);
        try (TrainingUi ui = TrainingUi.start(stats, UiOptions.disabled(), null)) {
            assertTrue(ui.listener() != null);
        }
        java.util.List<Path> aside;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
            aside = s.filter(p -> p.getFileName().toString().startsWith(RunFolder.STATS_FILE + ".unreadable-"))
                    .toList();
        }
        assertEquals(1, aside.size(), "the unreadable file is kept: " + aside);
        assertArrayEquals(garbage, java.nio.file.Files.readAllBytes(aside.get(0)));
        assertTrue(java.nio.file.Files.size(stats) > 0, "a new stats file");
    }
}
