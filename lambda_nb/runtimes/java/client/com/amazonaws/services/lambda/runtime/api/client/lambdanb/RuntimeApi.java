/* The Runtime API, over java.net.http pinned to HTTP/1.1 (the default client offers an h2c
 * upgrade on http://, java-runtime.md 8.2); no request timeout on /next. */
package com.amazonaws.services.lambda.runtime.api.client.lambdanb;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class RuntimeApi {
    static final String USER_AGENT = "aws-lambda-java/" + System.getProperty("java.vendor.version",
            System.getProperty("java.version")) + "-lambda_nb";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .build();
    private final String base;

    RuntimeApi(String address) {
        this.base = "http://" + address + "/2018-06-01/runtime/";
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

    Event next() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "invocation/next"))
                .header("User-Agent", USER_AGENT).GET().build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : response.headers().map().entrySet()) {
            if (!e.getValue().isEmpty()) {
                headers.put(e.getKey().toLowerCase(), e.getValue().get(0));
            }
        }
        return new Event(response.body(), headers);
    }

    void response(String requestId, byte[] body) throws IOException, InterruptedException {
        post("invocation/" + requestId + "/response", body, null);
    }

    void error(String requestId, String body, String errorType)
            throws IOException, InterruptedException {
        post("invocation/" + requestId + "/error", body.getBytes(StandardCharsets.UTF_8),
                errorType);
    }

    void initError(String body, String errorType) throws IOException, InterruptedException {
        post("init/error", body.getBytes(StandardCharsets.UTF_8), errorType);
    }

    private void post(String path, byte[] body, String errorType)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (errorType != null) {
            b.header("Lambda-Runtime-Function-Error-Type", errorType);
            b.header("Content-Type", "application/json");
        }
        http.send(b.build(), HttpResponse.BodyHandlers.discarding());
    }
}
