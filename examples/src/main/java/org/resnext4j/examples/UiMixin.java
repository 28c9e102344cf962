package org.resnext4j.examples;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.resnext4j.ui.UiOptions;
import picocli.CommandLine.Option;

/** The browser UI's options, shared by {@code train} and {@code ui}. */
final class UiMixin {

    @Option(
            names = "--port",
            paramLabel = "N",
            description = "UI port (default ${DEFAULT-VALUE}, or the next free "
                    + "one when that is taken; a port given here must be free)",
            defaultValue = "9000")
    int port;

    @Option(
            names = "--host",
            paramLabel = "ADDRESS",
            defaultValue = UiOptions.LOOPBACK,
            description = "address the UI listens on (default ${DEFAULT-VALUE}, this machine only; the DL4J UI has "
                    + "no authentication: another address shows the training to the network)")
    String host;

    /** The UI options; warns on {@code err} when the UI will be reachable from other machines. */
    UiOptions options(boolean portGiven, PrintStream err) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("--port: expected 0..65535, got " + port);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host: \"" + host + "\" cannot be resolved to an address", e);
        }
        if (!address.isLoopbackAddress()) {
            err.println("warning: the training UI listens on " + host + ", reachable from other machines; DL4J's UI "
                    + "has no authentication (use --host " + UiOptions.LOOPBACK + " to keep it local)");
        }
        // the default port moves on to a free one when taken; a port the user chose fails instead
        return UiOptions.defaults().withBindAddress(host).withPort(port).withFallbackToFreePort(!portGiven);
    }
}
