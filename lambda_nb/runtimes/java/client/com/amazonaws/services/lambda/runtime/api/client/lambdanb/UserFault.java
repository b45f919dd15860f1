/* A fault to report: a handler-loading fault (java-runtime.md 5.2) or a thrown exception (5.1).
 * Bodies are compact JSON with nulls omitted: {"errorMessage","errorType","stackTrace"}; a fault
 * made from a bare message has neither errorType nor stackTrace, a loading fault no stackTrace. */
package com.amazonaws.services.lambda.runtime.api.client.lambdanb;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

final class UserFault extends RuntimeException {
    static final String RUNTIME_PACKAGE = "com.amazonaws.services.lambda.runtime.api.client";

    final String msg;
    final String exception; // errorType, or null for a message-only fault
    final Throwable cause;
    final boolean fatal;

    UserFault(String msg, String exception, Throwable cause, boolean fatal) {
        super(msg, null, false, false);
        this.msg = msg;
        this.exception = exception;
        this.cause = cause;
        this.fatal = fatal;
    }

    /** A fatal fault reported at the first invoke rather than at INIT, after which the runtime
     * exits (NoClassDefFoundError, java-runtime.md 5.2). */
    boolean exitAfterReport = false;

    UserFault deferred() {
        UserFault out = new UserFault(msg, exception, cause, false);
        out.exitAfterReport = true;
        return out;
    }

    static UserFault of(String msg) {
        return new UserFault(msg, null, null, false);
    }

    static UserFault of(String msg, Throwable cause, boolean fatal) {
        return new UserFault(msg, cause.getClass().getName(), cause, fatal);
    }

    /** The body of a loading fault: no stackTrace key. */
    String body() {
        StringBuilder b = new StringBuilder("{\"errorMessage\":");
        Json.writeString(b, msg);
        if (exception != null) {
            b.append(",\"errorType\":");
            Json.writeString(b, exception);
        }
        return b.append('}').toString();
    }

    /** The log record: `<errorMessage>: <errorType>\n<trace>\n`, or `<errorMessage>\n`. */
    String logText() {
        if (cause == null) {
            return msg + "\n";
        }
        return msg + ": " + exception + "\n" + trace(cause) + "\n";
    }

    // --------------------------------------------------------------- thrown exceptions
    /** The body for an exception the handler threw (java-runtime.md 5.1): the top-level
     * throwable's filtered frames only, no causes. */
    static String errorBody(Throwable t) {
        String message = t.getLocalizedMessage();
        StringBuilder b = new StringBuilder("{\"errorMessage\":");
        Json.writeString(b, message != null ? message : t.getClass().getName());
        b.append(",\"errorType\":");
        Json.writeString(b, t.getClass().getName());
        b.append(",\"stackTrace\":[");
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < frames.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            Json.writeString(b, frames[i].toString());
        }
        return b.append("]}").toString();
    }

    static String errorLogText(Throwable t) {
        String message = t.getLocalizedMessage();
        return (message != null ? message : t.getClass().getName()) + ": " + t.getClass().getName()
                + "\n" + trace(t) + "\n";
    }

    static String trace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Cut every trace (the throwable's, its causes', its suppressed') at the first frame of
     * the runtime's own package (RIC UserFault.filterStackTrace); JDK frames print as
     * `(Unknown Source)`, as on Lambda (I-855; UNCONFIRMED for every runtime version: chosen
     * for all of them). */
    static void filter(Throwable t) {
        filter(t, new IdentityHashMap<>());
    }

    private static void filter(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return;
        }
        List<StackTraceElement> kept = new ArrayList<>();
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith(RUNTIME_PACKAGE)) {
                break;
            }
            kept.add(jdkFrame(e));
        }
        t.setStackTrace(kept.toArray(new StackTraceElement[0]));
        filter(t.getCause(), seen);
        for (Throwable s : t.getSuppressed()) {
            filter(s, seen);
        }
    }

    private static StackTraceElement jdkFrame(StackTraceElement e) {
        String module = e.getModuleName();
        if (module == null || e.isNativeMethod()
                || !(module.startsWith("java.") || module.startsWith("jdk."))) {
            return e;
        }
        return new StackTraceElement(null, module, null, e.getClassName(), e.getMethodName(),
                null, -1);
    }
}
