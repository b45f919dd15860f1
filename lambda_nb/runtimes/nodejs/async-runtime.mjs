/**
 * The invoke loop of nodejs24.x (v4 `runtime/runtime.ts`, `lifecycle-manager.ts`,
 * `buffered-invoke-processor.ts`): `result = await handler(event, context)`, then the response,
 * or the error if the handler threw or rejected. No callbacks, no beforeExit, no process-level
 * handlers: an unhandled rejection or uncaught exception is Node's own (printed raw on stderr,
 * exit status 1), and a promise that never settles lets the process end (exit status 0); the
 * platform reports either as Runtime.ExitError and the next invoke initialises again.
 */

import { buildContext } from './context.mjs';
import { JSONStringifyError, formatError, serializeResponse, v4 } from './errors.mjs';
import { logContext } from './log-patch.mjs';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Answers to the Runtime API, each a turn of the event loop after the handler is done. */
class LifecycleManager {
  constructor(client, logError) {
    this.client = client;
    this.logError = logError;
  }

  async next() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    return { context: buildContext(headers), event: JSON.parse(bodyJson) };
  }

  async succeed(id, result) {
    await nextTurn();
    let body;
    try {
      body = serializeResponse(result);
    } catch {
      throw v4(new JSONStringifyError());
    }
    await new Promise((resolve) => this.client.postInvocationResponse(body, id, resolve));
  }

  async fail(id, error) {
    await nextTurn();
    this.logError('Invoke Error', error);
    await new Promise((resolve) =>
      this.client.postInvocationError(formatError(error), id, resolve),
    );
  }
}

/** Named as AWS's: the handler's stack frame reads `at BufferedInvokeProcessor.handler`. */
class BufferedInvokeProcessor {
  constructor(handler, lifecycle) {
    this.handler = handler;
    this.lifecycle = lifecycle;
  }

  async processInvoke(context, event) {
    try {
      const result = await this.handler(event, context);
      await this.lifecycle.succeed(context.awsRequestId, result);
    } catch (err) {
      await this.lifecycle.fail(context.awsRequestId, err);
    }
  }
}

export class AsyncRuntime {
  constructor({ client, handler, logError }) {
    this.lifecycle = new LifecycleManager(client, logError);
    this.processor = new BufferedInvokeProcessor(handler, this.lifecycle);
  }

  async start() {
    for (;;) {
      const { context, event } = await this.lifecycle.next();
      logContext.requestId = context.awsRequestId;
      logContext.tenantId = context.tenantId;
      await this.processor.processInvoke(context, event);
    }
  }
}
