/* The Runtime API over one kept-alive HTTP/1.1 connection on a plain socket.
 *
 * Not java.net.http: building an HttpClient costs 0.3-0.7 s of a cold start on the 2-core
 * machines here (it sets up TLS and a selector thread even for http://), more than the rest of
 * the client together; AWS's own RIC does not use it either (a native client for /next,
 * HttpURLConnection for posts, java-runtime.md 8.2). Requests carry Content-Length; responses
 * are read by Content-Length or chunked encoding. No timeout on /next. */
package com.amazonaws.services.lambda.runtime.api.client.lambdanb;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

final class RuntimeApi {
    static final String USER_AGENT = "aws-lambda-java/" + System.getProperty("java.vendor.version",
            System.getProperty("java.version")) + "-lambda_nb";
    private static final String PREFIX = "/2018-06-01/runtime/";
    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RuntimeApi(String address) {
        int colon = address.lastIndexOf(':');
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
    }

    /** The next event: its body and its headers (names in lower case). */
    static final class Event {
        final byte[] body;
        final Map<String, String> headers;

        Event(byte[] body, Map<String, String> headers) {
            this.body = body;
            this.headers = headers;
        }
    }

    Event next() throws IOException {
        return request("GET", "invocation/next", null, null);
    }

    void response(String requestId, byte[] body) throws IOException {
        request("POST", "invocation/" + requestId + "/response", body, null);
    }

    void error(String requestId, String body, String errorType) throws IOException {
        request("POST", "invocation/" + requestId + "/error",
                body.getBytes(StandardCharsets.UTF_8), errorType);
    }

    void initError(String body, String errorType) throws IOException {
        request("POST", "init/error", body.getBytes(StandardCharsets.UTF_8), errorType);
    }

    private Event request(String method, String path, byte[] body, String errorType)
            throws IOException {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(PREFIX).append(path).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(host).append(':').append(port).append("\r\n");
        head.append("User-Agent: ").append(USER_AGENT).append("\r\n");
        if (errorType != null) {
            head.append("Lambda-Runtime-Function-Error-Type: ").append(errorType).append("\r\n");
            head.append("Content-Type: application/json\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] bytes = head.toString().getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; ; attempt++) {
            try {
                connect();
                out.write(bytes);
                if (body != null) {
                    out.write(body);
                }
                out.flush();
                return read();
            } catch (IOException e) {
                close();
                if (attempt > 0) {
                    throw e;
                }
                // a kept-alive connection the server closed meanwhile: once more, anew
            }
        }
    }

    private void connect() throws IOException {
        if (socket == null) {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 65536);
            out = socket.getOutputStream();
        }
    }

    private void close() {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException e) {
            // gone already
        }
        socket = null;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] raw = b.toByteArray();
                int n = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
                return new String(raw, 0, n, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        throw new IOException("connection closed by the Runtime API");
    }

    private Event read() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + status);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.put(h.substring(0, colon).trim().toLowerCase(), h.substring(colon + 1).trim());
            }
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(line().split(";", 2)[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                b.write(in.readNBytes(size));
                line();
            }
            body = b.toByteArray();
        } else if (headers.containsKey("content-length")) {
            int length = Integer.parseInt(headers.get("content-length"));
            body = in.readNBytes(length);
            if (body.length < length) {
                throw new IOException("connection closed by the Runtime API");
            }
        } else {
            body = in.readAllBytes();
            close();
        }
        if ("close".equalsIgnoreCase(headers.get("connection"))) {
            close();
        }
        return new Event(body, headers);
    }
}
