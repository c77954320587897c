package dev.snn4j.recipe;

import dev.snn4j.runtime.io.Safetensors;
import dev.snn4j.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code kill -9} at random moments: a child JVM runs a small real IIR-SNN training ({@link KillResumeChild}, same
 * classpath, JVM options and environment as this test) and is killed with {@link Process#destroyForcibly()}
 * (SIGKILL) at seeded random moments, at least ten times: a few batches into an epoch, or a few milliseconds after an
 * epoch ends, while its checkpoint is being written. After every kill each checkpoint on disk must load (sidecar,
 * weights, optimizer state) and {@code latest} must name a complete one; temporaries of the interrupted save may
 * remain but are never taken. Then the run is resumed to the end, and every stage's final weights and optimizer
 * state must equal, bit for bit, those of an uninterrupted run of the same configuration: same data order
 * (seeded per epoch), same augmentation and dropout draws (seeded per stage and epoch), optimizer moments and step
 * counts restored exactly, and the same PyTorch thread count in both processes, so no tolerance is needed.
 */
class KillResumeTest {
    private static final List<String> STAGES = List.of("ann", "snn-T2", "snn-T1");

    @TempDir
    Path tmp;

    private static Process start(Path out, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // surefire's argLine: --add-modules, -Dai.djl.offline=true, thread counts ...; a smaller heap is enough
            if (a.startsWith("-D") || a.startsWith("--add-modules")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx1g");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KillResumeChild.class.getName());
        cmd.add(out.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // the malloc settings of the surefire config (inherited when the tests run under Maven; set for IDE runs)
        Map<String, String> env = pb.environment();
        env.putIfAbsent("MALLOC_MMAP_THRESHOLD_", "4294967296");
        env.putIfAbsent("MALLOC_TRIM_THRESHOLD_", "4294967296");
        env.putIfAbsent("MALLOC_TOP_PAD_", "536870912");
        env.putIfAbsent("OMP_NUM_THREADS", "2");
        return pb.start();
    }

    /** Lines of the child's stdout; {@code "<eof>"} when it closes. */
    private static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    q.add(line);
                }
            } catch (IOException e) {
                // the process was killed
            }
            q.add("<eof>");
        }, "child-stdout");
        t.setDaemon(true);
        t.start();
        return q;
    }

    /** Every checkpoint directory on disk loads, and {@code latest} / loadLatest name complete ones. */
    private static int checkCheckpoints(Path run) throws IOException {
        int temporaries = 0;
        for (String stage : STAGES) {
            Path root = run.resolve(stage);
            if (!Files.isDirectory(root)) {
                continue;
            }
            List<Path> steps = new ArrayList<>();
            try (Stream<Path> s = Files.list(root)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String n = p.getFileName().toString();
                    if (n.matches("step-\\d+")) {
                        steps.add(p);
                    } else if (n.startsWith(".")) {
                        temporaries++;
                    } else if (!n.equals(Checkpoint.LATEST)) {
                        fail("unexpected entry " + p);
                    }
                }
            }
            for (Path dir : steps) {
                Checkpoint c = Checkpoint.open(dir); // throws if incomplete or corrupt
                Safetensors.read(dir.resolve(Checkpoint.MODEL_FILE));
                Safetensors.read(dir.resolve(Checkpoint.OPTIMIZER_FILE));
                assertTrue(c.state().step() > 0, dir.toString());
            }
            Path latest = root.resolve(Checkpoint.LATEST);
            if (Files.exists(latest)) {
                String name = Files.readString(latest).trim();
                assertTrue(steps.contains(root.resolve(name)), "latest names " + name + ", on disk " + steps);
            }
            Optional<Checkpoint> c = Checkpoint.loadLatest(root);
            assertEquals(!steps.isEmpty(), c.isPresent(), root.toString());
            c.ifPresent(ck -> assertTrue(ck.dir().getFileName().toString().matches("step-\\d+"), "took " + ck.dir()));
        }
        return temporaries;
    }

    @Test
    void killedTenTimesEveryCheckpointLoadsAndTheResumedRunEqualsAnUninterruptedOne() throws Exception {
        Path reference = tmp.resolve("reference");
        IirSnn.run(KillResumeChild.config(), KillResumeChild.train(), KillResumeChild.test(), reference,
                IirSnn.Listener.NONE);

        Path run = tmp.resolve("killed");
        Path log = tmp.resolve("child-stderr.log");
        Random r = new Random(2026);
        int kills = 0;
        int duringSave = 0;
        int temporaries = 0;
        boolean finished = false;
        while (kills < 10 && !finished) {
            Process p = start(run, log);
            BlockingQueue<String> out = lines(p);
            boolean afterEpoch = r.nextBoolean();
            int batches = 1 + r.nextInt(5); // at most one epoch (4 batches) completes before the kill
            long delayMs = afterEpoch ? r.nextInt(15) : r.nextInt(100);
            int seen = 0;
            while (true) {
                String line = out.poll(120, TimeUnit.SECONDS);
                if (line == null) {
                    p.destroyForcibly();
                    fail("child silent for 120 s; stderr in " + log + ":\n" + Files.readString(log));
                }
                if (line.equals("done") || line.equals("<eof>")) {
                    finished = line.equals("done");
                    assertTrue(finished, "child died unexpectedly; stderr:\n" + Files.readString(log));
                    break;
                }
                boolean trigger = afterEpoch ? line.startsWith("epoch ") : line.startsWith("batch ") && ++seen >= batches;
                if (trigger) {
                    Thread.sleep(delayMs);
                    p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
                    kills++;
                    duringSave += afterEpoch ? 1 : 0;
                    break;
                }
            }
            p.waitFor(60, TimeUnit.SECONDS);
            temporaries = Math.max(temporaries, checkCheckpoints(run));
        }
        assertTrue(kills >= 10, "only " + kills + " kills before the run finished");
        if (!finished) {
            Process p = start(run, log);
            BlockingQueue<String> out = lines(p);
            for (String line; !(line = out.poll(180, TimeUnit.SECONDS)).equals("done"); ) {
                assertTrue(!line.equals("<eof>"), "resumed child died; stderr:\n" + Files.readString(log));
            }
            assertEquals(0, p.waitFor());
        }
        checkCheckpoints(run);
        System.out.printf("[kill -9] %d kills (%d right after an epoch ended), at most %d leftover temporaries;"
                + " resumed run equals the uninterrupted one%n", kills, duringSave, temporaries);

        for (String stage : STAGES) {
            Checkpoint a = Checkpoint.loadLatest(reference.resolve(stage)).orElseThrow();
            Checkpoint b = Checkpoint.loadLatest(run.resolve(stage)).orElseThrow();
            assertEquals(a.state().step(), b.state().step(), stage + " step");
            assertEquals(a.state().epoch(), b.state().epoch(), stage + " epoch");
            for (String file : new String[] {Checkpoint.MODEL_FILE, Checkpoint.OPTIMIZER_FILE}) {
                Safetensors.Contents x = Safetensors.read(a.dir().resolve(file));
                Safetensors.Contents y = Safetensors.read(b.dir().resolve(file));
                assertEquals(x.tensors().keySet(), y.tensors().keySet(), stage + "/" + file);
                for (String k : x.tensors().keySet()) {
                    assertArrayEquals(x.tensor(k).toDoubleArray(), y.tensor(k).toDoubleArray(),
                            stage + "/" + file + " " + k);
                }
            }
        }
    }
}
