package org.resnext4j.spark;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVMs of a Spark standalone cluster on 127.0.0.1, started from a Spark installation's {@code jars/} as
 * {@code sbin/start-master.sh}, {@code start-worker.sh} and {@code bin/spark-submit} start them (the launcher's
 * {@code java -cp SPARK_HOME/jars/* <main class>}), each logging to a file. Every process started here is stopped by
 * its id ({@link #close}), with the processes it started (a worker's executors).
 */
final class SparkProcesses implements AutoCloseable {

    private final Path sparkHome;
    private final Path logs;
    private final List<String> addOpens;
    private final List<Process> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    private int masterPort;
    private int masterUiPort;

    SparkProcesses(Path sparkHome, Path logs, String addOpens) throws IOException {
        if (!Files.isDirectory(sparkHome.resolve("jars"))) {
            throw new IllegalStateException("no Spark installation at " + sparkHome + " (made by the invoker run "
                    + "src/it/spark-dist in pre-integration-test)");
        }
        this.sparkHome = sparkHome;
        this.logs = Files.createDirectories(logs);
        this.addOpens = List.of(addOpens.trim().split("\\s+"));
    }

    /** {@code spark://127.0.0.1:port} of the master. */
    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** Starts the master and waits until it answers. */
    void startMaster() throws Exception {
        masterPort = freePort();
        masterUiPort = freePort();
        start(
                "master",
                List.of("-Xmx256m"),
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                "" + masterPort,
                "--webui-port",
                "" + masterUiPort);
        await(Duration.ofSeconds(60), () -> masterJson() != null, "the Spark master at " + masterUrl());
    }

    /** Starts a worker of one core and waits until the master counts {@code expectedAlive} live workers. */
    Process startWorker(String name, String memory, int expectedAlive) throws Exception {
        Process p = start(
                name,
                List.of("-Xmx256m"),
                "org.apache.spark.deploy.worker.Worker",
                masterUrl(),
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                memory,
                "--work-dir",
                Files.createDirectories(logs.resolve(name + "-work")).toString(),
                "--webui-port",
                "" + freePort());
        await(
                Duration.ofSeconds(60),
                () -> aliveWorkers() >= expectedAlive,
                expectedAlive + " live workers at " + masterUrl());
        return p;
    }

    /**
     * Starts {@code spark-submit} in client mode: {@code SparkSubmit} with the driver's JVM options, the application
     * jar and its arguments.
     */
    Process submit(String name, List<String> driverJvm, List<String> submitArgs, Path appJar, List<String> appArgs)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("--master", masterUrl(), "--deploy-mode", "client"));
        args.addAll(submitArgs);
        args.add(appJar.toString());
        args.addAll(appArgs);
        return start(name, driverJvm, "org.apache.spark.deploy.SparkSubmit", args.toArray(String[]::new));
    }

    /** The log file of a process started as {@code name}. */
    Path log(String name) {
        return logs.resolve(name + ".log");
    }

    private Process start(String name, List<String> jvm, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.addAll(addOpens);
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + "/*");
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log(name).toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // one OpenMP thread per single-core executor and driver: 2 cores are shared by every JVM of the test
        env.put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** Kills a process and everything it started (SIGKILL, by process id), and waits for it. */
    static void kill(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle c : children) {
            c.onExit().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> c);
        }
    }

    /** Stops every process started here, most recent first. */
    @Override
    public void close() throws InterruptedException {
        for (int i = started.size() - 1; i >= 0; i--) {
            kill(started.get(i));
        }
    }

    /** Live workers, from the master's JSON status page. */
    int aliveWorkers() {
        String json = masterJson();
        if (json == null) {
            return 0;
        }
        Matcher m = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)").matcher(json);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private String masterJson() {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Polls {@code condition} every 200 ms until it holds. */
    static void await(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
