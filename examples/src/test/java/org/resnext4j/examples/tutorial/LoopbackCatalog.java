package org.resnext4j.examples.tutorial;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.PretrainedWeights;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * A user catalog with one entry whose weights (a tiny model's, saved as safetensors) a loopback HTTP server serves,
 * named by the {@code resnext4j.weights.catalog} property, with the weights cache in a temporary folder: the tutorial
 * programs fetch "pretrained" weights by name as they would torchvision's, without the internet. Closing it stops the
 * server and restores the properties.
 */
final class LoopbackCatalog implements AutoCloseable {

    private static final String[] KEYS = {
        PretrainedWeights.DIR_PROPERTY,
        PretrainedWeights.BASE_URL_PROPERTY,
        PretrainedWeights.OFFLINE_PROPERTY,
        PretrainedWeights.CATALOG_PROPERTY
    };

    private final String[] saved = new String[KEYS.length];
    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    /**
     * @param dir   a temporary folder (weights file, catalog, cache)
     * @param name  the entry's name
     * @param spec  the weights' spec: 1000 classes (ImageNet's names); its input side is the entry's crop
     * @param net   the graph whose weights are served
     */
    LoopbackCatalog(Path dir, String name, ResNeXtSpec spec, ComputationGraph net) throws IOException {
        if (spec.numClasses() != 1000) {
            throw new IllegalArgumentException("spec: expected ImageNet's 1000 classes, got " + spec.numClasses());
        }
        Path weights = dir.resolve(name + ".safetensors");
        TorchvisionWeights.save(net, weights, Map.of());
        byte[] body = Files.readAllBytes(weights);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models/", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/models/" + name + ".safetensors";
        Path catalog = dir.resolve("catalog.json");
        Files.writeString(catalog, """
                {"entries": [{
                  "name": "%s",
                  "spec": %s,
                  "url": "%s",
                  "sha256": "%s",
                  "acc1": 0.1,
                  "transform": {"resize": %d, "crop": %d},
                  "classNames": "imagenet"
                }]}""".formatted(
                        name,
                        new ObjectMapper().writeValueAsString(spec.toMap()),
                        url,
                        PretrainedWeights.sha256(weights),
                        spec.inputHeight() * 8 / 7,
                        spec.inputHeight()));
        for (int i = 0; i < KEYS.length; i++) {
            saved[i] = System.getProperty(KEYS[i]);
            System.clearProperty(KEYS[i]);
        }
        System.setProperty(PretrainedWeights.DIR_PROPERTY, dir.resolve("cache").toString());
        System.setProperty(PretrainedWeights.CATALOG_PROPERTY, catalog.toString());
    }

    /** HTTP requests served so far. */
    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
        for (int i = 0; i < KEYS.length; i++) {
            if (saved[i] == null) {
                System.clearProperty(KEYS[i]);
            } else {
                System.setProperty(KEYS[i], saved[i]);
            }
        }
    }
}
