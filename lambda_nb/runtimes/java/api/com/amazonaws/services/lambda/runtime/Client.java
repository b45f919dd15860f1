/* aws-lambda-java-core's Client (java-runtime.md 3). */
package com.amazonaws.services.lambda.runtime;

public interface Client {
    String getInstallationId();

    String getAppTitle();

    String getAppVersionName();

    String getAppVersionCode();

    String getAppPackageName();
}
