/* The LambdaLogger the runtime installs, as the RIC's (java-runtime.md 6): one telemetry frame per
 * call on _LAMBDA_TELEMETRY_LOG_FD (16-byte big-endian header: type 0xA55A0000 | level<<2 | 1<<1
 * | format, length, timestamp in microseconds; then the message, no newline added), in the Text
 * or JSON format, with level filtering by AWS_LAMBDA_LOG_LEVEL. Without the fd it writes the
 * message to stdout unchanged.
 * A plain log(msg) in JSON carries "level":"UNDEFINED", as the RIC writes it; how CloudWatch shows
 * that level is UNCONFIRMED (java-runtime.md 6.2): written as the RIC does, and lambda_nb's views
 * show it without a level. */
package com.amazonaws.services.lambda.runtime.api.client.lambdanb;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogFormat;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

final class Logging implements LambdaLogger {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** The calling thread's invoke (a plain ThreadLocal: background threads log without it). */
    static final ThreadLocal<String> REQUEST_ID = new ThreadLocal<>();

    final LogFormat format;
    final LogLevel minimum;
    private final OutputStream out;
    private final boolean framed;

    Logging(LogFormat format, LogLevel minimum, OutputStream out, boolean framed) {
        this.format = format;
        this.minimum = minimum;
        this.out = out;
        this.framed = framed;
    }

    /** From the environment; a bad format or level aborts start-up with the RIC's message. */
    static Logging fromEnvironment(OutputStream stdout) {
        String f = System.getenv("AWS_LAMBDA_LOG_FORMAT");
        String l = System.getenv("AWS_LAMBDA_LOG_LEVEL");
        LogFormat format = f == null || f.isEmpty() ? LogFormat.TEXT : LogFormat.fromString(f);
        LogLevel level = l == null || l.isEmpty() ? LogLevel.UNDEFINED : LogLevel.fromString(l);
        String fd = System.getenv("_LAMBDA_TELEMETRY_LOG_FD");
        if (fd != null && !fd.isEmpty()) {
            try {
                OutputStream tel = new FileOutputStream("/proc/self/fd/" + Integer.parseInt(fd));
                return new Logging(format, level, tel, true);
            } catch (IOException | NumberFormatException e) {
                // fall back to stdout, as the RIC does without the fd
            }
        }
        return new Logging(format, level, stdout, false);
    }

    boolean passes(LogLevel level) {
        return level == LogLevel.UNDEFINED || level.ordinal() >= minimum.ordinal();
    }

    @Override
    public void log(String message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(byte[] message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(String message, LogLevel level) {
        if (level == null) {
            level = LogLevel.UNDEFINED;
        }
        if (!passes(level)) {
            return;
        }
        String text = message == null ? "null" : message;
        long micros = currentMicros();
        String record;
        if (format == LogFormat.JSON) {
            StringBuilder b = new StringBuilder("{\"timestamp\":");
            Json.writeString(b, STAMP.format(Instant.ofEpochMilli(micros / 1000)));
            b.append(",\"message\":");
            Json.writeString(b, text);
            b.append(",\"level\":");
            Json.writeString(b, level.name());
            String id = REQUEST_ID.get();
            if (id != null) {
                b.append(",\"AWSRequestId\":");
                Json.writeString(b, id);
            }
            record = b.append("}\n").toString();
        } else {
            record = level == LogLevel.UNDEFINED ? text : "[" + level.name() + "] " + text;
        }
        write(record.getBytes(StandardCharsets.UTF_8), level, micros);
    }

    @Override
    public void log(byte[] message, LogLevel level) {
        if (level == null) {
            level = LogLevel.UNDEFINED;
        }
        if (passes(level)) {
            write(message == null ? "null".getBytes(StandardCharsets.UTF_8) : message, level,
                    currentMicros());
        }
    }

    private static long currentMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private synchronized void write(byte[] body, LogLevel level, long micros) {
        try {
            if (framed) {
                ByteBuffer header = ByteBuffer.allocate(16);
                header.putInt(0xA55A0000 | level.ordinal() << 2 | 1 << 1 | format.ordinal());
                header.putInt(body.length);
                header.putLong(micros);
                byte[] frame = new byte[16 + body.length];
                System.arraycopy(header.array(), 0, frame, 0, 16);
                System.arraycopy(body, 0, frame, 16, body.length);
                out.write(frame); // one write: a frame never interleaves with another
            } else {
                out.write(body);
            }
            out.flush();
        } catch (IOException e) {
            // the log channel is gone: nothing left to tell
        }
    }
}
