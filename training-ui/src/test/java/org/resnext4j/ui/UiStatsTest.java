package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.stats.api.StatsReport;
import org.deeplearning4j.ui.model.stats.api.StatsType;
import org.deeplearning4j.ui.model.stats.api.StatsUpdateConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each {@link UiStats} level records, read back from the stats file the DL4J UI reads. */
class UiStatsTest {

    @Test
    void frequencyIsSizedToTheModel() {
        assertEquals(1, UiStats.frequencyFor(0));
        assertEquals(1, UiStats.frequencyFor(UiStats.PARAMS_PER_ITERATION));
        assertEquals(2, UiStats.frequencyFor(UiStats.PARAMS_PER_ITERATION + 1));
        assertEquals(11, UiStats.frequencyFor(25_028_904L), "ResNeXt-50");
        assertEquals(UiStats.MAX_AUTO_FREQUENCY, UiStats.frequencyFor(Long.MAX_VALUE / 2));
        assertEquals(11, UiOptions.defaults().frequencyFor(25_028_904L));
        assertEquals(3, UiOptions.defaults().withListenerFrequency(3).frequencyFor(25_028_904L), "the user's value");
        assertEquals(UiStats.DEFAULT, UiOptions.defaults().stats());
        assertThrows(IllegalArgumentException.class, () -> UiOptions.defaults().withListenerFrequency(-1));
        assertThrows(IllegalStateException.class, () -> UiStats.OFF.configuration(1));
    }

    @Test
    void defaultKeepsWhatThePagesReadAndDropsHistogramsAndActivations() {
        StatsUpdateConfiguration d = UiStats.DEFAULT.configuration(7);
        assertEquals(7, d.reportingFrequency());
        for (StatsType t : StatsType.values()) {
            assertFalse(d.collectHistograms(t), "histogram " + t);
            assertFalse(d.collectMean(t), "mean " + t);
        }
        assertTrue(d.collectMeanMagnitudes(StatsType.Parameters) && d.collectMeanMagnitudes(StatsType.Updates));
        assertTrue(d.collectStdev(StatsType.Gradients) && d.collectStdev(StatsType.Updates));
        assertFalse(d.collectStdev(StatsType.Activations) || d.collectMeanMagnitudes(StatsType.Activations));
        assertTrue(d.collectLearningRates() && d.collectMemoryStats() && d.collectPerformanceStats());

        StatsUpdateConfiguration f = UiStats.FULL.configuration(1);
        for (StatsType t : StatsType.values()) {
            assertTrue(f.collectHistograms(t), "histogram " + t);
        }
    }

    private static StatsReport lastReport(Path stats, String session) {
        try (TrainingUi ui = TrainingUi.start(stats, UiOptions.disabled(), null)) {
            List<Persistable> updates =
                    ui.storage().getAllUpdatesAfter(session, StatsListener.TYPE_ID, TrainingUi.WORKER_ID, 0);
            assertFalse(updates.isEmpty(), "no reports recorded");
            return (StatsReport) updates.get(updates.size() - 1);
        }
    }

    private static String train(Path stats, UiStats level, int frequency) {
        try (TrainingUi ui =
                TrainingUi.start(stats, UiOptions.disabled().withStats(level).withListenerFrequency(frequency), null)) {
            ComputationGraph net = TestModels.graph(1);
            net.setListeners(ui.listener());
            net.fit(TestModels.iterator(TestModels.blobs(64, 1), 16));
            return ui.sessionId();
        }
    }

    @Test
    void defaultRecordsTheOverviewAndModelPageValuesWithoutHistograms(@TempDir Path dir) {
        Path stats = dir.resolve("s.dl4j");
        StatsReport r = lastReport(stats, train(stats, UiStats.DEFAULT, 1));
        assertTrue(Double.isFinite(r.getScore()));
        Map<String, Double> params = r.getMeanMagnitudes(StatsType.Parameters);
        Map<String, Double> updates = r.getMeanMagnitudes(StatsType.Updates);
        assertNotNull(params);
        assertNotNull(updates);
        assertFalse(params.isEmpty());
        assertEquals(params.keySet(), updates.keySet(), "the update:parameter ratio chart needs both");
        assertNotNull(r.getStdev(StatsType.Gradients));
        assertNotNull(r.getStdev(StatsType.Updates));
        assertNotNull(r.getLearningRates());
        assertNull(r.getHistograms(StatsType.Parameters));
        assertNull(r.getHistograms(StatsType.Updates));
        assertNull(r.getHistograms(StatsType.Gradients));
        assertNull(r.getHistograms(StatsType.Activations));
        assertNull(r.getStdev(StatsType.Activations));
    }

    @Test
    void fullRecordsHistogramsAndActivations(@TempDir Path dir) {
        Path stats = dir.resolve("s.dl4j");
        StatsReport r = lastReport(stats, train(stats, UiStats.FULL, 1));
        assertNotNull(r.getHistograms(StatsType.Parameters));
        assertNotNull(r.getHistograms(StatsType.Updates));
        assertNotNull(r.getStdev(StatsType.Activations));
    }

    @Test
    void frequencyThinsTheReports(@TempDir Path dir) {
        Path stats = dir.resolve("s.dl4j");
        String sid = train(stats, UiStats.DEFAULT, 2);
        try (TrainingUi ui = TrainingUi.start(stats, UiOptions.disabled(), null)) {
            int n = ui.storage().getNumUpdateRecordsFor(sid);
            assertTrue(n >= 1 && n <= 2, "4 iterations, every 2nd reported (DL4J counts from its own start): " + n);
        }
    }

    @Test
    void automaticFrequencyKeepsTheReportsWithinTheirShareOfTheTrainingTime() {
        // the tiny model at 32 x 32: 24 ms of default statistics against a 48 ms step, 2% allowed
        assertEquals(25, CostBoundStatsListener.frequencyFor(0.024, 0.048, 0.02));
        assertEquals(1, CostBoundStatsListener.frequencyFor(0.0001, 1.0, 0.02), "cheap reports: every iteration");
        assertEquals(2, CostBoundStatsListener.frequencyFor(0.0201, 1.0, 0.02));
        assertEquals(UiStats.MAX_AUTO_FREQUENCY, CostBoundStatsListener.frequencyFor(10, 0.01, 0.02));
        assertEquals(1, CostBoundStatsListener.frequencyFor(0.1, Double.NaN, 0.02), "nothing measured yet");
        assertThrows(
                IllegalArgumentException.class,
                () -> new CostBoundStatsListener(null, UiStats.DEFAULT, 1, 1.5, "s", "w"));
    }

    /** Trains the test graph for 25 epochs of 4 iterations; {@code stepMillis} more per iteration from a listener. */
    private static int reportsOfAutomaticFrequency(double budget, long stepMillis, int[] frequency) {
        org.deeplearning4j.ui.model.storage.InMemoryStatsStorage storage =
                new org.deeplearning4j.ui.model.storage.InMemoryStatsStorage();
        CostBoundStatsListener l = new CostBoundStatsListener(storage, UiStats.DEFAULT, 1, budget, "s", "w");
        ComputationGraph net = TestModels.graph(1);
        net.setListeners(l, new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
                try {
                    Thread.sleep(stepMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        for (int e = 0; e < 25; e++) {
            net.fit(TestModels.iterator(TestModels.blobs(64, 1), 16));
        }
        frequency[0] = l.frequency();
        return storage.getNumUpdateRecordsFor("s");
    }

    @Test
    void automaticFrequencyThinsCostlyReportsAndKeepsCheapOnes() {
        int[] f = new int[1];
        // reports allowed a millionth of the time: after the first timed report, every 50th iteration
        int costly = reportsOfAutomaticFrequency(1e-6, 0, f);
        assertEquals(UiStats.MAX_AUTO_FREQUENCY, f[0]);
        assertTrue(costly <= 5, "100 iterations, at most every 50th reported after the first two: " + costly);
        // a 30 ms step beside reports of a few milliseconds, 90% allowed: every iteration
        int cheap = reportsOfAutomaticFrequency(0.9, 30, f);
        assertEquals(1, f[0]);
        assertTrue(cheap >= 95, "100 iterations, each reported: " + cheap);
    }

    @Test
    void offAddsNoListenerAndWithTheServerOffOpensNoFile(@TempDir Path dir) {
        Path stats = dir.resolve("s.dl4j");
        try (TrainingUi ui = TrainingUi.start(stats, UiOptions.disabled().withStats(UiStats.OFF), null)) {
            assertNull(ui.listener());
            assertNull(ui.storage());
            assertNotNull(ui.sessionId());
        }
        assertFalse(Files.exists(stats));
    }
}
