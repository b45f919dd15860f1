/**
 * The invoke loop of nodejs20.x and nodejs22.x (v3 `Runtime.js`, `CallbackContext.js`,
 * `BeforeExitListener.js`): the handler is called as `handler(event, context, callback)`.
 *
 * - callback, context.succeed/fail/done and a returned promise share one "first call wins"
 *   flag; later calls do nothing.
 * - callback(null, result) waits for the event loop to drain (`beforeExit`) unless
 *   `context.callbackWaitsForEmptyEventLoop` is false; succeed/done answer at once.
 * - If nothing answers and the loop drains: a non-async handler answers `null`; an async one
 *   whose promise never settled fails with Runtime.NodeJsExit (and the environment is kept).
 * - An uncaught exception or unhandled rejection during an invoke posts the error and ends
 *   the process (exit 129 / 128): the next invoke initialises again.
 */

import { InvokeContext } from './context.mjs';
import { NodeJsExit, serializeResponse, toRapidResponse } from './errors.mjs';

const LISTENER = Symbol.for('aws.lambda.beforeExit');
const NO_OP = () => {};

/** The single `beforeExit` action; `process.on('beforeExit', beforeExit.invoke)`. */
export const beforeExit = {
  invoke: () => globalThis[LISTENER](),
  reset: () => {
    globalThis[LISTENER] = NO_OP;
  },
  set: (listener) => {
    globalThis[LISTENER] = listener;
  },
};

function rawCallbackContext(client, id, scheduleNext, logError) {
  const postError = (err, callback) => {
    logError('Invoke Error', err);
    client.postInvocationError(toRapidResponse(err), id, callback);
  };

  let isCompleteInvoked = false;
  const complete = (result, callback) => {
    if (isCompleteInvoked) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once ' +
          'per invocation.',
      );
      return;
    }
    isCompleteInvoked = true;
    // Throws (synchronously, as AWS's does) for a result JSON cannot represent.
    client.postInvocationResponse(serializeResponse(result), id, callback);
  };

  let waitForEmptyEventLoop = true;

  const callback = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      beforeExit.set(() => {
        setImmediate(() => {
          complete(result, scheduleNext);
        });
      });
    }
  };

  const done = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      complete(result, scheduleNext);
    }
  };
  const succeed = (result) => {
    done(null, result);
  };
  const fail = (err) => {
    if (err === undefined || err === null) {
      done('handled');
    } else {
      done(err, null);
    }
  };

  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed,
    fail,
    done,
  };
  const markCompleted = () => {
    isCompleteInvoked = true;
  };
  return [callback, callbackContext, markCompleted];
}

/** callback, succeed, fail and done: only the first call of any of them counts. */
function buildCallbackContext(client, id, scheduleNext, logError) {
  const [callback, callbackContext, markCompleted] = rawCallbackContext(
    client,
    id,
    scheduleNext,
    logError,
  );
  let finished = false;
  const onlyAllowFirstCall = (toWrap) =>
    function (...args) {
      if (!finished) {
        toWrap(...args);
        finished = true; // not reached if toWrap throws: a later fail() still reports
      }
    };
  callbackContext.succeed = onlyAllowFirstCall(callbackContext.succeed);
  callbackContext.fail = onlyAllowFirstCall(callbackContext.fail);
  callbackContext.done = onlyAllowFirstCall(callbackContext.done);
  return [onlyAllowFirstCall(callback), callbackContext, markCompleted];
}

function isPromise(obj) {
  return obj && obj.then && typeof obj.then === 'function';
}

/** Named `Runtime` as AWS's: the handler's stack frame reads `at Runtime.handler (...)`. */
export class Runtime {
  constructor({ client, handler, metadata, errorCallbacks, logError }) {
    this.client = client;
    this.handler = handler;
    this.metadata = metadata;
    this.errorCallbacks = errorCallbacks;
    this.logError = logError;
  }

  /** Start the next iteration at the beginning of the next turn of the event loop. */
  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().then(
        () => {},
        (err) => {
          console.log(`Unexpected Top Level Error: ${err.toString()}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  async handleOnce() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const id = invokeContext.invokeId;
    const [callback, callbackContext, markCompleted] = buildCallbackContext(
      this.client,
      id,
      this.scheduleIteration.bind(this),
      this.logError,
    );
    try {
      this.setErrorCallbacks(id);
      this.setDefaultExitListener(id, markCompleted);
      const result = this.handler(
        JSON.parse(bodyJson),
        invokeContext.attachEnvironmentData(callbackContext),
        callback,
      );
      if (isPromise(result)) {
        result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  /** From now on a crash reports to this invocation, then ends the process. */
  setErrorCallbacks(id) {
    this.errorCallbacks.uncaughtException = (error) => {
      this.client.postInvocationError(toRapidResponse(error), id, () => process.exit(129));
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      this.client.postInvocationError(toRapidResponse(error), id, () => process.exit(128));
    };
  }

  /** What happens if the event loop drains and nothing has answered this invocation. */
  setDefaultExitListener(id, markCompleted) {
    beforeExit.set(() => {
      markCompleted();
      if (this.metadata.isAsync) {
        const error = new NodeJsExit();
        this.logError('Invoke Error', error);
        this.client.postInvocationError(toRapidResponse(error), id, () =>
          this.scheduleIteration(),
        );
      } else {
        this.client.postInvocationResponse('null', id, () => this.scheduleIteration());
      }
    });
  }
}
