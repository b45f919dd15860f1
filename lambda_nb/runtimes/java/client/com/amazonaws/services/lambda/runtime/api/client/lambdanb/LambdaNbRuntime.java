/* lambda_nb's Java runtime client: the entry point, as the RIC's AWSLambda (java-runtime.md 8.1).
 * INIT: streams, logger, the customer's class loader, the handler (loaded, initialised and
 * constructed); then the loop: /next, a fresh Context, the handler, /response or /error.
 * Usage: java ... LambdaNbRuntime <handler>   (or --cds-training, see train()). */
package com.amazonaws.services.lambda.runtime.api.client.lambdanb;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.logging.LogFormat;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOError;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.net.MalformedURLException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

public final class LambdaNbRuntime {
    private static final String TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";

    private LambdaNbRuntime() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--cds-training")) {
            train();
            return;
        }
        // System.out/err: UTF-8 pass-throughs over the original fds (java-runtime.md 6.1)
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.setOut(stdout);
        System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true,
                StandardCharsets.UTF_8));
        Logging logger;
        try {
            logger = Logging.fromEnvironment(new FileOutputStream(FileDescriptor.out));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        installLogger(logger);
        String handler = args.length > 0 ? args[0] : System.getenv("_HANDLER");
        RuntimeApi api = new RuntimeApi(System.getenv("AWS_LAMBDA_RUNTIME_API"));
        ClassLoader loader = customerLoader();
        Thread.currentThread().setContextClassLoader(loader);

        HandlerLoader.Invocable invocable;
        UserFault deferred = null;
        try {
            invocable = HandlerLoader.load(handler == null ? "" : handler, loader);
        } catch (UserFault fault) {
            if (fault.fatal) { // posted to /init/error, logged, and the JVM exits with 1
                logger.log(fault.logText(), errorLevel(logger));
                api.initError(fault.body(), "Runtime.BadFunctionCode");
                System.exit(1);
                return;
            }
            invocable = null;
            deferred = fault;
        }
        loop(api, logger, invocable, deferred);
    }

    private static LogLevel errorLevel(Logging logger) {
        // Handler errors: no level in the Text format, ERROR in JSON (java-runtime.md 6.4)
        return logger.format == LogFormat.JSON ? LogLevel.ERROR : LogLevel.UNDEFINED;
    }

    private static void loop(RuntimeApi api, Logging logger, HandlerLoader.Invocable invocable,
            UserFault deferred) throws Exception {
        while (true) {
            RuntimeApi.Event event = api.next();
            Map<String, String> headers = event.headers;
            String requestId = headers.get("lambda-runtime-aws-request-id");
            String trace = headers.get("lambda-runtime-trace-id");
            if (trace != null) {
                System.setProperty(TRACE_PROPERTY, trace);
            } else {
                System.clearProperty(TRACE_PROPERTY);
            }
            Logging.REQUEST_ID.set(requestId);
            LambdaContext context = new LambdaContext(headers, logger);
            if (deferred != null) {
                api.error(requestId, deferred.body(), "Runtime.BadFunctionCode");
                logger.log(deferred.logText(), errorLevel(logger));
                if (deferred.exitAfterReport) {
                    System.exit(1);
                }
                continue;
            }
            byte[] response;
            try {
                response = invocable.invoke(event.body, context);
            } catch (Throwable t) {
                UserFault.filter(t);
                api.error(requestId, UserFault.errorBody(t), "Runtime.UserException");
                logger.log(UserFault.errorLogText(t), errorLevel(logger));
                if (t instanceof VirtualMachineError || t instanceof IOError) {
                    // the runtime loop ends and the JVM exits: the next invoke starts a new INIT
                    // (exit status UNCONFIRMED: 1 chosen)
                    System.exit(1);
                }
                continue;
            } finally {
                Thread.interrupted(); // cleared after each invoke, as the RIC does
            }
            api.response(requestId, response);
        }
    }

    /** LambdaRuntime.getLogger() returns the runtime's logger from now on (static initialisers
     * included), as the RIC sets it. */
    private static void installLogger(LambdaLogger logger) throws ReflectiveOperationException {
        Field field = LambdaRuntime.class.getDeclaredField("logger");
        field.setAccessible(true);
        field.set(null, logger);
    }

    /** The customer's class loader (java-runtime.md 1 "Class path"): the task root, then every
     * jar of lib/, then every jar of /opt/java/lib, each folder's jars in lexical order; its
     * parent is the system loader, so the runtime's API classes win. */
    private static ClassLoader customerLoader() throws MalformedURLException {
        String root = System.getenv("LAMBDA_TASK_ROOT");
        if (root == null) {
            root = System.getProperty("user.dir");
        }
        String opt = "/opt";
        String paths = System.getenv("_LAMBDA_NB_IMPORT_PATHS"); // process mode: where /opt is
        if (paths != null) {
            String first = paths.split(File.pathSeparator, -1)[0];
            if (!first.isEmpty()) {
                opt = first;
            }
        }
        List<URL> urls = new ArrayList<>();
        urls.add(new File(root).toURI().toURL());
        for (File dir : new File[] {new File(root, "lib"), new File(opt, "java/lib")}) {
            File[] jars = dir.listFiles((d, n) -> n.endsWith(".jar"));
            if (jars != null) {
                Arrays.sort(jars);
                for (File jar : jars) {
                    urls.add(jar.toURI().toURL());
                }
            }
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getSystemClassLoader());
    }

    /** Loads and runs what a cold start runs (the codec, the logger, the Runtime API client
     * against a local socket), so that a CDS archive dumped at exit holds those classes. */
    private static void train() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            Thread responder = new Thread(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket s = server.accept()) {
                        InputStream in = s.getInputStream();
                        byte[] buf = new byte[8192];
                        in.read(buf);
                        OutputStream out = s.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: x\r\n"
                                + "Connection: close\r\nContent-Length: 2\r\n\r\n{}")
                                .getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            responder.setDaemon(true);
            responder.start();
            RuntimeApi api = new RuntimeApi("127.0.0.1:" + server.getLocalPort());
            RuntimeApi.Event event = api.next();
            Logging logger = new Logging(LogFormat.JSON, LogLevel.UNDEFINED,
                    OutputStream.nullOutputStream(), true);
            logger.log("training", LogLevel.INFO);
            LambdaContext context = new LambdaContext(event.headers, logger);
            context.getRemainingTimeInMillis();
            Object tree = Json.parse("{\"a\":[1,2.5,\"x\",true,null],\"b\":{\"c\":\"d\"}}");
            Json.bind(tree, Map.class);
            Json.write(tree);
            try {
                throw new RuntimeException("training");
            } catch (RuntimeException e) {
                UserFault.filter(e);
                UserFault.errorBody(e);
                UserFault.errorLogText(e);
            }
            api.response("x", "null".getBytes(StandardCharsets.UTF_8));
        }
    }
}
