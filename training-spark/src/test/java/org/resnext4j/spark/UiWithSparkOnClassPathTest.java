package org.resnext4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.TrainingUi;
import org.resnext4j.ui.UiOptions;

/** The driver's DL4J UI server serves its pages with Spark 3.5's Netty on the class path (GET requests). */
class UiWithSparkOnClassPathTest {

    @Test
    void uiPagesAnswer(@TempDir Path tmp) throws Exception {
        try (TrainingUi ui = TrainingUi.start(
                tmp.resolve("ui-stats.dl4j"), UiOptions.defaults().withPort(0), null)) {
            String base = ui.url().orElseThrow().replace("/train/overview", "");
            HttpClient http = HttpClient.newHttpClient();
            for (String page : new String[] {"/train/overview", "/resnext4j/epochs", "/resnext4j/epochs/data"}) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + page)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), page);
                assertTrue(!r.body().isEmpty(), page);
            }
        }
    }
}
