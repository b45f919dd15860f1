/**
 * The runtime's own error types and the two shapes every error takes: the body posted to the
 * Runtime API (`{"errorType","errorMessage","trace"}`) and the JSON in an "Invoke Error" log
 * line. After AWS's aws-lambda-nodejs-runtime-interface-client: `Errors.js` (v3, nodejs20.x and
 * 22.x) and `utils/errors.ts`, `utils/error.ts`, `utils/serialize.ts` (v4, nodejs24.x).
 */

import util from 'node:util';

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most ' +
        'commonly caused by a Promise that was never settled. For more information, see ' +
        'https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class CallbackHandlerDeprecated extends Error {}
class JSONStringifyError extends Error {
  constructor(message = 'Unable to stringify response body') {
    super(message);
  }
}
class PlatformError extends Error {}

for (const cls of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  UnhandledPromiseRejection,
  NodeJsExit,
  CallbackHandlerDeprecated,
  JSONStringifyError,
  PlatformError,
]) {
  cls.prototype.name = `Runtime.${cls.name}`; // the stack then reads "Runtime.X: message"
}

export {
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  UnhandledPromiseRejection,
  NodeJsExit,
  CallbackHandlerDeprecated,
  JSONStringifyError,
  PlatformError,
};

/**
 * nodejs24.x's classes set `this.name` in their constructor (v4 `utils/errors.ts`): an own,
 * enumerable property, so it shows in the "Invoke Error" / "Init Error" JSON as `"name"`.
 */
export function v4(error) {
  error.name = error.name; // the prototype's name, copied onto the error itself
  return error;
}

/** nodejs24.x: a syntax error keeps the original stack (v4 `UserCodeSyntaxError`). */
export function syntaxErrorKeepingStack(original) {
  const error = v4(new UserCodeSyntaxError(String(original)));
  error.stack = original.stack;
  return error;
}

function looksLikeError(obj) {
  return Boolean(
    obj &&
      obj.name &&
      obj.message &&
      obj.stack &&
      typeof obj.name === 'string' &&
      typeof obj.message === 'string' &&
      typeof obj.stack === 'string',
  );
}

export function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

/** The body posted to /invocation/{id}/error or /init/error, nodejs20.x and 22.x. */
export function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or ' +
        'more of its message, name, and stack',
    };
  }
}

/** The same for nodejs24.x (v4 `formatError`): only real Errors keep their fields. */
export function formatError(error) {
  try {
    if (error instanceof Error) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack?.replaceAll('\x7F', '%7F').split('\n') || [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or ' +
        'more of its message, name, and stack',
      trace: [],
    };
  }
}

/** An Error's name, message and code are not enumerable: list them, then its own fields. */
function withEnumerableProperties(value) {
  if (value instanceof Error) {
    const ret = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code },
      value,
    );
    if (typeof value.stack === 'string') {
      ret.stack = value.stack.split('\n');
    }
    return ret;
  }
  return value;
}

/** `\t{"errorType":...}`: what follows "Invoke Error " in a Text log line. */
export function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

/** `JSON.stringify(result ?? null)`, or the error Lambda reports for an unserialisable one. */
export function serializeResponse(response) {
  try {
    return JSON.stringify(response === undefined ? null : response);
  } catch {
    throw new Error('Unable to stringify response body');
  }
}
