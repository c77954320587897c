package dev.snn4j.conformance;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import dev.snn4j.layer.Dcls1d;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Case 5: DCLS {@code Dcls1d} version 'gauss' with SNN-delays' padding (D = 7, Cin 3, Cout 2, KC 1 and 2): the padded
 * input, the constructed kernel, the output, {@code loss = sum(out * r)} and the gradients of weight, P and SIG. The
 * reference input is channel-major {@code [B, C, T]}; our API is time-major, so x goes in transposed and the output
 * comes back transposed. SIG is a frozen buffer in the layer (as in SNN-delays); the test switches its gradient on to
 * compare {@code grad_SIG}.
 */
class DclsConformanceTest {
    private static final JsonObject REF = Ref.load("case5_dcls.json");

    @BeforeAll
    static void resetDeviations() {
        Ref.Deviations.reset();
    }

    @AfterAll
    static void report() {
        Ref.Deviations.report("case5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dcls1d_gauss_cin3_cout2_kc1_D7", "dcls1d_gauss_cin3_cout2_kc2_D7"})
    void kernelOutputAndGradients(String name) {
        JsonObject c = Ref.caseNamed(REF, name);
        JsonObject kw = c.getAsJsonObject("ctor_kwargs");
        try (NDManager m = NDManager.newBaseManager()) {
            Dcls1d dcls = new Dcls1d(m, kw.get("in_channels").getAsInt(), kw.get("out_channels").getAsInt(),
                    kw.get("kernel_count").getAsInt(), kw.get("dilated_kernel_size").getAsInt());
            dcls.to(DataType.FLOAT64);
            assertEquals(java.util.Set.of("weight", "P", "SIG"), dcls.namedParameters().keySet());
            assertEquals(java.util.Set.of("weight", "P"), dcls.trainableParameters().keySet());
            dcls.weight().copyFrom(Ref.array(m, c, "weight"));
            dcls.positions().copyFrom(Ref.array(m, c, "P"));
            dcls.sigma().copyFrom(Ref.array(m, c, "SIG"));
            assertEquals(c.get("padding_left").getAsInt(), dcls.leftPadding());
            assertEquals(c.get("padding_right").getAsInt(), dcls.rightPadding());

            // the positions are inside the clamp range: clamping leaves them unchanged
            dcls.clampPositions();
            Ref.assertClose(name + " P after clampPositions", Ref.array(m, c, "P"), dcls.positions().value());

            NDArray xTimeMajor = Ref.array(m, c, "x").transpose(2, 0, 1);     // [B, C, T] -> [T, B, C]
            Ref.assertClose(name + " x_padded", Ref.array(m, c, "x_padded"), dcls.padded(xTimeMajor));
            try (NDArray k = dcls.kernel()) {
                Ref.assertClose(name + " kernel", Ref.array(m, c, "kernel"), k);
            }

            dcls.sigma().value().setRequiresGradient(true);
            NDArray r = Ref.array(m, c, "r");
            double loss;
            NDArray outChannelMajor;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = dcls.forward(xTimeMajor);                         // [T + 3, B, Cout]
                outChannelMajor = out.transpose(1, 2, 0);                        // [B, Cout, T + 3]
                NDArray l = outChannelMajor.mul(r).sum();
                loss = l.toDoubleArray()[0];
                System.gc();
                gc.backward(l);
            }
            Ref.assertClose(name + " out", Ref.array(m, c, "out"), outChannelMajor);
            Ref.assertClose(name + " loss", c.get("loss").getAsDouble(), loss);
            try (NDArray g = dcls.weight().value().getGradient()) {
                Ref.assertClose(name + " grad_weight", Ref.array(m, c, "grad_weight"), g);
            }
            try (NDArray g = dcls.positions().value().getGradient()) {
                Ref.assertClose(name + " grad_P", Ref.array(m, c, "grad_P"), g);
            }
            try (NDArray g = dcls.sigma().value().getGradient()) {
                Ref.assertClose(name + " grad_SIG", Ref.array(m, c, "grad_SIG"), g);
            }
        }
    }
}
