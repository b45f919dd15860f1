/* aws-lambda-java-core's CognitoIdentity (java-runtime.md 3). */
package com.amazonaws.services.lambda.runtime;

public interface CognitoIdentity {
    String getIdentityId();

    String getIdentityPoolId();
}
