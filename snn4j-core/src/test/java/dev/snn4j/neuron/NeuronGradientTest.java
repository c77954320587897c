package dev.snn4j.neuron;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.snn4j.GradCheck;
import dev.snn4j.GradCheck.Var;
import dev.snn4j.conformance.Ref;
import dev.snn4j.nn.Parameter;
import dev.snn4j.surrogate.ATan;
import dev.snn4j.surrogate.PiecewiseLinear;
import dev.snn4j.surrogate.PiecewiseQuadratic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checks for every neuron through T = 12 steps (BPTT), float64.
 *
 * <p>Why three kinds of check: a spiking neuron's true derivative is zero almost everywhere, so finite differences
 * of a loss on spikes never see the surrogate gradient. Each check therefore targets a piece that is genuinely
 * testable:
 * <ol>
 *   <li><b>Surrogate BPTT vs a hand-written reference.</b> {@link ReferenceNeuron} implements the forward recurrence
 *   and the backward pass with the surrogate chain rule in plain Java (detach/no detach, hard/soft reset, PLIF's w,
 *   IIR's leak and threshold, snnTorch's detached delayed reset). Autograd must agree to ~1e-12: this is the check
 *   of the surrogate-gradient machinery itself, on inputs where about half the steps spike.</li>
 *   <li><b>Finite differences with an infinite threshold.</b> No spikes, the neuron is a linear filter: FD of a loss
 *   on the membrane traces checks the charge equations and the gradients of tau-like parameters through time.</li>
 *   <li><b>Finite differences through spikes with a compact-support surrogate.</b> With
 *   {@code PiecewiseQuadratic(50)} the surrogate gradient is exactly 0 outside |z| < 0.02; on inputs whose membranes
 *   all stay >= 0.03 away from threshold the loss is locally smooth (the spike pattern cannot change under the FD
 *   step), so autograd must equal FD, including through the resets and thresholds.</li>
 * </ol>
 */
class NeuronGradientTest {
    private static final int T = 12;
    private NDManager m;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    // ---------------------------------------------------------------- 1. surrogate BPTT vs hand-written reference

    @Test
    void ifNeuronVsReference() {
        for (boolean detach : new boolean[] {false, true}) {
            vsReference("IF hard detach=" + detach,
                    IfNeuron.builder().detachReset(detach).surrogate(new ATan(2)).build(),
                    ref(ReferenceNeuron.Kind.IF, 0.0, detach), null, null);
        }
        vsReference("IF soft", IfNeuron.builder().softReset().surrogate(new ATan(2)).build(),
                ref(ReferenceNeuron.Kind.IF, null, false), null, null);
    }

    @Test
    void lifVsReference() {
        for (boolean decay : new boolean[] {true, false}) {
            for (Double vr : new Double[] {0.0, null, -0.25}) {
                for (boolean detach : new boolean[] {false, true}) {
                    LifNeuron.Builder b = LifNeuron.builder().tau(3.0).decayInput(decay).detachReset(detach)
                            .threshold(0.9).surrogate(new ATan(2));
                    if (vr == null) {
                        b.softReset();
                    } else {
                        b.hardReset(vr);
                    }
                    ReferenceNeuron r = ref(ReferenceNeuron.Kind.LIF, vr, detach);
                    r.tau = 3.0;
                    r.decayInput = decay;
                    r.thr = 0.9;
                    vsReference("LIF decayInput=" + decay + " vReset=" + vr + " detach=" + detach, b.build(), r,
                            null, null);
                }
            }
        }
    }

    @Test
    void plifVsReferenceIncludingGradOfW() {
        for (boolean decay : new boolean[] {true, false}) {
            for (Double vr : new Double[] {0.0, null}) {
                for (boolean detach : new boolean[] {false, true}) {
                    ParametricLifNeuron.Builder b = ParametricLifNeuron.builder(m).initTau(3.0).decayInput(decay)
                            .detachReset(detach).surrogate(new ATan(2));
                    if (vr == null) {
                        b.softReset();
                    } else {
                        b.hardReset(vr);
                    }
                    ParametricLifNeuron n = b.build();
                    n.to(DataType.FLOAT64);
                    ReferenceNeuron r = ref(ReferenceNeuron.Kind.PLIF, vr, detach);
                    r.w = n.w().value().toDoubleArray()[0];
                    r.decayInput = decay;
                    vsReference("PLIF decayInput=" + decay + " vReset=" + vr + " detach=" + detach, n, r, n.w(),
                            null);
                }
            }
        }
    }

    @Test
    void iirVsReferenceIncludingGradsOfLeakAndThreshold() {
        for (boolean detach : new boolean[] {false, true}) {
            IirNeuron n = new IirNeuron(m, 0.9, 0.8, new PiecewiseLinear(0.3), detach);
            n.to(DataType.FLOAT64);
            ReferenceNeuron r = ref(ReferenceNeuron.Kind.IIR, null, detach);
            r.leak = n.leak().value().toDoubleArray()[0];
            r.theta = n.thresholdParameter().value().toDoubleArray()[0];
            r.strict = true;
            r.gprime = ReferenceNeuron.triangle(0.3);
            vsReference("IIR PiecewiseLinear(0.3) detach=" + detach, n, r, n.leak(), n.thresholdParameter());
        }
        IirNeuron n = new IirNeuron(m, 0.7, 1.3, new ATan(2));
        n.to(DataType.FLOAT64);
        ReferenceNeuron r = ref(ReferenceNeuron.Kind.IIR, null, false);
        r.leak = n.leak().value().toDoubleArray()[0];
        r.theta = n.thresholdParameter().value().toDoubleArray()[0];
        r.strict = true;
        vsReference("IIR ATan(2)", n, r, n.leak(), n.thresholdParameter());
    }

    @Test
    void snnTorchLeakyVsReference() {
        for (SnnTorchLeaky.ResetMechanism mech : SnnTorchLeaky.ResetMechanism.values()) {
            SnnTorchLeaky n = new SnnTorchLeaky(0.8, mech, 1.1, new ATan(2));
            ReferenceNeuron r = ref(mech == SnnTorchLeaky.ResetMechanism.SUBTRACT
                    ? ReferenceNeuron.Kind.SNNTORCH_SUBTRACT : ReferenceNeuron.Kind.SNNTORCH_ZERO, null, true);
            r.beta = 0.8;
            r.thr = 1.1;
            r.strict = true;
            vsReference("snnTorch Leaky " + mech, n, r, null, null);
        }
    }

    private static ReferenceNeuron ref(ReferenceNeuron.Kind kind, Double vr, boolean detach) {
        ReferenceNeuron r = new ReferenceNeuron();
        r.kind = kind;
        r.vReset = vr;
        r.detach = detach;
        r.gprime = ReferenceNeuron.atan(2);
        return r;
    }

    private void vsReference(String what, Neuron n, ReferenceNeuron ref, Parameter pa, Parameter pb) {
        // integrators without leak need a weaker drive to keep a mix of spiking and silent steps
        boolean integrator = ref.kind == ReferenceNeuron.Kind.IF || ref.kind == ReferenceNeuron.Kind.IIR;
        vsReference(what, n, ref, pa, pb, integrator ? 0.5 : 1.2);
    }

    private void vsReference(String what, Neuron n, ReferenceNeuron ref, Parameter pa, Parameter pb, double xMean) {
        n.to(DataType.FLOAT64);
        n.storeVoltages(true);
        long b = 2;
        long c = 3;
        NDArray x = GradCheck.randn(m, 31, xMean, 1.0, T, b, c);
        NDArray r1 = GradCheck.randn(m, 32, 0, 1, T, b, c);
        NDArray r2 = GradCheck.randn(m, 33, 0, 1, T, b, c);
        NDArray r3 = GradCheck.randn(m, 34, 0, 1, T, b, c);
        x.setRequiresGradient(true);
        NDArray s;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            s = n.forward(x);
            NDArray loss = s.mul(r1).sum().add(n.chargeSequence().mul(r2).sum()).add(n.voltageSequence().mul(r3).sum());
            System.gc();
            gc.backward(loss);
        }
        int e = (int) (b * c);
        double[] xs = x.toDoubleArray();
        double[][] cols = {xs, r1.toDoubleArray(), r2.toDoubleArray(), r3.toDoubleArray()};
        double[] sRef = new double[T * e];
        double[] hRef = new double[T * e];
        double[] vRef = new double[T * e];
        double[] gRef = new double[T * e];
        for (int j = 0; j < e; j++) {
            double[][] seq = new double[4][T];
            for (int t = 0; t < T; t++) {
                for (int k = 0; k < 4; k++) {
                    seq[k][t] = cols[k][t * e + j];
                }
            }
            ref.run(seq[0], seq[1], seq[2], seq[3]);
            for (int t = 0; t < T; t++) {
                sRef[t * e + j] = ref.s[t];
                hRef[t * e + j] = ref.h[t];
                vRef[t * e + j] = ref.v[t];
                gRef[t * e + j] = ref.gx[t];
            }
        }
        double count = 0;
        for (double v : sRef) {
            count += v;
        }
        assertTrue(count > 0.1 * sRef.length && count < 0.9 * sRef.length,
                what + ": test input should make a good share of steps spike, got " + count + "/" + sRef.length);
        Ref.assertExact(what + " spikes", m.create(sRef, s.getShape()), s);
        Ref.assertClose(what + " H", hRef, n.chargeSequence().toDoubleArray());
        Ref.assertClose(what + " V", vRef, n.voltageSequence().toDoubleArray());
        try (NDArray g = x.getGradient()) {
            Ref.assertClose(what + " grad x", gRef, g.toDoubleArray());
        }
        if (pa != null) {
            try (NDArray g = pa.value().getGradient()) {
                Ref.assertClose(what + " grad " + pa.name(), ref.gParamA, g.toDoubleArray()[0]);
            }
        }
        if (pb != null) {
            try (NDArray g = pb.value().getGradient()) {
                Ref.assertClose(what + " grad " + pb.name(), ref.gParamB, g.toDoubleArray()[0]);
            }
        }
    }

    // ---------------------------------------------------------------- 2. FD with an infinite threshold

    @Test
    void finiteDifferencesWithoutSpikes() {
        double inf = Double.POSITIVE_INFINITY;
        fdOnTraces("IF non-spiking", IfNeuron.builder().threshold(inf).build(), null);
        fdOnTraces("LIF decayInput non-spiking", LifNeuron.builder().tau(4).threshold(inf).build(), null);
        fdOnTraces("LIF no decayInput non-spiking",
                LifNeuron.builder().tau(4).decayInput(false).threshold(inf).build(), null);
        fdOnTraces("LIF vReset=0.3 non-spiking",
                LifNeuron.builder().tau(4).hardReset(0.3).threshold(inf).build(), null);
        fdOnTraces("LIF soft reset non-spiking", LifNeuron.builder().softReset().threshold(inf).build(), null);
        ParametricLifNeuron p = ParametricLifNeuron.builder(m).initTau(3).threshold(inf).build();
        fdOnTraces("PLIF non-spiking (x, w)", p, p.w());
        ParametricLifNeuron p2 = ParametricLifNeuron.builder(m).initTau(3).decayInput(false).threshold(inf).build();
        fdOnTraces("PLIF no decayInput non-spiking (x, w)", p2, p2.w());
        fdOnTraces("snnTorch subtract non-spiking",
                new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.SUBTRACT, inf, new ATan(2)), null);
        fdOnTraces("snnTorch zero non-spiking",
                new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.ZERO, inf, new ATan(2)), null);
    }

    private void fdOnTraces(String what, Neuron n, Parameter extra) {
        n.to(DataType.FLOAT64);
        n.storeVoltages(true);
        GradCheck gc = new GradCheck(m);
        Var x = gc.input("x", GradCheck.randn(m, 41, 0.2, 1.0, T, 2, 3));
        List<Var> vars = new ArrayList<>(List.of(x));
        if (extra != null) {
            vars.add(gc.param(extra.name(), extra));
        }
        gc.check(what, () -> {
            NDArray s = n.forward(x.value());
            assertEquals(0.0, s.abs().sum().toDoubleArray()[0], 0.0, what + " must not spike");
            return GradCheck.weightedSum(n.voltageSequence(), 42).add(GradCheck.weightedSum(n.chargeSequence(), 43));
        }, vars.toArray(new Var[0]));
    }

    // ---------------------------------------------------------------- 3. FD through spikes, zero surrogate there

    @Test
    void finiteDifferencesThroughSpikesAndResets() {
        PiecewiseQuadratic narrow = new PiecewiseQuadratic(50); // support |z| < 0.02
        for (boolean detach : new boolean[] {false, true}) {
            fdThroughSpikes("IF hard detach=" + detach,
                    mm -> IfNeuron.builder().surrogate(narrow).detachReset(detach).build(), false);
            fdThroughSpikes("LIF hard detach=" + detach,
                    mm -> LifNeuron.builder().tau(2.5).surrogate(narrow).detachReset(detach).build(), false);
            fdThroughSpikes("LIF soft detach=" + detach, mm -> LifNeuron.builder().tau(2.5).softReset()
                    .surrogate(narrow).detachReset(detach).build(), false);
            fdThroughSpikes("LIF no decayInput vReset=-0.2 detach=" + detach, mm -> LifNeuron.builder().tau(2.5)
                    .decayInput(false).hardReset(-0.2).surrogate(narrow).detachReset(detach).build(), false);
            fdThroughSpikes("PLIF detach=" + detach, mm -> ParametricLifNeuron.builder(mm).initTau(2.5)
                    .surrogate(narrow).detachReset(detach).build(), false);
            fdThroughSpikes("IIR detach=" + detach, mm -> new IirNeuron(mm, 0.85, 0.9, narrow, detach), true);
        }
        for (SnnTorchLeaky.ResetMechanism mech : SnnTorchLeaky.ResetMechanism.values()) {
            fdThroughSpikes("snnTorch " + mech, mm -> new SnnTorchLeaky(0.85, mech, 1.0, narrow), false);
        }
    }

    private void fdThroughSpikes(String what, Function<NDManager, Neuron> make, boolean iir) {
        Neuron n = make.apply(m);
        n.to(DataType.FLOAT64);
        n.storeVoltages(true);
        // pick the first seeded input whose membranes all stay >= 0.03 from the threshold
        NDArray x0 = null;
        for (long seed = 100; seed < 200 && x0 == null; seed++) {
            NDArray cand = GradCheck.randn(m, seed, 0.5, 0.8, T, 2, 2);
            double spikes = n.forward(cand).sum().toDoubleArray()[0];
            double thr = iir ? ((IirNeuron) n).thresholdParameter().value().toDoubleArray()[0] : n.threshold();
            double minDist = Double.POSITIVE_INFINITY;
            for (double h : n.chargeSequence().toDoubleArray()) {
                minDist = Math.min(minDist, Math.abs(iir ? h / thr - 1 : h - thr));
            }
            if (minDist >= 0.03 && spikes >= 5) {
                x0 = cand;
            }
        }
        assertTrue(x0 != null, what + ": no suitable input found");
        GradCheck gc = new GradCheck(m);
        Var x = gc.input("x", x0);
        List<Var> vars = new ArrayList<>(List.of(x));
        n.trainableParameters().forEach((k, p) -> vars.add(gc.param(k, p)));
        gc.check(what + " (FD through spikes)", () -> {
            NDArray s = n.forward(x.value());
            return GradCheck.weightedSum(s, 51).add(GradCheck.weightedSum(n.voltageSequence(), 52))
                    .add(GradCheck.weightedSum(n.chargeSequence(), 53));
        }, vars.toArray(new Var[0]));
    }
}
