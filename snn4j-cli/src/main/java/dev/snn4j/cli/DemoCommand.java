package dev.snn4j.cli;

import picocli.CommandLine.Command;

/** Placeholder, replaced below. */
@Command(name = "demo", description = "demo")
public final class DemoCommand implements Runnable {
    @Override
    public void run() {
    }
}
