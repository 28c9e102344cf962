package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.ui.Trainer;

/**
 * {@code train --recipe}: the recipe's values become the run's settings (stored in the model card of every
 * checkpoint, so {@code --resume} keeps them), an option given beside it wins, and bad uses are refused in words.
 */
class RecipeCliTest {

    @Test
    void torchvisionRecipeIsStoredAndAnOptionGivenBesideItWins(@TempDir Path tmp) throws IOException {
        Path data = ShapesDataset.write(tmp.resolve("shapes"), 8, 32, 5);
        Path out = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run(
                "train",
                "--data",
                data.toString(),
                "--model",
                "tiny",
                "--size",
                "32",
                "--batch",
                "8",
                "--epochs",
                "1",
                "--no-ui",
                "--quiet",
                "--out",
                out.toString(),
                "--recipe",
                "torchvision",
                "--mixup",
                "0.5");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("TrivialAugmentWide"), r.out());
        try (SavedModel m = SavedModel.load(out.resolve(Trainer.CHECKPOINT_DIR).resolve(Trainer.LAST_CHECKPOINT))) {
            Map<String, Object> t = m.card().training();
            assertEquals("torchvision", t.get("recipe"));
            assertEquals(0.5, t.get("mixup_alpha"), "--mixup given beside the recipe wins");
            assertEquals(1.0, t.get("cutmix_alpha"));
            assertEquals(0.1, t.get("label_smoothing"));
            assertEquals("trivialaugment", t.get("auto_augment"));
            assertEquals(0.1, t.get("random_erase"));
            assertEquals("imagenet", t.get("augment"));
            assertEquals("sgd", t.get("optimizer"));
            assertEquals(0.5 * 8 / 1024, ((Number) t.get("learning_rate")).doubleValue(), 1e-12);
            assertEquals(2e-5, ((Number) t.get("weight_decay")).doubleValue(), 1e-12);
            assertTrue(t.containsKey("ema_decay"), "a moving average: " + t);
        }
    }

    @Test
    void badRecipesAreRefusedInWords() {
        CliRunner.Result unknown = CliRunner.run("train", "--recipe", "timm", "--epochs", "1", "--no-ui");
        assertEquals(2, unknown.code());
        assertTrue(
                unknown.err().contains("--recipe: unknown recipe \"timm\", expected none, torchvision or finetune"),
                unknown.err());
        CliRunner.Result finetune = CliRunner.run("train", "--recipe", "finetune", "--epochs", "1", "--no-ui");
        assertEquals(2, finetune.code());
        assertTrue(finetune.err().contains("--recipe finetune is for pretrained weights"), finetune.err());
    }
}
