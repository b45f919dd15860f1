/* The Context of one invoke, as the RIC's api/LambdaContext (java-runtime.md 3): built fresh for
 * every event from its Runtime API headers; the private field names are the RIC's, since users
 * dump the context with Gson. */
package com.amazonaws.services.lambda.runtime.api.client.lambdanb;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.util.Map;

final class LambdaContext implements Context {
    private final int memoryLimit;
    private final String awsRequestId;
    private final String logGroupName;
    private final String logStreamName;
    private final String functionName;
    private final String functionVersion;
    private final String invokedFunctionArn;
    private final long deadlineTimeInMs;
    private final CognitoIdentity cognitoIdentity;
    private final ClientContext clientContext;
    private final String tenantId;
    private final String xrayTraceId;
    private final transient LambdaLogger logger;

    LambdaContext(Map<String, String> headers, LambdaLogger logger) {
        String memory = System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
        int mb = 128;
        try {
            mb = Integer.parseInt(memory);
        } catch (RuntimeException e) {
            // default 128, as the RIC
        }
        this.memoryLimit = mb;
        this.awsRequestId = headers.get("lambda-runtime-aws-request-id");
        this.logGroupName = System.getenv("AWS_LAMBDA_LOG_GROUP_NAME");
        this.logStreamName = System.getenv("AWS_LAMBDA_LOG_STREAM_NAME");
        this.functionName = System.getenv("AWS_LAMBDA_FUNCTION_NAME");
        this.functionVersion = System.getenv("AWS_LAMBDA_FUNCTION_VERSION");
        this.invokedFunctionArn = headers.get("lambda-runtime-invoked-function-arn");
        long deadline = 0;
        try {
            deadline = Long.parseLong(headers.get("lambda-runtime-deadline-ms"));
        } catch (RuntimeException e) {
            // no deadline: the remaining time reads 0
        }
        this.deadlineTimeInMs = deadline;
        this.cognitoIdentity = identity(headers.get("lambda-runtime-cognito-identity"));
        this.clientContext = client(headers.get("lambda-runtime-client-context"));
        this.tenantId = headers.get("lambda-runtime-aws-tenant-id");
        this.xrayTraceId = headers.get("lambda-runtime-trace-id");
        this.logger = logger;
    }

    private static Map<?, ?> object(String header) {
        if (header == null || header.isEmpty()) {
            return null;
        }
        try {
            Object tree = Json.parse(header);
            return tree instanceof Map ? (Map<?, ?>) tree : null;
        } catch (Json.MappingException e) {
            return null;
        }
    }

    private static String text(Map<?, ?> map, String key) {
        Object value = map == null ? null : map.get(key);
        return value == null ? null : value.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> strings(Object value) {
        if (!(value instanceof Map)) {
            return null;
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) value).entrySet()) {
            out.put(e.getKey(), e.getValue() == null ? null : e.getValue().toString());
        }
        return out;
    }

    private static CognitoIdentity identity(String header) {
        Map<?, ?> map = object(header);
        if (map == null) {
            return null;
        }
        String id = text(map, "cognitoIdentityId");
        String pool = text(map, "cognitoIdentityPoolId");
        return new CognitoIdentity() {
            public String getIdentityId() {
                return id;
            }

            public String getIdentityPoolId() {
                return pool;
            }
        };
    }

    private static ClientContext client(String header) {
        Map<?, ?> map = object(header);
        if (map == null) {
            return null;
        }
        Map<?, ?> c = map.get("client") instanceof Map ? (Map<?, ?>) map.get("client") : null;
        Client client = c == null ? null : new Client() {
            public String getInstallationId() {
                return text(c, "installation_id");
            }

            public String getAppTitle() {
                return text(c, "app_title");
            }

            public String getAppVersionName() {
                return text(c, "app_version_name");
            }

            public String getAppVersionCode() {
                return text(c, "app_version_code");
            }

            public String getAppPackageName() {
                return text(c, "app_package_name");
            }
        };
        Map<String, String> custom = strings(map.get("custom"));
        Map<String, String> env = strings(map.get("env"));
        return new ClientContext() {
            public Client getClient() {
                return client;
            }

            public Map<String, String> getCustom() {
                return custom;
            }

            public Map<String, String> getEnvironment() {
                return env;
            }
        };
    }

    public String getAwsRequestId() {
        return awsRequestId;
    }

    public String getLogGroupName() {
        return logGroupName;
    }

    public String getLogStreamName() {
        return logStreamName;
    }

    public String getFunctionName() {
        return functionName;
    }

    public String getFunctionVersion() {
        return functionVersion;
    }

    public String getInvokedFunctionArn() {
        return invokedFunctionArn;
    }

    public CognitoIdentity getIdentity() {
        return cognitoIdentity;
    }

    public ClientContext getClientContext() {
        return clientContext;
    }

    public int getRemainingTimeInMillis() {
        long left = deadlineTimeInMs - System.currentTimeMillis();
        return left > 0 ? (int) left : 0;
    }

    public int getMemoryLimitInMB() {
        return memoryLimit;
    }

    public LambdaLogger getLogger() {
        return logger;
    }

    public String getTenantId() {
        return tenantId;
    }

    public String getXrayTraceId() {
        return xrayTraceId;
    }
}
