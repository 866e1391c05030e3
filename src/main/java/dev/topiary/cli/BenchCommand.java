package dev.topiary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.kernels.Kernels;
import dev.topiary.kernels.Parallel;
import dev.topiary.model.Init;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code topiary bench}: matmul GFLOP/s on LLM shapes against OpenBLAS sgemm, and prefill/decode
 * tokens/s against the PyTorch reference forward, each pair measured in the same run.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        header = "Benchmark against OpenBLAS and PyTorch, side by side.",
        description = {
            "Measure the engine side by side with its comparisons, in one run:",
            "  matmul: Topiary's Vector API GEMM (and its scalar twin on small shapes) vs OpenBLAS cblas_sgemm,",
            "          256 tokens x K x N for K, N from 288 to 2048 and the 32000-wide output layer;",
            "  model:  prefill and decode tokens/s for the stories260K and stories15M shapes vs the PyTorch",
            "          reference forward (scripts/reference/bench_forward.py, when python3 with torch is present);",
            "  train:  training tokens/s (forward + backward + AdamW, batch 8 x 256 tokens) for the same shapes",
            "          vs the same model in PyTorch (scripts/reference/bench_train.py), and memory in use.",
            "  --model MODEL: prefill and decode tokens/s of one model (HF folder, GGUF, llama2.c) on its",
            "          weights in their stored type, as llama-bench measures them (ppP, tgN; median of R runs),",
            "          with peak RSS, the copy bandwidth and the share of it that decoding draws.",
            "Threads: -Dtopiary.threads (default all cores); OpenBLAS gets the same count."
        })
final class BenchCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--quick", description = "Fewer shapes and shorter timings (a smoke run).")
    boolean quick;

    @Option(names = "--only", description = "Run only these parts, comma-separated: matmul, model, train.")
    String only;

    @Option(
            names = "--tokens",
            defaultValue = "256",
            description = "Rows (tokens) of the matmul and prefill (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(
            names = "--python",
            defaultValue = "/usr/bin/python3",
            description = "Python with torch for the reference (default ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Option(
            names = "--model",
            paramLabel = "MODEL",
            description = "Benchmark this model instead (HF folder, .gguf or llama2.c .bin).")
    Path model;

    @Option(
            names = {"--prompt-tokens", "-p"},
            defaultValue = "256",
            description = "With --model: prompt tokens of the prefill test (default ${DEFAULT-VALUE}; 0: none).")
    int promptTokens;

    @Option(
            names = {"--gen-tokens", "-n"},
            defaultValue = "64",
            description = "With --model: tokens of the decode test (default ${DEFAULT-VALUE}; 0 skips it).")
    int genTokens;

    @Option(
            names = {"--repeat", "-r"},
            defaultValue = "5",
            description = "With --model: measured runs of each test (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(
            names = "--warmup",
            defaultValue = "2",
            description = "With --model: unmeasured runs of each test first, and at least 5 s of them unless 0 "
                    + "(default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--no-bandwidth", description = "With --model: skip the memory bandwidth measurement.")
    boolean noBandwidth;

    private final ObjectMapper mapper = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if (model != null) return modelBench();
        ObjectNode out = mapper.createObjectNode();
        out.put("threads", Parallel.threads());
        out.put("kernels", Kernels.get().name());
        out.put("cpu", cpuName());
        System.out.printf(
                "threads %d, kernels %s, cpu %s%n",
                Parallel.threads(), Kernels.get().name(), cpuName());
        List<String> parts = only == null ? List.of("matmul", "model", "train") : List.of(only.split(","));
        for (String p : parts)
            if (!List.of("matmul", "model", "train").contains(p))
                throw new IllegalArgumentException(
                        "--only takes matmul, model, train (comma-separated), got '" + p + "'");
        if (parts.contains("matmul")) out.set("matmul", matmul());
        if (parts.contains("model")) out.set("model", model());
        if (parts.contains("train")) out.set("train", train());
        if (json != null)
            dev.topiary.format.AtomicFiles.writeBytes(
                    json, mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
        return 0;
    }

    private int modelBench() throws Exception {
        if (only != null) throw new IllegalArgumentException("--model and --only do not go together");
        System.out.printf(
                "threads %d, kernels %s, cpu %s%n",
                Parallel.threads(), Kernels.get().name(), cpuName());
        ModelBench.Result r = ModelBench.run(model, promptTokens, genTokens, repeat, warmup, !noBandwidth);
        System.out.print(ModelBench.format(r));
        if (json != null) {
            ObjectNode out = mapper.createObjectNode();
            out.put("model", r.model().toString())
                    .put("format", r.format())
                    .put("dtype", r.dtype())
                    .put("params", r.params())
                    .put("stored_bytes", r.storedBytes())
                    .put("threads", r.threads())
                    .put("kernels", Kernels.get().name())
                    .put("cpu", cpuName());
            for (ModelBench.Rates x : new ModelBench.Rates[] {r.prefill(), r.decode()}) {
                if (x == null) continue;
                ObjectNode t = out.putObject(x.test().startsWith("pp") ? "prefill" : "decode");
                t.put("test", x.test())
                        .put("tokens", x.tokens())
                        .put("tokens_per_s_median", x.median())
                        .put("tokens_per_s_sd", x.stdev())
                        .put("tokens_per_s_min", x.min())
                        .put("tokens_per_s_max", x.max());
                ArrayNode runs = t.putArray("runs");
                for (double v : x.perSecond()) runs.add(v);
            }
            out.put("peak_rss_bytes", r.peakRssBytes()).put("bytes_per_token", r.bytesPerToken());
            if (!Double.isNaN(r.copyBytesPerSecond())) out.put("copy_bandwidth_bytes_per_s", r.copyBytesPerSecond());
            if (r.decode() != null) {
                out.put("decode_bytes_per_s", r.decodeBytesPerSecond());
                if (!Double.isNaN(r.copyBytesPerSecond()))
                    out.put("decode_bandwidth_fraction", r.decodeBytesPerSecond() / r.copyBytesPerSecond());
            }
            mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), out);
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------------

    private ArrayNode matmul() {
        int[][] shapes = quick
                ? new int[][] {{288, 768}, {2048, 2048}, {288, 32000}}
                : new int[][] {
                    {288, 288},
                    {288, 768},
                    {768, 288},
                    {1024, 1024},
                    {2048, 2048},
                    {2048, 5632},
                    {5632, 2048},
                    {288, 32000},
                    {2048, 32000}
                };
        OpenBlas blas = OpenBlas.load(Parallel.threads());
        if (blas != null && System.getenv("OPENBLAS_CORETYPE") != null)
            System.err.println("bench: OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE")
                    + " holds OpenBLAS to that kernel family, perhaps not its best on this CPU; "
                    + "run with env -u OPENBLAS_CORETYPE to compare against its own choice");
        System.out.printf(
                "%nmatmul, %d rows (tokens), GFLOP/s; OpenBLAS %s%n",
                tokens, blas == null ? "not available" : blas.describe());
        System.out.printf(
                "%6s %6s | %10s %10s %10s | %s%n", "K", "N", "topiary", "scalar", "openblas", "topiary/openblas");
        ArrayNode rows = mapper.createArrayNode();
        Random r = new Random(1);
        for (int[] s : shapes) {
            int B = tokens, K = s[0], N = s[1];
            float[] x = randomArray(r, B * K), w = randomArray(r, N * K), o = new float[B * N];
            double flops = 2.0 * B * K * N;
            double vec = gflops(flops, () -> Kernels.get().matmul(o, 0, x, 0, w, 0, null, 0, B, K, N));
            double sc = flops <= 1e9
                    ? gflops(flops, () -> Kernels.scalar().matmul(o, 0, x, 0, w, 0, null, 0, B, K, N))
                    : Double.NaN;
            double ob = blas == null ? Double.NaN : blas.gflops(this, x, w, B, K, N);
            System.out.printf(
                    "%6d %6d | %10.1f %10s %10s | %s%n",
                    K, N, vec, fmt(sc), fmt(ob), Double.isNaN(ob) ? "-" : String.format("%.2fx", vec / ob));
            ObjectNode row = rows.addObject();
            row.put("B", B).put("K", K).put("N", N).put("topiary_gflops", vec);
            if (!Double.isNaN(sc)) row.put("scalar_gflops", sc);
            if (!Double.isNaN(ob)) row.put("openblas_gflops", ob).put("ratio", vec / ob);
        }
        return rows;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.1f", v);
    }

    static float[] randomArray(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** Warms up, then times repetitions for about a second (a third with --quick); best-of rate. */
    double gflops(double flops, Runnable body) {
        return flops / seconds(body) / 1e9;
    }

    /**
     * PyTorch's best timed run ({@code key + "_best"}), as {@link #seconds} takes Topiary's best: like
     * against like. Scripts that report only a median give that.
     */
    static double best(com.fasterxml.jackson.databind.JsonNode node, String key) {
        return node.has(key + "_best")
                ? node.path(key + "_best").asDouble()
                : node.path(key).asDouble();
    }

    /** Seconds each measurement warms up for, at least (the JIT's compiles of a kernel's paths take seconds). */
    static final double WARM_SECONDS = 3.0;

    /** Seconds of the fastest timed run of body, after a warm-up of at least two runs. */
    double seconds(Runnable body) {
        return seconds(body, 2, 3);
    }

    /**
     * As {@link #seconds(Runnable)}, with at least minWarm unmeasured and minReps measured runs. The warm-up
     * lasts at least {@link #WARM_SECONDS} (a tenth with --quick): with 0.3 s, stories15M's prefill, the first
     * of its shapes to reach some of the GEMM's paths, was timed before C2 had compiled them (2,100-2,200
     * tokens/s in three runs of five, 8,300 in the others).
     */
    double seconds(Runnable body, int minWarm, int minReps) {
        double budget = quick ? 0.3 : 1.0, warmFor = quick ? WARM_SECONDS / 10 : WARM_SECONDS;
        long start = System.nanoTime();
        int warm = 0;
        while (warm < minWarm || System.nanoTime() - start < warmFor * 1e9) {
            body.run();
            warm++;
        }
        double best = Double.MAX_VALUE;
        long end = System.nanoTime() + (long) (budget * 1e9);
        int reps = 0;
        while (reps < minReps || System.nanoTime() < end) {
            long t0 = System.nanoTime();
            body.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            reps++;
        }
        return best;
    }

    // ---------------------------------------------------------------------------------------------

    private ArrayNode model() throws Exception {
        System.out.printf(
                "%nmodel forward, fp32, tokens/s (prefill: %d tokens in one batch; decode: one token at a time)%n",
                tokens);
        System.out.printf(
                "%-12s | %12s %12s | %14s | %s%n", "shape", "prefill", "decode", "pytorch prefill", "topiary/pytorch");
        ArrayNode rows = mapper.createArrayNode();
        List<String> shapes = List.of("stories260K", "stories15M");
        // All Java measurements first: a PyTorch run in between was seen to slow the next one down.
        for (String name : shapes) {
            LlamaConfig c = LlamaConfig.preset(name);
            LlamaWeights w = Init.normal(c, 7, 0.02);
            int[] ids = new int[tokens];
            for (int i = 0; i < tokens; i++) ids[i] = (i * 37 + 11) % c.vocab();
            Llama.State s = new Llama.State(c, tokens);
            double prefill = tokens
                    / seconds(() -> {
                        s.reset();
                        Llama.forward(w, s, ids, 0, tokens, Llama.Logits.ALL);
                    });
            int steps = Math.min(tokens, 64);
            double decode = steps
                    / seconds(() -> {
                        s.reset();
                        for (int t = 0; t < steps; t++) Llama.forward(w, s, ids, t, 1, Llama.Logits.LAST);
                    });
            rows.addObject()
                    .put("shape", name)
                    .put("params", c.parameterCount())
                    .put("prefill_tokens_per_s", prefill)
                    .put("decode_tokens_per_s", decode);
        }
        for (int i = 0; i < shapes.size(); i++) {
            ObjectNode row = (ObjectNode) rows.get(i);
            var node = pytorch("bench_forward.py", shapes.get(i), "--tokens", String.valueOf(tokens));
            Double torch = node == null ? null : best(node, "prefill_tokens_per_s");
            double prefill = row.get("prefill_tokens_per_s").asDouble();
            if (torch != null) {
                row.put("pytorch_prefill_tokens_per_s", torch)
                        .put("pytorch_blas", node.path("blas").asText())
                        .put("pytorch_allocator", node.path("allocator").asText("unknown"));
                if (fairBlas(node)) row.put("ratio", prefill / torch);
            }
            System.out.printf(
                    "%-12s | %12.0f %12.0f | %14s | %s%n",
                    shapes.get(i),
                    prefill,
                    row.get("decode_tokens_per_s").asDouble(),
                    torch == null ? "-" : String.format("%.0f", torch),
                    ratio(node, prefill, torch));
        }
        printPytorch(rows);
        return rows;
    }

    private ArrayNode train() throws Exception {
        int B = 8, T = tokens;
        System.out.printf("%ntraining, fp32, forward + backward + AdamW, batch %d x %d tokens, tokens/s%n", B, T);
        System.out.printf(
                "%-12s | %10s %14s | %10s %14s | %s%n",
                "shape", "topiary", "memory", "pytorch", "pytorch RSS", "topiary/pytorch");
        ArrayNode rows = mapper.createArrayNode();
        List<String> shapes = List.of("stories260K", "stories15M");
        for (String name : shapes) {
            LlamaConfig c = LlamaConfig.preset(name);
            LlamaWeights w = Init.normal(c, 7, 0.02);
            int[] in = new int[B * T], tg = new int[B * T];
            Random r = new Random(3);
            for (int i = 0; i < in.length; i++) {
                in[i] = r.nextInt(c.vocab());
                tg[i] = r.nextInt(c.vocab());
            }
            var act = new dev.topiary.model.LlamaTrain.Activations(c, B, T);
            var adam = new dev.topiary.train.AdamW(w, 0.9f, 0.95f, 1e-8f, 0.1f, false);
            LlamaWeights g = new LlamaWeights(c);
            // a stories15M step takes most of a second: C2 has compiled its kernels after about four, so
            // five unmeasured and five measured steps (PyTorch, which compiles nothing, gets 2 and 5)
            double secs = seconds(
                    () -> {
                        g.zero();
                        dev.topiary.model.LlamaTrain.step(w, g, act, in, tg, 1f / in.length);
                        dev.topiary.train.AdamW.clipGradNorm(g, 1.0);
                        adam.update(g, 1e-4f);
                    },
                    quick ? 2 : 5,
                    quick ? 3 : 5);
            adam.close();
            long memory = act.bytes() + 16L * w.parameterCount();
            rows.addObject()
                    .put("shape", name)
                    .put("train_tokens_per_s", B * T / secs)
                    .put("memory_bytes", memory)
                    .put("params", c.parameterCount());
        }
        for (int i = 0; i < shapes.size(); i++) {
            ObjectNode row = (ObjectNode) rows.get(i);
            var torch = pytorch(
                    "bench_train.py",
                    shapes.get(i),
                    "--batch",
                    String.valueOf(B),
                    "--seq",
                    String.valueOf(T),
                    "--warmup",
                    quick ? "1" : "2",
                    "--steps",
                    quick ? "3" : "5");
            double ours = row.get("train_tokens_per_s").asDouble();
            Double theirs = torch == null ? null : best(torch, "train_tokens_per_s");
            if (torch != null) {
                row.put("pytorch_train_tokens_per_s", theirs)
                        .put("pytorch_peak_rss_mb", torch.path("peak_rss_mb").asDouble())
                        .put("pytorch_blas", torch.path("blas").asText())
                        .put("pytorch_allocator", torch.path("allocator").asText("unknown"));
                if (fairBlas(torch)) row.put("ratio", ours / theirs);
            }
            System.out.printf(
                    "%-12s | %10.0f %14s | %10s %14s | %s%n",
                    shapes.get(i),
                    ours,
                    Sizes.human(row.get("memory_bytes").asLong()),
                    theirs == null ? "-" : String.format("%.0f", theirs),
                    torch == null
                            ? "-"
                            : String.format(
                                    "%.0f MiB", torch.path("peak_rss_mb").asDouble()),
                    ratio(torch, ours, theirs));
        }
        System.out.println(
                "memory: activations + 16 bytes/parameter (weights, gradients, two AdamW moments); PyTorch: peak RSS of its process");
        printPytorch(rows);
        return rows;
    }

    /** Which BLAS and which allocator the PyTorch runs of a table used (both change its speed severalfold). */
    private static void printPytorch(ArrayNode rows) {
        for (var row : rows)
            if (row.has("pytorch_blas")) {
                System.out.printf(
                        "PyTorch: BLAS %s; allocator %s%n",
                        row.path("pytorch_blas").asText(),
                        row.path("pytorch_allocator").asText());
                return;
            }
    }

    /**
     * Whether PyTorch ran on an optimised BLAS (the scripts say so in "optimised_blas"): against the
     * unoptimised reference BLAS a ratio means nothing, and none is reported.
     */
    static boolean fairBlas(com.fasterxml.jackson.databind.JsonNode torch) {
        return torch != null && torch.path("optimised_blas").asBoolean(false);
    }

    private static String ratio(com.fasterxml.jackson.databind.JsonNode torch, double ours, Double theirs) {
        if (theirs == null) return "-";
        if (!fairBlas(torch)) return "none: PyTorch on " + torch.path("blas").asText("an unknown BLAS");
        return String.format("%.2fx", ours / theirs);
    }

    /** The last JSON line printed by a scripts/reference benchmark, or null when it cannot run here. */
    private com.fasterxml.jackson.databind.JsonNode pytorch(String scriptName, String shape, String... args) {
        Path script = Path.of("scripts/reference", scriptName);
        if (!Files.isRegularFile(script) || !Files.isExecutable(Path.of(python))) return null;
        try {
            List<String> cmd = new ArrayList<>(List.of(
                    python, script.toString(), "--shape", shape, "--threads", String.valueOf(Parallel.threads())));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String last = null;
            try (BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = br.readLine()) != null; ) if (line.startsWith("{")) last = line;
            }
            if (p.waitFor() != 0 || last == null) return null;
            return mapper.readTree(last);
        } catch (Exception e) {
            return null;
        }
    }

    private static String cpuName() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (l.startsWith("model name"))
                    return l.substring(l.indexOf(':') + 1).trim();
        } catch (Exception ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    /** OpenBLAS through JavaCPP, isolated so that a missing native library only disables the comparison. */
    static final class OpenBlas {
        private OpenBlas() {}

        static OpenBlas load(int threads) {
            try {
                org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
                return new OpenBlas();
            } catch (Throwable t) {
                return null;
            }
        }

        String describe() {
            String core = System.getenv("OPENBLAS_CORETYPE");
            return "via org.bytedeco:openblas, "
                    + org.bytedeco.openblas.presets.openblas_nolapack.blas_get_num_threads() + " threads"
                    + (core != null ? ", OPENBLAS_CORETYPE=" + core : "");
        }

        double gflops(BenchCommand b, float[] x, float[] w, int B, int K, int N) {
            var nl = org.bytedeco.openblas.global.openblas_nolapack.class;
            try (var px = new org.bytedeco.javacpp.FloatPointer(x);
                    var pw = new org.bytedeco.javacpp.FloatPointer(w);
                    var po = new org.bytedeco.javacpp.FloatPointer((long) B * N)) {
                return b.gflops(
                        2.0 * B * K * N,
                        () -> org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm(
                                org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor,
                                org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans,
                                org.bytedeco.openblas.global.openblas_nolapack.CblasTrans,
                                B,
                                N,
                                K,
                                1f,
                                px,
                                K,
                                pw,
                                K,
                                0f,
                                po,
                                N));
            }
        }
    }
}
