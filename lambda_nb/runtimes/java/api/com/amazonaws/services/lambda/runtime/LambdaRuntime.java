/* aws-lambda-java-core's LambdaRuntime: the process-wide logger, which prints to System.out
 * until the runtime client installs its own (before the handler class loads; java-runtime.md 3). */
package com.amazonaws.services.lambda.runtime;

import java.nio.charset.StandardCharsets;

public final class LambdaRuntime {
    private LambdaRuntime() {}

    private static volatile LambdaLogger logger =
            new LambdaLogger() {
                public void log(String message) {
                    System.out.print(message);
                }

                public void log(byte[] message) {
                    System.out.print(new String(message, StandardCharsets.UTF_8));
                }
            };

    public static LambdaLogger getLogger() {
        return logger;
    }
}
