package org.resnext4j.zoo.weights;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted HTTP server on 127.0.0.1 (an ephemeral port) for download tests: each path answers with its steps in
 * order, the last one repeated, and every request is recorded with its {@code Range} header. Nothing leaves the
 * machine.
 */
final class LoopbackServer implements AutoCloseable {

    /** One request as the server saw it. */
    record Request(String path, String range) {}

    /** One scripted answer. */
    interface Step {
        void answer(HttpExchange ex) throws IOException;
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final Map<String, List<Step>> scripts = new ConcurrentHashMap<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

    LoopbackServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "loopback-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http://127.0.0.1:<port>/} */
    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    URI url(String path) {
        return base().resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    /** Scripts {@code path}: the steps in order, the last one for every later request. */
    LoopbackServer on(String path, Step... steps) {
        scripts.put(path, new ArrayList<>(List.of(steps)));
        return this;
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    long requestsFor(String path) {
        return requests().stream().filter(r -> r.path().equals(path)).count();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(new Request(path, ex.getRequestHeaders().getFirst("Range")));
        Step step;
        List<Step> script = scripts.get(path);
        if (script == null) {
            step = status(404);
        } else {
            synchronized (script) {
                step = script.size() > 1 ? script.remove(0) : script.get(0);
            }
        }
        try {
            step.answer(ex);
        } finally {
            ex.close();
        }
    }

    /** An empty answer with this status. */
    static Step status(int code) {
        return ex -> ex.sendResponseHeaders(code, -1);
    }

    /** The file, honouring a {@code Range: bytes=N-} request with 206. */
    static Step file(byte[] content, String... headers) {
        return ex -> {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                ex.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            Matcher m = range == null ? null : RANGE.matcher(range);
            int from = 0;
            if (m != null && m.matches()) {
                from = Integer.parseInt(m.group(1));
                if (from >= content.length) {
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                ex.getResponseHeaders()
                        .add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
                ex.sendResponseHeaders(206, content.length - from);
            } else {
                ex.sendResponseHeaders(200, content.length);
            }
            try (OutputStream out = ex.getResponseBody()) {
                out.write(content, from, content.length - from);
            }
        };
    }

    /** The whole file with 200, whatever the request's range. */
    static Step fileIgnoringRange(byte[] content) {
        return ex -> {
            ex.sendResponseHeaders(200, content.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(content);
            }
        };
    }

    /** Promises the whole file (honouring a range) but sends only {@code bytes} of it and breaks the connection. */
    static Step cutAfter(byte[] content, int bytes) {
        return ex -> {
            ex.sendResponseHeaders(200, content.length);
            OutputStream out = ex.getResponseBody();
            out.write(content, 0, bytes);
            out.flush();
            // closing an exchange short of its Content-Length makes the server drop the connection
        };
    }

    /** Sends {@code bytes} of the file, then waits for {@code release} before sending the rest. */
    static Step pausedAfter(byte[] content, int bytes, CountDownLatch release) {
        return ex -> {
            ex.sendResponseHeaders(200, content.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(content, 0, bytes);
                out.flush();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IOException("not released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                out.write(content, bytes, content.length - bytes);
            }
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
