package dev.snn4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.BatchNorm;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.neuron.IirNeuron;
import dev.snn4j.nn.Init;
import dev.snn4j.surrogate.PiecewiseLinear;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ConversionTest {
    private static final VggConfig TINY = new VggConfig("tiny", 1, 8, List.of("4", "A", "6"), new int[] {5}, 3, 0.0);

    @Test
    void foldedConvolutionEqualsConvPlusBatchNormInEval() {
        Init.seed(3);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            Vgg ann = Vgg.ann(m, TINY);
            // give batch norm non-trivial statistics and affine parameters
            ann.train(true);
            ann.forward(m.randomNormal(new Shape(16, 1, 8, 8)).mul(m.create(2f)).add(m.create(0.5f)));
            BatchNorm bn1 = (BatchNorm) ann.layer("bn1");
            bn1.gamma().copyFrom(m.create(new float[] {0.5f, 1.5f, -1f, 2f}));
            bn1.beta().copyFrom(m.create(new float[] {0.1f, -0.2f, 0.3f, 0f}));
            ann.eval();
            Vgg snn = Vgg.snn(m, TINY, new PiecewiseLinear(0.3), 1);
            Conversion.foldBatchNorm(ann, snn);

            NDArray x = m.randomNormal(new Shape(1, 2, 1, 8, 8));
            NDArray annOut = ann.layer("bn1").forward(ann.layer("conv1").forward(x));
            NDArray snnOut = snn.layer("conv1").forward(x);
            assertTrue(annOut.sub(snnOut).abs().max().getFloat() < 1e-5f, "folded conv must equal conv + BN");
            assertEquals(((Conv2d) ann.layer("conv2")).weight().value().getShape(),
                    ((Conv2d) snn.layer("conv2")).weight().value().getShape());
        }
    }

    @Test
    void thresholdsArePercentilesOfEachLayersInput() {
        Init.seed(4);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            Vgg snn = Vgg.snn(m, TINY, new PiecewiseLinear(0.3), 3);
            NDArray images = m.randomUniform(0f, 1f, new Shape(32, 1, 8, 8));
            Map<String, Double> t = Conversion.setThresholdsFromPercentile(snn, images, 0.9);
            assertEquals(List.of("act1", "act2", "act_fc1"), List.copyOf(t.keySet()));
            // the first layer's input is conv1(images): check its 90th percentile directly
            NDArray current = snn.layer("conv1").forward(images.expandDims(0));
            assertEquals(Conversion.percentile(current, 0.9), t.get("act1"), 1e-6);
            for (String name : t.keySet()) {
                double set = ((IirNeuron) snn.layer(name)).thresholdParameter().value().getFloat();
                assertEquals(t.get(name), set, 1e-6);
                assertTrue(set > 0, name);
            }
        }
    }

    @Test
    void percentileIsNearestRank() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray v = m.arange(1f, 101f); // 1..100
            assertEquals(90.0, Conversion.percentile(v, 0.9));
            assertEquals(1.0, Conversion.percentile(v, 0.001));
            assertEquals(100.0, Conversion.percentile(v, 0.999));
        }
    }

    @Test
    void badConfigurationsAreRejectedWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VggConfig("bad", 1, 4, List.of("A", "8"), new int[] {}, 2, 0));
        assertTrue(e.getMessage().contains("bad") && e.getMessage().contains("must start with a convolution"));
        e = assertThrows(IllegalArgumentException.class,
                () -> new VggConfig("deep", 1, 2, List.of("8", "A", "A"), new int[] {}, 2, 0));
        assertTrue(e.getMessage().contains("too many pooling layers"), e.getMessage());
    }

    @Test
    void imagesOfTheWrongShapeNameTheExpectedShape() {
        try (NDManager m = NDManager.newBaseManager()) {
            Vgg snn = Vgg.snn(m, TINY, new PiecewiseLinear(0.3), 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> snn.forward(m.zeros(new Shape(2, 8, 8))));
            assertTrue(e.getMessage().contains("[B, 1, 8, 8]"), e.getMessage());
        }
    }
}
