package org.resnext4j.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * {@link SplitVersusFusedForm} on the tiny ResNeXt: the SPLIT graph (one {@code MergeVertex} per grouped convolution)
 * and the FUSED graph hold the same weights and give the same logits within 1e-5 (relative), and both were timed.
 */
class SplitVersusFusedFormTest {

    @Test
    void bothFormsGiveTheSameLogits() throws Exception {
        ResNeXtSpec spec = ResNeXtSpec.tiny().withNumClasses(10).withInputShape(3, 32, 32);
        SplitVersusFusedForm.Comparison c = SplitVersusFusedForm.run(spec, 2, 1);
        assertTrue(c.relativeError() < 1e-5, "relative difference of the logits " + c.relativeError());
        assertEquals(4, c.mergeVertices(), "one MergeVertex per grouped conv (1 block in each of 4 stages)");
        assertTrue(c.splitVertices() > c.fusedVertices(), c.splitVertices() + " vs " + c.fusedVertices());
        assertTrue(c.fusedMillis() > 0 && c.splitMillis() > 0);
    }
}
