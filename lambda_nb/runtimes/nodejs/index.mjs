/**
 * lambda_nb's Node.js runtime client: what `node` runs inside a local execution environment
 * (started by ./bootstrap, with the environment Lambda gives a runtime: AWS_LAMBDA_RUNTIME_API,
 * _HANDLER, LAMBDA_TASK_ROOT, _LAMBDA_TELEMETRY_LOG_FD, AWS_EXECUTION_ENV, ...). Plain ES
 * modules, no dependencies, node >= 18.
 *
 * It is the counterpart of AWS's aws-lambda-nodejs-runtime-interface-client and follows it to
 * the character, in its two generations:
 *   nodejs20.x, 22.x  v3: callbacks, context.succeed/fail/done, beforeExit  (callback-runtime)
 *   nodejs24.x        v4: async handlers only                              (async-runtime)
 *
 * Init errors (module not found, syntax error, handler missing, bad handler name) are logged,
 * posted to /init/error and end the process: v3 as an "Uncaught Exception", exit 129; v4 as an
 * "Init Error", then Node's own crash, exit 1.
 */

import { AsyncRuntime } from './async-runtime.mjs';
import { Runtime, beforeExit } from './callback-runtime.mjs';
import {
  CallbackHandlerDeprecated,
  UnhandledPromiseRejection,
  formatError,
  toRapidResponse,
  v4,
} from './errors.mjs';
import { patchConsole } from './log-patch.mjs';
import { RapidClient } from './rapid-client.mjs';
import { handlerMetadata, loadHandler } from './user-function.mjs';

const CALLBACK_WARNING =
  'AWS Lambda plans to remove support for callback-based function handlers starting with ' +
  'Node.js 24. You will need to update this function to use an async handler to use Node.js ' +
  '24 or later. For more information and to provide feedback on this change, see ' +
  'https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable ' +
  'this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.';
const CALLBACK_REMOVED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with ' +
  'Node.js 24. You need to modify this function to use a supported handler signature to use ' +
  'Node.js 24 or later. For more information see ' +
  'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/** The runtime generation, from AWS_EXECUTION_ENV (`AWS_Lambda_nodejs22.x` -> 22). */
function runtimeMajor() {
  const match = /^AWS_Lambda_nodejs(\d+)\.x$/.exec(process.env.AWS_EXECUTION_ENV ?? '');
  return match ? parseInt(match[1], 10) : 22;
}

function taskRoot() {
  return process.env.LAMBDA_TASK_ROOT || process.cwd();
}

/** nodejs20.x and 22.x (v3 `index.mjs` `run`). */
async function run() {
  const logError = patchConsole({ requestIdBeforeInvoke: undefined });
  const client = new RapidClient(process.env.AWS_LAMBDA_RUNTIME_API);
  // Until the first invoke a crash is an init error; each invoke re-points these.
  const errorCallbacks = {
    uncaughtException: (error) => {
      client.postInitError(toRapidResponse(error), () => process.exit(129));
    },
    unhandledRejection: (error) => {
      client.postInitError(toRapidResponse(error), () => process.exit(128));
    },
  };
  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  beforeExit.reset();
  process.on('beforeExit', beforeExit.invoke);

  const handler = await loadHandler(taskRoot(), process.env._HANDLER, { modern: false });
  const metadata = handlerMetadata(handler);
  if (
    process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined &&
    metadata.argsNum === 3 &&
    !metadata.isAsync
  ) {
    console.warn(CALLBACK_WARNING);
  }
  new Runtime({ client, handler, metadata, errorCallbacks, logError }).scheduleIteration();
}

/** nodejs24.x (v4 `createRuntime` + `Runtime.start`). */
async function ignition() {
  const logError = patchConsole({ requestIdBeforeInvoke: '-' });
  const client = new RapidClient(process.env.AWS_LAMBDA_RUNTIME_API, { modern: true });
  let handler;
  try {
    handler = await loadHandler(taskRoot(), process.env._HANDLER, { modern: true });
    if (handlerMetadata(handler).argsNum >= 3) {
      throw v4(new CallbackHandlerDeprecated(CALLBACK_REMOVED));
    }
  } catch (error) {
    logError('Init Error', error);
    await new Promise((resolve) => client.postInitError(formatError(error), resolve));
    throw error;
  }
  await new AsyncRuntime({ client, handler, logError }).start();
}

if (runtimeMajor() >= 24) {
  ignition(); // not awaited, as AWS's: a rejection is Node's unhandled rejection (exit 1)
} else {
  await run(); // a rejection here reaches the 'uncaughtException' listener, as on AWS
}
