package org.resnext4j.ui;

import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.core.storage.StatsStorageEvent;
import org.deeplearning4j.ui.api.HttpMethod;
import org.deeplearning4j.ui.api.Route;
import org.deeplearning4j.ui.api.UIModule;
import org.deeplearning4j.ui.i18n.I18NResource;

/**
 * A module of the DL4J UI server that shows the per-epoch curves DL4J's own pages lack: training and validation
 * accuracy and loss, and the learning rate, per epoch, updated live while a run trains. Page
 * {@value #PAGE} (self-contained HTML and script, no external assets), data {@value #DATA} (JSON). The three line
 * charts are drawn as SVG by about 40 lines of script rather than with a chart library: the page must work offline
 * and DL4J's bundled chart scripts sit under version-specific internal asset paths of its UI jar.
 *
 * <p>DL4J's {@code VertxUIServer} loads extra modules with {@code java.util.ServiceLoader} when it starts; this
 * module is registered in {@code META-INF/services/org.deeplearning4j.ui.api.UIModule}, so any UI server started in
 * a JVM with training-ui on the class path serves it. Runs publish their history here ({@link TrainingRun} while it
 * trains, {@link TrainingUi#reopen} from a finished run's {@code metrics.json}); the page shows the most recent run
 * and lists the others.
 */
public final class EpochCurvesModule implements UIModule {

    /** Path of the page. */
    public static final String PAGE = "/resnext4j/epochs";
    /** Path of the JSON data the page polls. */
    public static final String DATA = "/resnext4j/epochs/data";

    private static final Map<String, Source> SOURCES = new LinkedHashMap<>();
    private static final String HTML = resource("epochs.html");

    private record Source(String name, Supplier<MetricsHistory> history) {}

    /** Used by the UI server's service loader. */
    public EpochCurvesModule() {}

    /**
     * Shows a run on the page (replacing an earlier one with the same session id).
     *
     * @param sessionId the run's UI session id
     * @param name      a short name, e.g. the run folder's
     * @param history   gives the current history each time the page asks
     */
    static void publish(String sessionId, String name, Supplier<MetricsHistory> history) {
        synchronized (SOURCES) {
            SOURCES.remove(sessionId);
            SOURCES.put(sessionId, new Source(name, history));
        }
    }

    /**
     * Shows a finished run from its {@code metrics.json}.
     *
     * @param sessionId   the run's UI session id
     * @param name        a short name
     * @param metricsJson the file
     */
    static void publishFile(String sessionId, String name, Path metricsJson) {
        publish(sessionId, name, () -> {
            try {
                return Files.isRegularFile(metricsJson) ? MetricsHistory.readJson(metricsJson) : new MetricsHistory();
            } catch (IOException e) {
                return new MetricsHistory();
            }
        });
    }

    static void unpublish(String sessionId) {
        synchronized (SOURCES) {
            SOURCES.remove(sessionId);
        }
    }

    /** @return the JSON served at {@value #DATA}: the runs, most recent first, each with its epochs */
    static String dataJson() {
        List<Map<String, Object>> runs = new ArrayList<>();
        List<Map.Entry<String, Source>> entries;
        synchronized (SOURCES) {
            entries = new ArrayList<>(SOURCES.entrySet());
        }
        for (int i = entries.size() - 1; i >= 0; i--) {
            Map.Entry<String, Source> e = entries.get(i);
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("session", e.getKey());
            run.put("name", e.getValue().name());
            List<Map<String, Object>> epochs = new ArrayList<>();
            e.getValue().history().get().epochs().forEach(m -> epochs.add(m.toMap()));
            run.put("epochs", epochs);
            runs.add(run);
        }
        return Json.write(Map.of("runs", runs));
    }

    @Override
    public List<String> getCallbackTypeIDs() {
        return List.of();
    }

    @Override
    public List<Route> getRoutes() {
        return List.of(
                new Route(PAGE, HttpMethod.GET, (args, rc) -> send(rc, "text/html; charset=utf-8", HTML)),
                new Route(DATA, HttpMethod.GET, (args, rc) -> send(rc, "application/json", dataJson())));
    }

    private static void send(RoutingContext rc, String type, String body) {
        rc.response()
                .putHeader("content-type", type)
                .putHeader("cache-control", "no-store")
                .end(body);
    }

    @Override
    public void reportStorageEvents(Collection<StatsStorageEvent> events) {
        // the module reads run histories, not stats storage events
    }

    @Override
    public void onAttach(StatsStorage statsStorage) {
        // nothing to do: runs publish themselves
    }

    @Override
    public void onDetach(StatsStorage statsStorage) {
        // nothing to do: runs unpublish themselves
    }

    @Override
    public List<I18NResource> getInternationalizationResources() {
        return List.of();
    }

    private static String resource(String name) {
        try (InputStream in = EpochCurvesModule.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + name + " of " + EpochCurvesModule.class);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
