package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Tensors;

/**
 * Rate readout: the mean over time of the last layer's spikes, {@code [T, B, C] -> [B, C]}; feed it to a
 * cross-entropy loss as logits (SpikingJelly's and snnTorch's usual classifier head).
 */
public class MeanOverTime extends Module {
    @Override
    public NDArray forward(NDArray x) {
        Tensors.requireSequence(x, 2, describe());
        return x.mean(new int[] {0});
    }
}
