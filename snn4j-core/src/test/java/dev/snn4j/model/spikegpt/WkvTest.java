package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.GradCheck;
import dev.snn4j.GradCheck.Var;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WKV operator: parallel (chunked) vs the textbook sum vs the recurrence; extreme values; gradients. */
class WkvTest {
    private NDManager m;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    /** The formula as written, in plain doubles (fine for moderate values). */
    private static double[] textbook(double[] w, double[] u, double[] k, double[] v, int t, int b, int c) {
        double[] y = new double[t * b * c];
        for (int bi = 0; bi < b; bi++) {
            for (int ci = 0; ci < c; ci++) {
                for (int ti = 0; ti < t; ti++) {
                    double num = 0;
                    double den = 0;
                    for (int i = 0; i < ti; i++) {
                        int p = (i * b + bi) * c + ci;
                        double e = Math.exp(-(ti - 1 - i) * w[ci] + k[p]);
                        num += e * v[p];
                        den += e;
                    }
                    int p = (ti * b + bi) * c + ci;
                    double e = Math.exp(u[ci] + k[p]);
                    y[p] = (num + e * v[p]) / (den + e);
                }
            }
        }
        return y;
    }

    private static double maxRel(double[] e, double[] a) {
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(e[i] - a[i]) / Math.max(Math.abs(e[i]), 1e-12));
        }
        return worst;
    }

    private NDArray stepAll(NDArray w, NDArray u, NDArray k, NDArray v) {
        List<NDArray> ys = new ArrayList<>();
        Wkv.State s = null;
        for (int i = 0; i < k.getShape().get(0); i++) {
            NDIndex at = new NDIndex(i + ":" + (i + 1));
            Wkv.Result r = Wkv.step(w, u, k.get(at), v.get(at), s);
            ys.add(r.y());
            s = r.state();
        }
        return NDArrays.concat(new NDList(ys), 0);
    }

    @Test
    void parallelEqualsTextbookAndRecurrenceForEveryChunkLength() {
        int t = 9;
        int b = 2;
        int c = 4;
        NDArray td = GradCheck.randn(m, 1, 0, 1.5, c);
        NDArray w = td.exp();
        NDArray u = GradCheck.randn(m, 2, 0, 1, c);
        NDArray k = GradCheck.randn(m, 3, 0, 2, t, b, c);
        NDArray v = GradCheck.randn(m, 4, 0, 1, t, b, c);
        double[] ref = textbook(w.toDoubleArray(), u.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), t, b, c);
        for (int chunk : new int[] {1, 2, 4, 8, 9, 64}) {
            NDArray y = Wkv.parallel(w, u, k, v, null, chunk, false).y();
            assertEquals(k.getShape(), y.getShape());
            double err = maxRel(ref, y.toDoubleArray());
            assertTrue(err < 1e-12, "chunk " + chunk + ": max rel err " + err);
        }
        double err = maxRel(ref, stepAll(w, u, k, v).toDoubleArray());
        assertTrue(err < 1e-12, "recurrence: max rel err " + err);
    }

    @Test
    void stateCarriesAcrossCalls() {
        NDArray w = GradCheck.randn(m, 5, 0, 1, 3).exp();
        NDArray u = GradCheck.randn(m, 6, 0, 1, 3);
        NDArray k = GradCheck.randn(m, 7, 0, 2, 10, 2, 3);
        NDArray v = GradCheck.randn(m, 8, 0, 1, 10, 2, 3);
        NDArray full = Wkv.parallel(w, u, k, v, null, 4, false).y();
        Wkv.Result first = Wkv.parallel(w, u, k.get("0:6"), v.get("0:6"), null, 4, true);
        Wkv.Result second = Wkv.parallel(w, u, k.get("6:"), v.get("6:"), first.state(), 3, true);
        NDArray joined = first.y().concat(second.y(), 0);
        assertTrue(maxRel(full.toDoubleArray(), joined.toDoubleArray()) < 1e-12);
        // the parallel state equals the recurrence's after the same tokens
        Wkv.State s = null;
        for (int i = 0; i < 10; i++) {
            NDIndex at = new NDIndex(i + ":" + (i + 1));
            s = Wkv.step(w, u, k.get(at), v.get(at), s).state();
        }
        NDArray ratioPar = second.state().num().div(second.state().den());
        NDArray ratioRec = s.num().div(s.den()).squeeze(0);
        assertTrue(maxRel(ratioRec.toDoubleArray(), ratioPar.toDoubleArray()) < 1e-12);
    }

    @Test
    void extremeDecayAndKeysStayFiniteInFloat32() {
        // w up to e^8 ~ 2981 and |k| up to 100: the naive sums overflow float32 (e^88) and even e^{(t-1-i) w} would;
        // the stabilised forms stay finite and agree with a float64 evaluation.
        int t = 12;
        double[] tdv = {8, -8, 2, 0};
        double[] kv = new double[t * 4];
        for (int i = 0; i < kv.length; i++) {
            kv[i] = ((i * 37) % 11 - 5) * 20.0;  // -100 .. 100
        }
        NDArray td = m.create(tdv);
        NDArray w = td.exp();
        NDArray u = m.create(new double[] {3, -3, 0, 1});
        NDArray k = m.create(kv).reshape(t, 1, 4);
        NDArray v = GradCheck.randn(m, 9, 0, 1, t, 1, 4);
        NDArray y64 = Wkv.parallel(w, u, k, v, null, 5, false).y();
        NDArray r64 = stepAll(w, u, k, v);
        assertTrue(maxRel(y64.toDoubleArray(), r64.toDoubleArray()) < 1e-12);
        NDArray y32 = Wkv.parallel(w.toType(DataType.FLOAT32, false), u.toType(DataType.FLOAT32, false),
                k.toType(DataType.FLOAT32, false), v.toType(DataType.FLOAT32, false), null, 5, false).y();
        double[] a = y32.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] e = y64.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            assertTrue(Double.isFinite(a[i]));
            assertEquals(e[i], a[i], 1e-5 * (1 + Math.abs(e[i])), "element " + i);
        }
    }

    @Test
    void parallelGradientsMatchFiniteDifferences() {
        GradCheck gc = new GradCheck(m);
        Var td = gc.input("time_decay", GradCheck.randn(m, 10, 0, 1, 3));
        Var u = gc.input("time_first", GradCheck.randn(m, 11, 0, 1, 3));
        Var k = gc.input("k", GradCheck.randn(m, 12, 0, 1.5, 7, 2, 3));
        Var v = gc.input("v", GradCheck.randn(m, 13, 0, 1, 7, 2, 3));
        for (int chunk : new int[] {3, 7}) {
            gc.check("Wkv.parallel chunk " + chunk, () -> GradCheck.weightedSum(Wkv.parallel(
                    td.value().exp(), u.value(), k.value(), v.value(), null, chunk, false).y(), 5), td, u, k, v);
        }
    }
}
