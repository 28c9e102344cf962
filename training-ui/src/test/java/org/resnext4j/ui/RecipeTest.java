package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The recipes' values: torchvision's reference recipe as its scripts set it, scaled to the run. */
class RecipeTest {

    @Test
    void torchvisionAtItsOwnScaleIsItsReferenceCommand() {
        // torchvision 0.14 references/classification, the IMAGENET1K_V2 recipe: --lr 0.5 for 8 GPUs x 128,
        // --lr-warmup-epochs 5 --lr-warmup-decay 0.01, --weight-decay 2e-5, --label-smoothing 0.1,
        // --mixup-alpha 0.2 --cutmix-alpha 1.0, --auto-augment ta_wide, --random-erase 0.1, --model-ema
        Recipe.Settings v = Recipe.TORCHVISION.settings(600, 1024);
        assertEquals("imagenet", v.augment());
        assertEquals("trivialaugment", v.autoAugment());
        assertEquals(0.1, v.randomErase());
        assertEquals(0.1, v.labelSmoothing());
        assertEquals(0.2, v.mixupAlpha());
        assertEquals(1.0, v.cutmixAlpha());
        assertEquals("sgd", v.optimizer());
        assertEquals(0.5, v.learningRate(), 1e-15);
        assertEquals(2e-5, v.weightDecay());
        assertEquals("cosine", v.schedule());
        assertEquals(5, v.warmupEpochs());
        assertEquals(0.01, v.warmupDecay());
        assertTrue(v.ema());
        assertNull(v.backboneLrScale());
        assertFalse(v.needsPretrained());
    }

    @Test
    void torchvisionScalesTheRateToTheBatchAndTheWarmUpToShortRuns() {
        assertEquals(0.015625, Recipe.TORCHVISION.settings(15, 32).learningRate(), 1e-15);
        assertEquals(5, Recipe.TORCHVISION.settings(15, 32).warmupEpochs());
        assertEquals(2, Recipe.TORCHVISION.settings(6, 32).warmupEpochs(), "at most a third of the epochs");
        assertEquals(0, Recipe.TORCHVISION.settings(2, 32).warmupEpochs());
    }

    @Test
    void finetuneIsForPretrainedWeights() {
        Recipe.Settings v = Recipe.FINETUNE.settings(10, 16);
        assertTrue(v.needsPretrained());
        assertEquals(0.1, v.backboneLrScale());
        assertEquals("adam", v.optimizer());
        assertEquals(1e-3, v.learningRate());
        assertEquals(0.1, v.labelSmoothing());
        assertEquals(0, v.mixupAlpha());
        assertEquals(0, v.cutmixAlpha());
        assertEquals(0, v.randomErase());
        assertEquals(1, v.warmupEpochs());
        assertFalse(v.ema());
        assertNull(Recipe.NONE.settings(10, 16));
    }

    @Test
    void namesAndBadInput() {
        assertSame(Recipe.TORCHVISION, Recipe.of("TorchVision"));
        assertEquals("finetune", Recipe.FINETUNE.key());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.of("timm"));
        assertEquals("unknown recipe \"timm\", expected none, torchvision or finetune", e.getMessage());
        IllegalArgumentException zero =
                assertThrows(IllegalArgumentException.class, () -> Recipe.TORCHVISION.settings(0, 32));
        assertTrue(zero.getMessage().contains("at least 1"), zero.getMessage());
    }
}
