package dev.snn4j.neuron;

import java.util.function.DoubleUnaryOperator;

/**
 * A plain-Java float64 reference for one neuron element: the forward recurrence written out, and its backward pass
 * written by hand with the surrogate chain rule (BPTT), independent of DJL. Used to check autograd through the
 * library's neurons.
 *
 * <p>Loss: {@code L = sum_t r1[t] S[t] + r2[t] H[t] + r3[t] V[t]}, H = membrane after charging, V = after reset.
 */
final class ReferenceNeuron {
    enum Kind { IF, LIF, PLIF, IIR, SNNTORCH_SUBTRACT, SNNTORCH_ZERO }

    Kind kind;
    double tau = 2;           // LIF
    double w;                 // PLIF: k = sigmoid(w)
    boolean decayInput = true;
    Double vReset = 0.0;      // null = soft
    double thr = 1;           // SJ threshold / snnTorch threshold
    boolean detach;
    double leak = 1;          // IIR lambda
    double theta = 1;         // IIR threshold
    double beta = 0.9;        // snnTorch
    boolean strict;
    DoubleUnaryOperator gprime;

    // outputs
    double[] s;
    double[] h;
    double[] v;
    double[] gx;
    double gParamA;          // PLIF: dL/dw; IIR: dL/dleak
    double gParamB;          // IIR: dL/dtheta

    /** Runs forward and backward for one element over time; the gradients of parameters accumulate. */
    void run(double[] x, double[] r1, double[] r2, double[] r3) {
        int n = x.length;
        s = new double[n];
        h = new double[n];
        v = new double[n];
        double[] z = new double[n];
        double[] vPrev = new double[n];
        double[] rst = new double[n];
        double vr = vReset == null ? 0.0 : vReset;
        double k = 1 / (1 + Math.exp(-w));
        double prev = (kind == Kind.LIF || kind == Kind.PLIF || kind == Kind.IF) && vReset != null ? vReset : 0.0;
        for (int t = 0; t < n; t++) {
            vPrev[t] = prev;
            double hh;
            switch (kind) {
                case IF -> hh = prev + x[t];
                case LIF -> hh = decayInput ? prev + (x[t] - (prev - vr)) / tau : prev - (prev - vr) / tau + x[t];
                case PLIF -> hh = decayInput ? prev + (x[t] - (prev - vr)) * k : prev - (prev - vr) * k + x[t];
                case IIR -> hh = x[t] + leak * prev;
                case SNNTORCH_SUBTRACT -> {
                    rst[t] = prev - thr > 0 ? 1 : 0;
                    hh = beta * prev + x[t] - rst[t] * thr;
                }
                case SNNTORCH_ZERO -> {
                    rst[t] = prev - thr > 0 ? 1 : 0;
                    hh = beta * ((1 - rst[t]) * prev) + x[t];
                }
                default -> throw new IllegalStateException();
            }
            h[t] = hh;
            z[t] = kind == Kind.IIR ? hh / theta - 1 : hh - thr;
            s[t] = (strict ? z[t] > 0 : z[t] >= 0) ? 1 : 0;
            double vv;
            if (kind == Kind.IIR) {
                vv = hh - s[t] * theta;
            } else if (kind == Kind.SNNTORCH_SUBTRACT || kind == Kind.SNNTORCH_ZERO) {
                vv = hh;
            } else if (vReset == null) {
                vv = hh - s[t] * thr;
            } else {
                vv = (1 - s[t]) * hh + s[t] * vr;
            }
            v[t] = vv;
            prev = vv;
        }
        gx = new double[n];
        double gVnext = 0;
        for (int t = n - 1; t >= 0; t--) {
            double gV = r3[t] + gVnext;
            double dVdH;
            double dVdS;
            switch (kind) {
                case IIR -> {
                    dVdH = 1;
                    dVdS = -theta;
                    gParamB += gV * -s[t];
                }
                case SNNTORCH_SUBTRACT, SNNTORCH_ZERO -> {
                    dVdH = 1;
                    dVdS = 0;
                }
                default -> {
                    if (vReset == null) {
                        dVdH = 1;
                        dVdS = -thr;
                    } else {
                        dVdH = 1 - s[t];
                        dVdS = vr - h[t];
                    }
                }
            }
            if (detach) {
                dVdS = 0;
            }
            double gS = r1[t] + gV * dVdS;
            double dzdH = kind == Kind.IIR ? 1 / theta : 1;
            double sg = gprime.applyAsDouble(z[t]);
            double gH = r2[t] + gV * dVdH + gS * sg * dzdH;
            if (kind == Kind.IIR) {
                gParamB += gS * sg * (-h[t] / (theta * theta));
            }
            double dHdX;
            double dHdV;
            switch (kind) {
                case IF -> {
                    dHdX = 1;
                    dHdV = 1;
                }
                case LIF -> {
                    dHdX = decayInput ? 1 / tau : 1;
                    dHdV = 1 - 1 / tau;
                }
                case PLIF -> {
                    dHdX = decayInput ? k : 1;
                    dHdV = 1 - k;
                    double dHdk = decayInput ? x[t] - (vPrev[t] - vr) : -(vPrev[t] - vr);
                    gParamA += gH * dHdk * k * (1 - k);
                }
                case IIR -> {
                    dHdX = 1;
                    dHdV = leak;
                    gParamA += gH * vPrev[t];
                }
                case SNNTORCH_SUBTRACT -> {
                    dHdX = 1;
                    dHdV = beta;
                }
                case SNNTORCH_ZERO -> {
                    dHdX = 1;
                    dHdV = beta * (1 - rst[t]);
                }
                default -> throw new IllegalStateException();
            }
            gx[t] = gH * dHdX;
            gVnext = gH * dHdV;
        }
    }

    /** SpikingJelly / snnTorch ATan surrogate derivative, written independently of the library. */
    static DoubleUnaryOperator atan(double alpha) {
        return z -> {
            double a = Math.PI / 2 * alpha * z;
            return alpha / 2 / (1 + a * a);
        };
    }

    /** IIR-SNN triangle: gamma * max(0, 1 - |z|). */
    static DoubleUnaryOperator triangle(double gamma) {
        return z -> gamma * Math.max(0, 1 - Math.abs(z));
    }
}
