/**
 * The `context` object handed to the handler, built from the invoke's headers and the
 * environment, as nodejs20.x/22.x (v3 `InvokeContext.js`) and nodejs24.x (v4
 * `context/context-builder.ts`) build it. The key order matters: `JSON.stringify(context)`
 * shows it.
 */

import { pausedMs } from './debug-clock.mjs';
import { PlatformError, v4 } from './errors.mjs';
import { logContext } from './log-patch.mjs';

const HEADER = {
  clientContext: 'lambda-runtime-client-context',
  cognitoIdentity: 'lambda-runtime-cognito-identity',
  arn: 'lambda-runtime-invoked-function-arn',
  requestId: 'lambda-runtime-aws-request-id',
  deadlineMs: 'lambda-runtime-deadline-ms',
  traceId: 'lambda-runtime-trace-id',
  tenantId: 'lambda-runtime-aws-tenant-id',
};
const REQUIRED_ENV = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
];
const W3C_FIELDS = ['traceparent', 'tracestate', 'baggage'];

function lowercaseKeys(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** `_X_AMZN_TRACE_ID` follows each invoke's trace header, and is removed when there is none. */
function forwardXRay(headers) {
  if (headers[HEADER.traceId]) {
    process.env._X_AMZN_TRACE_ID = headers[HEADER.traceId];
  } else {
    delete process.env._X_AMZN_TRACE_ID;
  }
}

/** nodejs20.x and 22.x: the invoke's data, attached to the callback context. */
export class InvokeContext {
  constructor(headers) {
    this.headers = lowercaseKeys(headers);
  }

  get invokeId() {
    const id = this.headers[HEADER.requestId];
    if (!id) {
      throw new Error('invocation id is missing or invalid');
    }
    return id;
  }

  updateLoggingContext() {
    logContext.requestId = this.invokeId;
    logContext.tenantId = this.headers[HEADER.tenantId];
  }

  /** May throw if a JSON header is malformed (`Cannot parse ClientContext as json: ...`). */
  attachEnvironmentData(callbackContext) {
    forwardXRay(this.headers);
    const deadline = this.headers[HEADER.deadlineMs];
    return Object.assign(
      callbackContext,
      {
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      },
      {
        clientContext: parseJsonV3(this.headers[HEADER.clientContext], 'ClientContext'),
        identity: parseJsonV3(this.headers[HEADER.cognitoIdentity], 'CognitoIdentity'),
        invokedFunctionArn: this.headers[HEADER.arn],
        awsRequestId: this.headers[HEADER.requestId],
        tenantId: this.headers[HEADER.tenantId],
        getRemainingTimeInMillis() {
          // not clamped: negative once past the deadline; lambda_nb's own: frozen while
          // stopped at a debug prompt (debug-clock.mjs)
          return deadline - Date.now() + pausedMs();
        },
      },
    );
  }
}

function parseJsonV3(text, name) {
  if (text === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

/** nodejs24.x: a plain object with xRayTraceId and w3c(); no callback members. */
export function buildContext(rawHeaders) {
  const missing = REQUIRED_ENV.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    const names = missing.join(', ');
    throw v4(new PlatformError(`Missing required environment variables: ${names}`));
  }
  const headers = lowercaseKeys(rawHeaders);
  const absent = [HEADER.arn, HEADER.requestId, HEADER.deadlineMs].filter((h) => !(h in headers));
  if (absent.length > 0) {
    throw v4(new PlatformError(`Missing required headers: ${absent.join(', ')}`));
  }
  const deadline = parseInt(headers[HEADER.deadlineMs], 10);
  if (Number.isNaN(deadline)) {
    throw v4(new PlatformError('Invalid deadline timestamp'));
  }
  const clientContext = parseJsonV4(headers[HEADER.clientContext], HEADER.clientContext);
  const w3cFields = extractW3c(clientContext);
  const context = {
    clientContext,
    identity: parseJsonV4(headers[HEADER.cognitoIdentity], HEADER.cognitoIdentity),
    invokedFunctionArn: headers[HEADER.arn],
    awsRequestId: headers[HEADER.requestId],
    tenantId: headers[HEADER.tenantId],
    xRayTraceId: headers[HEADER.traceId],
    getRemainingTimeInMillis() {
      return deadline - Date.now() + pausedMs(); // pausedMs: lambda_nb's debug prompt
    },
    w3c() {
      return w3cFields;
    },
  };
  forwardXRay(headers);
  return Object.assign(context, {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  });
}

function parseJsonV4(text, name) {
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw v4(new PlatformError(`Failed to parse ${name} as JSON: ${error.message}`));
  }
}

/** Pull `w3c` out of the client context: a frozen copy of its string trace fields. */
function extractW3c(clientContext) {
  if (!clientContext || typeof clientContext !== 'object' || !('w3c' in clientContext)) {
    return Object.freeze({});
  }
  const raw = clientContext.w3c;
  delete clientContext.w3c;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return Object.freeze({});
  }
  const fields = {};
  for (const key of W3C_FIELDS) {
    if (typeof raw[key] === 'string') {
      fields[key] = raw[key];
    }
  }
  return Object.freeze(fields);
}
