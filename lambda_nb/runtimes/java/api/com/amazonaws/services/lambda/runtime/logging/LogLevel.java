/* aws-lambda-java-core's LogLevel; the ordinals are the telemetry frame's level bits
 * (java-runtime.md 6.1). */
package com.amazonaws.services.lambda.runtime.logging;

public enum LogLevel {
    UNDEFINED,
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR,
    FATAL;

    public static LogLevel fromString(String logLevel) {
        try {
            return LogLevel.valueOf(logLevel.toUpperCase());
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "Invalid log level: '"
                            + logLevel
                            + "' expected one of [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]");
        }
    }
}
