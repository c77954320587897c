package dev.snn4j.recipe;

import dev.snn4j.data.ImageDataset;
import dev.snn4j.energy.EnergyModel;
import dev.snn4j.model.VggConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * The child process of {@link KillResumeTest}: runs (or resumes) a small real IIR-SNN training in the folder given
 * as the only argument and prints one line per batch ({@code batch <stage> <epoch> <batch>}) and per epoch
 * ({@code epoch <stage> <epoch>}, printed just before the epoch's checkpoint is written), then {@code done}.
 */
public final class KillResumeChild {
    private KillResumeChild() {
    }

    /** Tiny VGG with dropout and augmentation (both draw random numbers), 4 batches per epoch, 12 epochs in all. */
    static IirSnn.Config config() {
        VggConfig cfg = new VggConfig("tiny-dropout", 1, 8, List.of("4", "A"), new int[] {8}, 2, 0.2);
        return new IirSnn.Config(cfg, 16, 4, 3e-3, new int[] {2, 1}, new int[] {4, 4}, 3e-3, 0.9, 0.3, 32, 9, 1,
                true, 32, 0, EnergyModel.CMOS45_FP32);
    }

    static ImageDataset train() {
        return IirSnnTest.squares(64, 1);
    }

    static ImageDataset test() {
        return IirSnnTest.squares(32, 2);
    }

    public static void main(String[] args) throws Exception {
        IirSnn.run(config(), train(), test(), Path.of(args[0]), new IirSnn.Listener() {
            @Override
            public void batchDone(String stage, int epoch, int batch, double loss, double accuracy) {
                System.out.println("batch " + stage + " " + epoch + " " + batch);
                System.out.flush();
            }

            @Override
            public void epochDone(String stage, int epoch, double loss, double accuracy) {
                System.out.println("epoch " + stage + " " + epoch);
                System.out.flush();
            }
        });
        System.out.println("done");
        System.out.flush();
    }
}
