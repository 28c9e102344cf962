package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Opens the DL4J UI of a running training in headless Chromium and checks that the overview page
 * shows this session's score chart with data points. Needs {@code apt-get install chromium
 * chromium-driver}; skipped only with {@code -Dresnext4j.skipBrowserTests=true}.
 */
class BrowserUiTest {

    private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");

    @Test
    void overviewPageShowsThisSessionsScoreChart(@TempDir Path tmp) throws Exception {
        requireBrowser();
        AtomicReference<String> checked = new AtomicReference<>();
        Path run = tmp.resolve("run");
        Trainer trainer = Trainer.builder()
                .runDir(run)
                .epochs(3)
                .classNames(TestModels.CLASSES)
                // a report every iteration (not sized to its cost), so 96 iterations draw a chart of 10+ points
                .ui(UiOptions.defaults().withPort(0).withListenerFrequency(1))
                .progressIntervalSeconds(0)
                .onEpochEnd(m -> {
                    if (m.epoch() == 3) {
                        // the UI is still up while the last epoch's callback runs
                        String sid = (String)
                                Checkpoints.readMetadata(RunFolder.last(run)).get(CheckpointEnvelope.SESSION_ID_KEY);
                        checked.set(checkInBrowser(run, sid, tmp));
                    }
                })
                .build();
        TrainingResult r = trainer.fit(
                TestModels.graph(9),
                TestModels.iterator(TestModels.blobs(512, 1), 16),
                TestModels.iterator(TestModels.blobs(128, 2), 64));
        assertEquals(r.sessionId(), checked.get(), "browser showed another session");
    }

    @Test
    void epochCurvesPageShowsTheRunsValidationAccuracyLive(@TempDir Path tmp) throws Exception {
        requireBrowser();
        Path dir = tmp.resolve("run");
        AtomicReference<String> shown = new AtomicReference<>();
        try (TrainingRun run = TrainingRun.builder(dir)
                .epochs(3)
                .validation(TestModels.iterator(TestModels.blobs(128, 4), 64))
                .classNames(TestModels.CLASSES)
                .ui(UiOptions.defaults().withPort(0))
                .progressIntervalSeconds(0)
                .build()) {
            ComputationGraph net = run.start(TestModels.graph(10));
            net.addListeners(run.listeners().toArray(TrainingListener[]::new));
            net.fit(TestModels.iterator(TestModels.blobs(256, 3), 32), 2);
            // training paused after epoch 2 with the UI up: the page must show epochs 1 and 2
            String page = run.uiUrl().orElseThrow().replace("/train/overview", EpochCurvesModule.PAGE);
            EpochMetrics second = run.history().epochs().get(1);
            try (Browser browser = Browser.open(tmp)) {
                ChromeDriver driver = browser.driver();
                driver.get(page);
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
                wait.until(
                        d -> d.findElements(By.cssSelector("#epochs tbody tr")).size() == 2);
                String latest = driver.findElement(By.id("latest-val-acc")).getText();
                shown.set(latest);
                assertEquals(
                        100 * second.valAccuracy(),
                        Double.parseDouble(latest.replace("%", "")),
                        0.051,
                        "latest validation accuracy on the page");
                assertEquals("2", driver.findElement(By.id("latest-epoch")).getText());
                String cell = driver.findElement(By.cssSelector("#epochs tbody tr[data-epoch='2'] td.val_acc"))
                        .getText();
                assertEquals(latest, cell);
                Object points = ((JavascriptExecutor) driver)
                        .executeScript(
                                "return document.querySelector('#acc-chart polyline.series-val_acc').getAttribute('points')"
                                        + ".trim().split(' ').length;");
                assertEquals(2L, points, "validation accuracy curve points");
                // one more epoch: the open page updates by itself
                net.fit(TestModels.iterator(TestModels.blobs(256, 3), 32), 1);
                wait.until(
                        d -> d.findElements(By.cssSelector("#epochs tbody tr")).size() == 3);
                assertEquals("3", driver.findElement(By.id("latest-epoch")).getText());
                browser.screenshot(Paths.get("target", "ui-epoch-curves.png"));
            }
        }
        assertTrue(shown.get().endsWith("%"), shown.get());
    }

    private static void requireBrowser() {
        Assumptions.assumeFalse(
                Boolean.getBoolean("resnext4j.skipBrowserTests"),
                "browser test skipped by -Dresnext4j.skipBrowserTests=true");
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("The browser UI test needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install chromium chromium-driver (or run with -Dresnext4j.skipBrowserTests=true)");
        }
    }

    /** Headless Chromium driven by chromedriver. */
    private record Browser(ChromeDriver driver, ChromeDriverService service) implements AutoCloseable {
        static Browser open(Path tmp) throws java.io.IOException {
            Path profile = Files.createDirectories(tmp.resolve("chromium-profile"));
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments(
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--window-size=1400,1000",
                    "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort()
                    .build();
            return new Browser(new ChromeDriver(service, options), service);
        }

        void screenshot(Path target) throws java.io.IOException {
            File shot = driver.getScreenshotAs(OutputType.FILE);
            Files.createDirectories(target.getParent());
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            assertTrue(ImageIO.read(target.toFile()).getWidth() > 0);
        }

        @Override
        public void close() {
            driver.quit();
            service.stop();
        }
    }

    private static String checkInBrowser(Path run, String expectedSession, Path tmp) {
        String url;
        try {
            url = String.valueOf(Files.readString(RunFolder.runConfig(run)))
                    .replaceAll("(?s).*\"ui\" : \"(http://[^ \"]+) .*", "$1");
            Browser browser = Browser.open(tmp);
            ChromeDriver driver = browser.driver();
            try {
                driver.get(url);
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
                wait.until(d -> !d.findElements(By.cssSelector("#scoreiterchart canvas"))
                        .isEmpty());
                JavascriptExecutor js = driver;
                wait.until(d -> {
                    Object n = js.executeScript("var p = $('#scoreiterchart').data('plot');"
                            + "return p ? p.getData()[0].data.length : 0;");
                    return n instanceof Number num && num.intValue() >= 10;
                });
                String session = (String) js.executeScript("return currSession;");
                assertEquals(expectedSession, session);
                Number points =
                        (Number) js.executeScript("return $('#scoreiterchart').data('plot').getData()[0].data.length;");
                assertTrue(points.intValue() >= 10, "score chart points: " + points);
                browser.screenshot(Paths.get("target", "ui-overview.png"));
                return session;
            } finally {
                browser.close();
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
