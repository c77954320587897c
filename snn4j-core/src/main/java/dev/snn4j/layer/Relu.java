package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Module;

/** Rectified linear unit, element-wise: the activation of the ANN twins that IIR-SNN converts from. */
public class Relu extends Module {
    @Override
    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().relu();
    }
}
