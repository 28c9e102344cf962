package org.resnext4j.ui;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.deeplearning4j.ui.VertxUIServer;

/**
 * DL4J's own UI server verticle, deployed so that its HTTP server listens on a chosen host and port.
 *
 * <p>{@code VertxUIServer.start} creates its server with {@code vertx.createHttpServer()} and calls
 * {@code listen(port, handler)}, which Vert.x 3.9 binds to {@code 0.0.0.0}; the port comes from a
 * private static field or the {@code org.deeplearning4j.ui.port} system property, and no address can
 * be configured. This subclass hands the verticle a {@link Vertx} whose {@code createHttpServer()}
 * returns a server whose {@code listen(port, handler)} becomes {@code listen(ourPort, ourHost,
 * handler)}; everything else is DL4J's code. Like DL4J's own start, the constructor registers the
 * instance as the JVM's {@code UIServer.getInstance()}, so {@code UIServer.stopInstance()} stops it.
 */
final class BoundUiServer extends VertxUIServer {

    private static final long START_TIMEOUT_SECONDS = 60;

    private final String host;
    private final int port;

    private BoundUiServer(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /**
     * Deploys the UI server on a new Vert.x instance and waits until it listens.
     *
     * @return the running server
     * @throws Exception when deployment fails (the Vert.x instance is closed again)
     */
    static VertxUIServer start(String host, int port) throws Exception {
        Vertx vertx = Vertx.vertx();
        BoundUiServer server = new BoundUiServer(host, port);
        CompletableFuture<String> deployed = new CompletableFuture<>();
        vertx.deployVerticle(server, ar -> {
            if (ar.succeeded()) {
                deployed.complete(ar.result());
            } else {
                deployed.completeExceptionally(ar.cause());
            }
        });
        try {
            deployed.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return server;
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            server.stop(Promise.promise());
            CompletableFuture<Void> closed = new CompletableFuture<>();
            vertx.close(ar -> closed.complete(null));
            closed.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof ExecutionException && e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Override
    public void init(Vertx vertx, Context context) {
        super.init(
                proxy(vertx, (self, method, args) -> {
                    Object result = forward(vertx, self, method, args);
                    return method.getName().equals("createHttpServer") && result instanceof HttpServer server
                            ? proxy(server, (s, m, a) -> listenOnHost(server, s, m, a))
                            : result;
                }),
                context);
    }

    /** A call on the proxy {@code self} of {@code server}: {@code listen(port, handler)} listens on our host and port. */
    private Object listenOnHost(HttpServer server, Object self, Method method, Object[] args) throws Throwable {
        if (method.getName().equals("listen")
                && args != null
                && args.length == 2
                && args[0] instanceof Integer
                && args[1] instanceof Handler<?> handler) {
            @SuppressWarnings("unchecked")
            Handler<io.vertx.core.AsyncResult<HttpServer>> h = (Handler<io.vertx.core.AsyncResult<HttpServer>>) handler;
            server.listen(port, host, h);
            return self;
        }
        return forward(server, self, method, args);
    }

    /** Calls {@code method} on {@code target}; a fluent call's result (the target) becomes its proxy {@code self}. */
    private static Object forward(Object target, Object self, Method method, Object[] args) throws Throwable {
        Object result = call(target, method, args);
        return result == target ? self : result;
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(T target, InvocationHandler handler) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            collect(c, interfaces);
        }
        return (T) Proxy.newProxyInstance(
                BoundUiServer.class.getClassLoader(), interfaces.toArray(new Class<?>[0]), handler);
    }

    private static void collect(Class<?> c, Set<Class<?>> out) {
        for (Class<?> i : c.getInterfaces()) {
            if (java.lang.reflect.Modifier.isPublic(i.getModifiers()) && out.add(i)) {
                collect(i, out);
            }
        }
    }
}
