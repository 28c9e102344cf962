package org.resnext4j.examples;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: DL4J training-step and inference throughput, contenders interleaved round by round (A B A B).
 * With {@code --serve} it reads requests {@code <contender> <train|infer> <batch> <size> <warmup> <iters>} from
 * standard input and answers one JSON line each, so that {@code tools/bench_side_by_side.py} can interleave DL4J and
 * PyTorch in one run. With {@code --profile} it prints where inference time goes, per kind of layer; with
 * {@code --onednn-verbose} oneDNN logs every primitive it runs with its time ({@code tools/onednn_profile.py} sums them).
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "Training-step and inference images/s of DL4J contenders, interleaved round by round, with peak "
                + "RSS (see docs/performance.md).")
final class BenchCommand implements Callable<Integer> {

    @Option(
            names = "--contenders",
            paramLabel = "LIST",
            defaultValue = "resnext50_fused,resnext50_split,resnet50," + "zoo_resnet50",
            description = "comma-separated (default ${DEFAULT-VALUE})")
    String contenders;

    @Option(
            names = "--configs",
            paramLabel = "LIST",
            defaultValue = "8x224,32x64",
            description = "batch x size, comma-separated (default ${DEFAULT-VALUE})")
    String configs;

    @Option(
            names = "--modes",
            paramLabel = "LIST",
            defaultValue = "train,infer",
            description = "(default ${DEFAULT-VALUE})")
    String modes;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "2", description = "(default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "(default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--iters", paramLabel = "N", defaultValue = "3", description = "(default ${DEFAULT-VALUE})")
    int iters;

    @Option(names = "--profile", description = "inference time per kind of layer")
    boolean profile;

    @Option(
            names = "--onednn-verbose",
            description = "log every oneDNN primitive with its time " + "(for tools/onednn_profile.py)")
    boolean onednnVerbose;

    @Option(names = "--serve", description = "answer requests on standard input (tools/bench_side_by_side.py)")
    boolean serve;

    @Override
    public Integer call() throws Exception {
        TrainCommand.atLeast("--rounds", rounds, 1);
        TrainCommand.atLeast("--warmup", warmup, 0);
        TrainCommand.atLeast("--iters", iters, 1);
        if (onednnVerbose) {
            // one line per oneDNN primitive execution with its time, for tools/onednn_profile.py
            org.bytedeco.dnnl.global.dnnl.dnnl_set_verbose(2);
        }
        Bench bench = new Bench();
        if (profile) {
            for (int[] cfg : Bench.configs(configs)) {
                for (String c : contenders.split(",")) {
                    BenchContender contender = BenchContender.parse(c.trim());
                    if (contender.supports(cfg[1])) {
                        System.out.println(BenchProfile.table(
                                contender.label + ", inference, batch " + cfg[0] + " @ " + cfg[1] + "x" + cfg[1]
                                        + ", per forward pass",
                                BenchProfile.inference(contender.build(cfg[1], 42), cfg[0], cfg[1], iters)));
                    }
                }
            }
            return 0;
        }
        if (serve) {
            serve(bench);
            return 0;
        }
        List<BenchContender> cs = new ArrayList<>();
        for (String c : contenders.split(",")) {
            cs.add(BenchContender.parse(c.trim()));
        }
        System.out.println("oneDNN instruction set: " + org.resnext4j.zoo.InferenceModel.cpuIsa());
        List<Bench.Result> results = new ArrayList<>();
        for (int[] cfg : Bench.configs(configs)) {
            for (String mode : modes.split(",")) {
                for (int r = 0; r < rounds; r++) {
                    for (BenchContender c : cs) {
                        Bench.Result res = bench.run(c, mode.trim(), cfg[0], cfg[1], warmup, iters);
                        System.out.println(res.json());
                        results.add(res);
                    }
                }
            }
        }
        System.out.println();
        System.out.println(String.format(
                Locale.ROOT,
                "%-32s %-6s %-9s %12s %10s",
                "contender",
                "mode",
                "batch@size",
                "median img/s",
                "peak MB"));
        for (Bench.Result r : results) {
            System.out.println(String.format(
                    Locale.ROOT,
                    "%-32s %-6s %-9s %12.2f %10d",
                    r.contender(),
                    r.mode(),
                    r.batch() + "@" + r.size(),
                    r.median(),
                    r.peakRssMb()));
        }
        return 0;
    }

    private static void serve(Bench bench) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("{\"ready\":true,\"onednn_isa\":\"" + org.resnext4j.zoo.InferenceModel.cpuIsa() + "\"}");
        System.out.flush();
        for (String line; (line = in.readLine()) != null; ) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 1 && p[0].equals("quit")) {
                return;
            }
            try {
                if (p.length != 6) {
                    throw new IllegalArgumentException(
                            "expected: <contender> <train|infer> <batch> <size> <warmup> <iters>");
                }
                Bench.Result r = bench.run(
                        BenchContender.parse(p[0]),
                        p[1],
                        Integer.parseInt(p[2]),
                        Integer.parseInt(p[3]),
                        Integer.parseInt(p[4]),
                        Integer.parseInt(p[5]));
                System.out.println(r.json());
            } catch (RuntimeException e) {
                System.out.println(
                        "{\"error\":\"" + String.valueOf(e.getMessage()).replace("\"", "'") + "\"}");
            }
            System.out.flush();
        }
    }
}
