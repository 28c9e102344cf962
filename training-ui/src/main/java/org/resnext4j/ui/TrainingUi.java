package org.resnext4j.ui;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.stats.impl.DefaultStatsInitializationConfiguration;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One object that wires a training run to the DL4J browser UI: a {@link FileStatsStorage} (MapDB
 * file, persistent, so a finished run can be reopened later with {@link #reopen}), a
 * {@link StatsListener} that records into it (add {@link #listener()} to the network), and the
 * {@link UIServer} (optional) with the storage attached. The URL is logged at start.
 *
 * <p><b>Address.</b> The server listens on {@link UiOptions#bindAddress()}, loopback by default; see
 * {@link UiOptions} for why (DL4J M2.1 itself always binds to {@code 0.0.0.0}, all interfaces, and the
 * UI has no authentication). <b>Port.</b> A port that is taken fails with {@link UiStartException}
 * naming the port, or, with {@link UiOptions#fallbackToFreePort()}, moves on to the next free port
 * and logs a warning saying so. The DL4J UI server is one per JVM: a second {@code TrainingUi} in the
 * same JVM attaches to the running server, and the server is stopped
 * ({@code UIServer.stopInstance()}) when the last {@code TrainingUi} that uses it is closed.
 * {@link #close()} also detaches and closes the stats storage.
 */
public final class TrainingUi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrainingUi.class);
    /** Worker id used by the listener, so that a resumed run continues the same worker's charts. */
    public static final String WORKER_ID = "trainer";

    private static final Object LOCK = new Object();
    private static UIServer sharedServer;
    private static boolean sharedServerOwned;
    private static int users;

    private final Path statsFile;
    private final FileStatsStorage storage;
    private final StatsListener listener;
    private final String sessionId;
    private final UIServer server;
    private final String host;
    private boolean closed;
    private boolean publishedCurves;

    private TrainingUi(
            Path statsFile,
            FileStatsStorage storage,
            StatsListener listener,
            String sessionId,
            UIServer server,
            String host) {
        this.statsFile = statsFile;
        this.storage = storage;
        this.listener = listener;
        this.sessionId = sessionId;
        this.server = server;
        this.host = host;
    }

    /**
     * Opens (or creates) the stats file, makes a listener that records into it, and starts the UI
     * server when {@code options.enabled()}; an automatic reporting frequency is taken as every iteration (see
     * {@link #start(Path, UiOptions, String, long)} to size it to a model).
     *
     * @param statsFile the stats file (MapDB), usually {@code <run>/ui-stats.dl4j}; appended to if it exists
     * @param options   UI settings
     * @param sessionId session id for the listener, or {@code null} for a random one (pass the
     *                  previous id when resuming, so the UI shows one continuous session)
     * @return the handle; close it at the end of training
     * @throws UiStartException when the server cannot start (e.g. the port is taken)
     */
    public static TrainingUi start(Path statsFile, UiOptions options, String sessionId) {
        return start(statsFile, options, sessionId, 0);
    }

    /**
     * Opens (or creates) the stats file, makes a listener that records {@link UiOptions#stats()} into it at
     * {@link UiOptions#frequencyFor(long)} of the model, and starts the UI server when {@code options.enabled()}.
     * With {@link UiStats#OFF} there is no listener, and with the server off as well no stats file is opened.
     *
     * @param statsFile the stats file (MapDB), usually {@code <run>/ui-stats.dl4j}; appended to if it exists
     * @param options   UI settings
     * @param sessionId session id for the listener, or {@code null} for a random one
     * @param numParams the model's parameter count, which sizes an automatic reporting frequency
     * @return the handle; close it at the end of training
     * @throws UiStartException when the server cannot start (e.g. the port is taken)
     */
    public static TrainingUi start(Path statsFile, UiOptions options, String sessionId, long numParams) {
        String sid = sessionId != null ? sessionId : UUID.randomUUID().toString();
        if (options.stats() == UiStats.OFF && !options.enabled()) {
            log.info("DL4J UI off and no UI statistics recorded");
            return new TrainingUi(statsFile, null, null, sid, null, null);
        }
        FileStatsStorage storage = openOrSetAside(statsFile);
        StatsListener listener = statsListener(storage, options, sid, WORKER_ID, numParams);
        if (listener != null) {
            log.info(
                    "DL4J UI statistics: {}, every {} iteration(s){}",
                    options.stats().key(),
                    options.frequencyFor(numParams),
                    options.listenerFrequency() == UiOptions.AUTO_FREQUENCY
                            ? " to start, then as often as " + Math.round(UiStats.COST_BUDGET * 100)
                                    + "% of the training time allows"
                            : "");
        }
        return attach(statsFile, storage, listener, sid, options, "training session " + sid);
    }

    /**
     * A DL4J {@code StatsListener} that records what the options ask ({@link UiOptions#stats()}, at the options'
     * frequency, or with {@link UiOptions#AUTO_FREQUENCY} as often as {@link UiStats#COST_BUDGET} of the training time
     * allows: {@link CostBoundStatsListener}).
     *
     * @param router    where it records; {@code null} for a listener whose router is set later (a Spark training
     *                  master routes the executors' reports to the driver's storage)
     * @param options   the statistics level and frequency
     * @param sessionId the UI session
     * @param workerId  the worker id shown by the UI
     * @param numParams the model's parameter count
     * @return the listener, or {@code null} with {@link UiStats#OFF}
     */
    static StatsListener statsListener(
            StatsStorageRouter router, UiOptions options, String sessionId, String workerId, long numParams) {
        if (options.stats() == UiStats.OFF) {
            return null;
        }
        if (options.listenerFrequency() == UiOptions.AUTO_FREQUENCY) {
            return new CostBoundStatsListener(
                    router, options.stats(), options.frequencyFor(numParams), UiStats.COST_BUDGET, sessionId, workerId);
        }
        return new StatsListener(
                router,
                new DefaultStatsInitializationConfiguration(true, true, true),
                options.stats().configuration(options.frequencyFor(numParams)),
                sessionId,
                workerId);
    }

    /**
     * Opens the stats file of an earlier run in the UI (for a CLI command such as
     * {@code ui --stats run/ui-stats.dl4j}). The caller keeps the process alive while the user looks,
     * and closes the handle to stop the server.
     *
     * @param statsFile an existing stats file
     * @param options   UI settings; {@code enabled} is taken as true
     * @return the handle, with {@link #url()} set
     * @throws UiStartException when the file is missing or the server cannot start
     */
    public static TrainingUi reopen(Path statsFile, UiOptions options) {
        if (!Files.isRegularFile(statsFile)) {
            throw new UiStartException(
                    "Stats file " + statsFile.toAbsolutePath() + " does not exist (expected the "
                            + "DL4J FileStatsStorage file of a run, e.g. <run>/" + RunFolder.STATS_FILE + ")",
                    null);
        }
        FileStatsStorage storage = openStorage(statsFile);
        List<String> sessions = storage.listSessionIDs();
        String sid = sessions.isEmpty() ? null : sessions.get(sessions.size() - 1);
        TrainingUi ui = attach(
                statsFile,
                storage,
                null,
                sid,
                options.withEnabled(true),
                "stats file " + statsFile + " (sessions " + sessions + ")");
        if (sid != null) {
            Path dir = statsFile.toAbsolutePath().getParent();
            EpochCurvesModule.publishFile(sid, String.valueOf(dir.getFileName()), RunFolder.metricsJson(dir));
            ui.publishedCurves = true;
        }
        return ui;
    }

    /**
     * Opens the stats file of a run; one that cannot be opened (a process killed while writing it, say) is kept
     * under a new name, {@code <name>.unreadable-<time>}, and a new file is started, so training goes on and no
     * recorded statistics are deleted.
     */
    private static FileStatsStorage openOrSetAside(Path statsFile) {
        try {
            return openStorage(statsFile);
        } catch (UiStartException e) {
            if (!Files.isRegularFile(statsFile)) {
                throw e;
            }
            Path aside = statsFile.resolveSibling(statsFile.getFileName() + ".unreadable-"
                    + Instant.now().toString().replace(':', '-'));
            try {
                Files.move(statsFile, aside);
            } catch (IOException moveFailure) {
                e.addSuppressed(moveFailure);
                throw e;
            }
            log.warn(
                    "Stats file {} could not be opened ({}); kept it as {} and started a new one",
                    statsFile,
                    e.getCause() == null ? e.getMessage() : e.getCause().toString(),
                    aside);
            return openStorage(statsFile);
        }
    }

    private static FileStatsStorage openStorage(Path statsFile) {
        try {
            Path parent = statsFile.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            return new FileStatsStorage(statsFile.toFile());
        } catch (IOException | RuntimeException e) {
            throw new UiStartException(
                    "Cannot open stats file " + statsFile.toAbsolutePath()
                            + " (expected a DL4J FileStatsStorage/MapDB file, not in use by another process): " + e,
                    e);
        }
    }

    private static TrainingUi attach(
            Path statsFile,
            FileStatsStorage storage,
            StatsListener listener,
            String sid,
            UiOptions options,
            String what) {
        if (!options.enabled()) {
            log.info("DL4J UI off; recording stats to {} (open later with TrainingUi.reopen)", statsFile);
            return new TrainingUi(statsFile, storage, listener, sid, null, null);
        }
        UIServer server;
        try {
            server = acquireServer(options);
        } catch (UiStartException e) {
            closeQuietly(storage);
            throw e;
        }
        server.attach(storage);
        TrainingUi ui = new TrainingUi(statsFile, storage, listener, sid, server, options.bindAddress());
        log.info("DL4J UI for {}: {}", what, ui.url().orElseThrow());
        return ui;
    }

    private static UIServer acquireServer(UiOptions options) {
        synchronized (LOCK) {
            VertxUIServer running = VertxUIServer.getInstance();
            if (running != null && !running.isStopped()) {
                if (running != sharedServer) {
                    sharedServer = running;
                    sharedServerOwned = false;
                }
                if (options.port() != 0 && running.getPort() != options.port()) {
                    log.warn(
                            "A DL4J UI server is already running in this JVM on port {}; using it instead of port {}",
                            running.getPort(),
                            options.port());
                }
                users++;
                return running;
            }
            int port = choosePort(options);
            try {
                sharedServer = BoundUiServer.start(options.bindAddress(), port);
            } catch (Exception e) {
                throw new UiStartException(bindFailure(options, port, e), e);
            }
            sharedServerOwned = true;
            users = 1;
            return sharedServer;
        }
    }

    private static int choosePort(UiOptions options) {
        int port = options.port();
        if (port == 0 || isFree(options.bindAddress(), port)) {
            return port;
        }
        if (!options.fallbackToFreePort()) {
            throw new UiStartException(
                    "Port " + port + " on " + options.bindAddress() + " is already in use, so the "
                            + "DL4J training UI cannot start there (another UI or program listens on it). Choose another "
                            + "port, stop the other program, or allow falling back to the next free port.",
                    null);
        }
        for (int p = port + 1; p <= Math.min(0xFFFF, port + UiOptions.FALLBACK_PORTS); p++) {
            if (isFree(options.bindAddress(), p)) {
                log.warn("Port {} is in use; the DL4J training UI uses the next free port, {}, instead", port, p);
                return p;
            }
        }
        throw new UiStartException(
                "Ports " + port + ".." + (port + UiOptions.FALLBACK_PORTS) + " on " + options.bindAddress()
                        + " are all in use; the DL4J training UI cannot start. Choose another port.",
                null);
    }

    /** @return whether a server socket can be bound to the address and port right now */
    static boolean isFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String bindFailure(UiOptions options, int port, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return "Port " + port + " on " + options.bindAddress() + " is already in use, so the DL4J training UI "
                        + "cannot start there (" + t.getMessage() + "). Choose another port or stop the other program.";
            }
        }
        return "The DL4J training UI could not start on " + options.bindAddress() + ":" + port + ": " + e;
    }

    /**
     * @return the listener recording into the stats file ({@code null} for a {@link #reopen}ed file and with
     *     {@link UiStats#OFF})
     */
    public StatsListener listener() {
        return listener;
    }

    /** @return the UI session id (the listener's, or the last session of a reopened file) */
    public String sessionId() {
        return sessionId;
    }

    /** @return the stats file */
    public Path statsFile() {
        return statsFile;
    }

    /** @return the stats storage ({@code null} with {@link UiStats#OFF} and the server off) */
    public StatsStorage storage() {
        return storage;
    }

    /** @return the port the UI server listens on, or -1 when the UI is off */
    public int port() {
        return server == null ? -1 : server.getPort();
    }

    /**
     * @return the overview page, e.g. {@code http://localhost:9000/train/overview}, when the UI is on
     */
    public Optional<String> url() {
        if (server == null) {
            return Optional.empty();
        }
        boolean anyOrLoopback = host.equals("0.0.0.0")
                || host.equals("::")
                || host.equals(UiOptions.LOOPBACK)
                || host.equals("localhost");
        String h = anyOrLoopback ? "localhost" : (host.contains(":") ? "[" + host + "]" : host);
        return Optional.of("http://" + h + ":" + server.getPort() + "/train/overview");
    }

    /**
     * Detaches and closes the stats storage (flushing the stats file) and stops the UI server when
     * this was its last user and this class started it. Idempotent.
     */
    @Override
    public void close() {
        synchronized (LOCK) {
            if (closed) {
                return;
            }
            closed = true;
            if (publishedCurves) {
                EpochCurvesModule.unpublish(sessionId);
            }
            if (server != null) {
                server.detach(storage);
                users--;
                if (users <= 0 && server == sharedServer) {
                    if (sharedServerOwned) {
                        try {
                            UIServer.stopInstance();
                        } catch (Exception e) {
                            log.warn("Stopping the DL4J UI server failed: {}", e.toString());
                        }
                    }
                    sharedServer = null;
                    users = 0;
                }
            }
            closeQuietly(storage);
        }
    }

    private static void closeQuietly(FileStatsStorage storage) {
        if (storage == null) {
            return;
        }
        try {
            storage.close();
        } catch (RuntimeException e) {
            log.warn("Closing stats storage {} failed: {}", storage, e.toString());
        }
    }
}
