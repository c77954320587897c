package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Embedding;
import dev.snn4j.layer.LayerNorm;
import dev.snn4j.layer.Linear;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.ATan;
import dev.snn4j.surrogate.Surrogate;
import dev.snn4j.train.Losses;
import dev.snn4j.train.StateDict;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SpikeGPT (Zhu et al. 2023; ridgerchu/SpikeGPT {@code src/model.py} {@code GPT}), an RWKV-4 language model with
 * spiking blocks, and its non-spiking twin ({@link SpikeGptConfig#nonSpiking()}).
 *
 * <pre>
 *   x = H(emb[idx])                      binary embedding: Heaviside x &gt;= 0 forward, ATan(2) surrogate backward
 *   x = blocks.0 ... blocks.{n-1} (x)    see {@link Block}
 *   logits = head(ln_out(x))
 * </pre>
 *
 * <p><b>Layout.</b> Time-major like the rest of snn4j: tokens {@code [T, B]} (integer dtype) give logits
 * {@code [T, B, V]}; every internal tensor is {@code [T, B, d]}, so the LIF neurons run along the token axis without a
 * transpose (SpikeGPT permutes its {@code [B, T, d]} for the same effect). Use {@code idx.transpose()} for
 * batch-major token arrays.
 *
 * <p><b>Two modes, one function.</b> {@link #forward} evaluates a whole window in parallel (training; WKV in chunks, see
 * {@link Wkv}; the LIF is the only per-token loop). {@link #step} consumes one token per call for generation, with
 * O(1) work and a {@link State} of, per block, the WKV sums {@code (num, den, max)}, the two LIF membranes and the two
 * token-shift inputs. Both give the same logits (to rounding) on the same sequence. Note that SpikeGPT's own
 * {@code model_run.py} applies the binary embedding only when {@code vocab_size == 77}; here both modes always match
 * the training model.
 *
 * <p><b>Weights.</b> Parameter names and shapes are exactly those of SpikeGPT's {@code named_parameters()} with
 * {@code RWKV_HEAD_QK_DIM = 0}: {@code emb.weight [V, d]}, {@code blocks.N.ln1/ln2.weight|bias [d]},
 * {@code blocks.0.ln0.weight|bias}, {@code blocks.N.att.time_decay|time_first [d]},
 * {@code blocks.N.att.time_mix_k|v|r [1, 1, d]}, {@code blocks.N.att.key|value|receptance|output.weight [d, d]},
 * {@code blocks.N.ffn.time_mix_k|r [1, 1, d]}, {@code blocks.N.ffn.key.weight [4d, d]},
 * {@code blocks.N.ffn.receptance.weight [d, d]}, {@code blocks.N.ffn.value.weight [d, 4d]},
 * {@code ln_out.weight|bias [d]}, {@code head.weight [V, d]} (PyTorch {@code [out, in]} layout). A public {@code .pth}
 * checkpoint converted to safetensors with those names (e.g. {@code safetensors.torch.save_file(torch.load(p), f)})
 * loads with {@link #load}; float16/bfloat16 tensors become float32. A checkpoint made with
 * {@code RWKV_HEAD_QK_DIM > 0} has extra {@code head_q/head_k/copy_mask} tensors and is rejected.
 *
 * <pre>{@code
 * try (NDManager m = NDManager.newBaseManager()) {
 *     SpikeGpt gpt = new SpikeGpt(m, SpikeGptConfig.of(256, 128, 4));
 *     NDArray logits = gpt.forward(tokens);                        // tokens [T, B] int -> [T, B, 256]
 *     NDArray loss = SpikeGpt.loss(logits, targets);               // cross entropy (+ L2Wrap gradient)
 *     SpikeGpt.State s = gpt.newState(m);
 *     NDArray next = gpt.step(m.create(new long[] {42}), s);       // [1] -> [1, 256]
 * }
 * }</pre>
 */
public class SpikeGpt extends Module {
    private final SpikeGptConfig config;
    private final Embedding emb;
    private final List<Block> blocks = new ArrayList<>();
    private final LayerNorm lnOut;
    private final Linear head;
    private final Surrogate embSpike = new ATan(2.0);

    /** Builds a model with fresh weights (see {@link Module} and {@link dev.snn4j.nn.Init#seed}). */
    public SpikeGpt(NDManager manager, SpikeGptConfig config) {
        this.config = config;
        emb = addChild("emb", new Embedding(manager, config.vocabSize(), config.nEmbd()));
        Blocks container = addChild("blocks", new Blocks());
        for (int i = 0; i < config.nLayer(); i++) {
            blocks.add(container.add(String.valueOf(i), new Block(manager, config, i)));
        }
        lnOut = addChild("ln_out", new LayerNorm(manager, config.nEmbd(), Block.LN_EPS));
        head = addChild("head", new Linear(manager, config.nEmbd(), config.vocabSize(), false));
    }

    /** Holds the blocks under {@code blocks.N}; applies them in order. */
    private static final class Blocks extends Module {
        private final List<Block> list = new ArrayList<>();

        Block add(String name, Block b) {
            list.add(addChild(name, b));
            return b;
        }

        @Override
        public NDArray forward(NDArray x) {
            NDArray h = x;
            for (Block b : list) {
                h = b.forward(h);
            }
            return h;
        }
    }

    public SpikeGptConfig config() {
        return config;
    }

    /** The blocks, in order. */
    public List<Block> blocks() {
        return List.copyOf(blocks);
    }

    /** The (binary, for the spiking model) embedding of tokens {@code [T, B]}: {@code [T, B, d]}. */
    public NDArray embed(NDArray tokens) {
        NDArray x = emb.forward(tokens);
        return config.spiking() ? embSpike.spike(x) : x;
    }

    /** Tokens {@code [T, B]} (any integer dtype) -> logits {@code [T, B, V]}, the whole window in parallel. */
    @Override
    public NDArray forward(NDArray tokens) {
        Tensors.requireRank(tokens, 2, describe(), "[T, B] (token ids)");
        NDArray x = embed(tokens);
        for (Block b : blocks) {
            x = b.forward(x);
        }
        return head.forward(lnOut.forward(x));
    }

    /** Keep LIF inputs/spikes and WKV internals of the next forward calls (see {@link Block#recorded()}). */
    public SpikeGpt record(boolean on) {
        blocks.forEach(b -> b.record(on));
        return this;
    }

    /**
     * SpikeGPT's training loss: mean cross entropy of {@code logits [T, B, V]} against {@code targets [T, B]}, whose
     * value is returned unchanged, plus the gradient of L2Wrap: {@code 1e-4 / (B T) * max_logit} added at each
     * position's arg-max logit (it pulls the largest logits towards 0). The extra term is
     * {@code g . logits - stopGradient(g . logits)} with {@code g} that constant gradient: exactly zero in value.
     */
    public static NDArray loss(NDArray logits, NDArray targets) {
        Shape s = logits.getShape();
        if (s.dimension() != 3 || !targets.getShape().equals(s.slice(0, 2))) {
            throw new IllegalArgumentException("SpikeGpt.loss: expected logits [T, B, V] and targets [T, B] but got "
                    + s + " and " + targets.getShape());
        }
        int v = (int) s.get(2);
        NDArray flat = logits.reshape(-1, v);
        NDArray ce = Losses.crossEntropy(flat, targets.reshape(-1));
        double factor = 1e-4 / (s.get(0) * s.get(1));
        NDArray mask = flat.stopGradient().argMax(1).oneHot(v, flat.getDataType());
        NDArray g = Tensors.mul(flat.stopGradient().mul(mask), factor);
        NDArray extra = flat.mul(g).sum();
        return ce.add(extra.sub(extra.stopGradient()));
    }

    /**
     * Generation state: per block the WKV sums, the LIF membranes and the previous token's normalised inputs of the
     * two mixes, all {@code [1, B, d]}, kept in a manager of their own. Close it when done.
     *
     * <pre>{@code
     * try (SpikeGpt.State s = gpt.newState(manager)) {
     *     NDArray logits = null;
     *     for (long id : prompt) logits = gpt.step(manager.create(new long[] {id}), s);   // [1, V]
     * }
     * }</pre>
     */
    public final class State implements AutoCloseable {
        private final NDManager manager;
        private final List<Block.StepState> layers = new ArrayList<>();
        private long position;

        private State(NDManager parent) {
            this.manager = parent.newSubManager();
            for (int i = 0; i < config.nLayer(); i++) {
                layers.add(new Block.StepState());
            }
        }

        /** Tokens consumed so far. */
        public long position() {
            return position;
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /** A fresh generation state (no tokens seen) whose arrays live in a sub-manager of {@code parent}. */
    public State newState(NDManager parent) {
        return new State(parent);
    }

    /**
     * Feeds one token per sequence, {@code tokens [B]}, and returns the logits for the next token {@code [B, V]}
     * (in {@code tokens}' manager). O(1) work per token; intermediate arrays are freed before returning. Meant for
     * inference: no dropout is applied, whatever the training flag.
     */
    public NDArray step(NDArray tokens, State state) {
        Tensors.requireRank(tokens, 1, describe(), "[B] (one token id per sequence)");
        if (state.position > 0 && !state.layers.isEmpty() && state.layers.get(0).attPrev != null
                && state.layers.get(0).attPrev.getShape().get(1) != tokens.getShape().get(0)) {
            throw new IllegalArgumentException(describe() + ": the state holds " + state.layers.get(0).attPrev
                    .getShape().get(1) + " sequences but got " + tokens.getShape().get(0) + " tokens");
        }
        List<NDArray> old = new ArrayList<>();
        NDArray logits;
        try (NDScope scope = new NDScope()) {
            NDArray x = embed(tokens.expandDims(0));                  // [1, B, d]
            for (int i = 0; i < blocks.size(); i++) {
                Block.StepState s = state.layers.get(i);
                collect(old, s);
                x = blocks.get(i).step(x, s, config.spiking());
                keep(state.manager, s);
            }
            logits = head.forward(lnOut.forward(x)).squeeze(0);
            NDScope.unregister(logits);
        }
        for (NDArray a : old) {
            if (a != null && !a.isReleased()) {
                a.close();
            }
        }
        state.position++;
        return logits;
    }

    private static void collect(List<NDArray> out, Block.StepState s) {
        out.add(s.attPrev);
        out.add(s.ffnPrev);
        out.add(s.lif1.voltage());
        out.add(s.lif2.voltage());
        if (s.wkv != null) {
            out.addAll(List.of(s.wkv.arrays()));
        }
    }

    private static void keep(NDManager m, Block.StepState s) {
        List<NDArray> now = new ArrayList<>();
        collect(now, s);
        for (NDArray a : now) {
            if (a != null) {
                NDScope.unregister(a);
                a.attach(m);
            }
        }
    }

    /** Writes the weights as safetensors under SpikeGPT's parameter names (see the class comment). */
    public void save(Path file) throws IOException {
        StateDict.save(file, this);
    }

    /**
     * Loads weights saved by {@link #save} or converted from a SpikeGPT checkpoint. Names and shapes must match this
     * model's configuration exactly; otherwise nothing is changed and the error names every missing, unexpected and
     * mismatched tensor, with the configuration.
     */
    public void load(Path file) throws IOException {
        try {
            StateDict.load(file, this);
        } catch (dev.snn4j.train.CheckpointFormatException e) {
            throw new dev.snn4j.train.CheckpointFormatException("SpikeGPT checkpoint does not fit " + config + " (vocab "
                    + config.vocabSize() + ", d " + config.nEmbd() + ", " + config.nLayer() + " layers): "
                    + e.getMessage(), e);
        }
    }

    /** The dtype of the weights. */
    public DataType dataType() {
        return emb.weight().value().getDataType();
    }
}
