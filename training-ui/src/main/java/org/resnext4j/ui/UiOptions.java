package org.resnext4j.ui;

/**
 * Settings of the DL4J training UI.
 *
 * <p><b>Bind address.</b> DL4J 1.0.0-M2.1's {@code VertxUIServer} calls
 * {@code vertx.createHttpServer().listen(port, handler)}, and Vert.x 3.9 binds that to
 * {@code 0.0.0.0}: all network interfaces. DL4J has a system property for the port
 * ({@code org.deeplearning4j.ui.port}) but none for the address, and its log line
 * "started at http://localhost:PORT" hides that it is reachable from the network. The UI has no
 * authentication, so this module binds to loopback ({@code 127.0.0.1}) by default: it deploys DL4J's
 * own UI server verticle with the HTTP server's {@code listen} redirected to the chosen host (see
 * {@link TrainingUi}). Set {@code bindAddress} to {@code 0.0.0.0} to reach the UI from other
 * machines, as plain DL4J does.
 *
 * @param enabled            start the UI server; when false, stats (unless {@code stats} is {@link UiStats#OFF})
 *                           are still recorded to the stats file, which can be opened later with
 *                           {@link TrainingUi#reopen}
 * @param port               TCP port (default {@value #DEFAULT_PORT}); 0 picks a free port
 * @param bindAddress        address to listen on (default {@value #LOOPBACK})
 * @param fallbackToFreePort when the port is taken, use the next free one (and say so in the log)
 *                           instead of failing with {@link UiStartException}
 * @param listenerFrequency  StatsListener reporting frequency, in iterations (1 = every iteration), or
 *                           {@value #AUTO_FREQUENCY}: first {@link UiStats#frequencyFor(long)} of the model, then as
 *                           often as {@link UiStats#COST_BUDGET} of the training time allows
 * @param stats              what the StatsListener records ({@link UiStats#DEFAULT}: what the UI pages show, no
 *                           histograms; {@link UiStats#FULL}: DL4J's default, everything; {@link UiStats#OFF}: no
 *                           listener)
 */
public record UiOptions(
        boolean enabled,
        int port,
        String bindAddress,
        boolean fallbackToFreePort,
        int listenerFrequency,
        UiStats stats) {

    /** {@code listenerFrequency} value that sizes the reporting frequency to what the reports cost. */
    public static final int AUTO_FREQUENCY = 0;

    /** DL4J's default UI port. */
    public static final int DEFAULT_PORT = 9000;
    /** The loopback address, the default bind address. */
    public static final String LOOPBACK = "127.0.0.1";
    /** How many ports after the requested one are tried when {@code fallbackToFreePort} is set. */
    public static final int FALLBACK_PORTS = 20;

    /** Validates the values. */
    public UiOptions {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("UI port must be in 0..65535, got " + port);
        }
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new IllegalArgumentException("UI bind address must not be empty");
        }
        if (listenerFrequency < 0) {
            throw new IllegalArgumentException("StatsListener frequency must be >= 1 (or " + AUTO_FREQUENCY
                    + " for sized to the model), got " + listenerFrequency);
        }
        if (stats == null) {
            throw new IllegalArgumentException("UI stats level must not be null");
        }
    }

    /**
     * @return UI on, port 9000, loopback only, fail when the port is taken, {@link UiStats#DEFAULT} statistics at a
     *     frequency sized to the model
     */
    public static UiOptions defaults() {
        return new UiOptions(true, DEFAULT_PORT, LOOPBACK, false, AUTO_FREQUENCY, UiStats.DEFAULT);
    }

    /** @return UI server off (stats are still written to the run folder) */
    public static UiOptions disabled() {
        return defaults().withEnabled(false);
    }

    /**
     * @param on whether to start the UI server
     * @return a copy with that setting
     */
    public UiOptions withEnabled(boolean on) {
        return new UiOptions(on, port, bindAddress, fallbackToFreePort, listenerFrequency, stats);
    }

    /**
     * @param newPort TCP port, 0 for any free port
     * @return a copy with that port
     */
    public UiOptions withPort(int newPort) {
        return new UiOptions(enabled, newPort, bindAddress, fallbackToFreePort, listenerFrequency, stats);
    }

    /**
     * @param address address to listen on, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
     * @return a copy with that address
     */
    public UiOptions withBindAddress(String address) {
        return new UiOptions(enabled, port, address, fallbackToFreePort, listenerFrequency, stats);
    }

    /**
     * @param fallback whether to move on to the next free port when the port is taken
     * @return a copy with that setting
     */
    public UiOptions withFallbackToFreePort(boolean fallback) {
        return new UiOptions(enabled, port, bindAddress, fallback, listenerFrequency, stats);
    }

    /**
     * @param frequency StatsListener reporting frequency in iterations
     * @return a copy with that frequency
     */
    public UiOptions withListenerFrequency(int frequency) {
        return new UiOptions(enabled, port, bindAddress, fallbackToFreePort, frequency, stats);
    }

    /**
     * @param level what the StatsListener records
     * @return a copy with that level
     */
    public UiOptions withStats(UiStats level) {
        return new UiOptions(enabled, port, bindAddress, fallbackToFreePort, listenerFrequency, level);
    }

    /**
     * @param numParams the model's parameter count
     * @return the reporting frequency for that model: {@link #listenerFrequency()}, or when it is
     *     {@value #AUTO_FREQUENCY}, the first one, {@link UiStats#frequencyFor(long)}
     */
    public int frequencyFor(long numParams) {
        return listenerFrequency == AUTO_FREQUENCY ? UiStats.frequencyFor(numParams) : listenerFrequency;
    }
}
