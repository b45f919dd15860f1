/* The public API of aws-lambda-java-core, re-declared with AWS's names and signatures so that a
 * handler compiles unchanged here and on AWS (java-runtime.md 3, 8.1). */
package com.amazonaws.services.lambda.runtime;

public interface Context {
    String getAwsRequestId();

    String getLogGroupName();

    String getLogStreamName();

    String getFunctionName();

    String getFunctionVersion();

    String getInvokedFunctionArn();

    CognitoIdentity getIdentity();

    ClientContext getClientContext();

    int getRemainingTimeInMillis();

    int getMemoryLimitInMB();

    LambdaLogger getLogger();

    default String getTenantId() {
        return null;
    }

    default String getXrayTraceId() {
        return null;
    }
}
