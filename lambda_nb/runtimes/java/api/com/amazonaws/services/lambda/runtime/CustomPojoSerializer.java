/* aws-lambda-java-core's CustomPojoSerializer (java-runtime.md 2.8). lambda_nb's client does not
 * look for one yet: handlers that declare one compile, and the built-in codec is used. */
package com.amazonaws.services.lambda.runtime;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;

public interface CustomPojoSerializer {
    <T> T fromJson(InputStream input, Type type);

    <T> T fromJson(String input, Type type);

    <T> void toJson(T value, OutputStream output, Type type);
}
