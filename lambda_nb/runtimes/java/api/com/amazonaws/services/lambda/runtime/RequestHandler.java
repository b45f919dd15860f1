/* aws-lambda-java-core's RequestHandler (java-runtime.md 2.3). */
package com.amazonaws.services.lambda.runtime;

public interface RequestHandler<I, O> {
    O handleRequest(I input, Context context);
}
