/**
 * console.* as Lambda's Node.js runtimes patch it (v3 `LogPatch.js`, v4 `logging/`):
 *
 *   Text: `${ISO time}\t${requestId}\t${LEVEL}\t${util.format(...args)}\n`
 *   JSON: {"timestamp":...,"level":...,"requestId":...[,"tenantId":...],"message":...}
 *
 * Each call is one telemetry frame on `_LAMBDA_TELEMETRY_LOG_FD` (4-byte type 0xA55A0003 for
 * Text or 0xA55A0002 for JSON, OR-ed with the level's mask; 4-byte length; 8-byte µs time;
 * message; big-endian), so a multi-line message stays one CloudWatch record. Without the fd
 * the line goes to stdout with its newlines turned into `\r`. AWS_LAMBDA_LOG_LEVEL drops the
 * levels below it (default TRACE: nothing dropped); console.fatal is never dropped.
 */

import fs from 'node:fs';
import util from 'node:util';

import { intoError, toFormatted } from './errors.mjs';

const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1, tlvMask: 0b00100 },
  DEBUG: { name: 'DEBUG', priority: 2, tlvMask: 0b01000 },
  INFO: { name: 'INFO', priority: 3, tlvMask: 0b01100 },
  WARN: { name: 'WARN', priority: 4, tlvMask: 0b10000 },
  ERROR: { name: 'ERROR', priority: 5, tlvMask: 0b10100 },
  FATAL: { name: 'FATAL', priority: 6, tlvMask: 0b11000 },
});
const FRAME_TEXT = 0xa55a0003;
const FRAME_JSON = 0xa55a0002;

/**
 * Who is being served: the request id and tenant id the lines carry. Before the first invoke
 * nodejs20.x/22.x print `undefined` (CAP-NODE18), nodejs24.x prints `-` (its InvokeStore); both
 * keep the last invoke's ids afterwards (e.g. for a timer that fires later).
 */
export const logContext = { requestId: undefined, tenantId: undefined };

function jsonErrorReplacer(_key, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function formatJson(timestamp, level, args) {
  const result = { timestamp, level: level.name, requestId: logContext.requestId };
  if (logContext.tenantId) {
    result.tenantId = logContext.tenantId;
  }
  if (args.length === 1) {
    result.message = args[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(...args);
  const error = args.find((arg) => arg instanceof Error);
  if (error) {
    result.errorType = error?.constructor?.name ?? 'UnknownError';
    result.errorMessage = error.message;
    result.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(result);
}

function formatText(timestamp, level, args) {
  return `${timestamp}\t${logContext.requestId}\t${level.name}\t${util.format(...args)}\n`;
}

function telemetryWriter(fd, json) {
  const header = Buffer.alloc(16);
  return (level, now, line) => {
    header.writeUInt32BE(((json ? FRAME_JSON : FRAME_TEXT) | level.tlvMask) >>> 0, 0);
    const body = Buffer.from(line, 'utf8');
    header.writeInt32BE(body.length, 4);
    header.writeBigInt64BE(BigInt(now.valueOf()) * 1000n, 8);
    // One write, not AWS's two: the pipe is stdout's too (the engine keeps print and log
    // order by it), and a write up to PIPE_BUF cannot be split by a child's output.
    fs.writeSync(fd, Buffer.concat([header, body]));
  };
}

function stdoutWriter(json) {
  return (_level, _now, line) => {
    const text = json ? line : line.slice(0, -1);
    process.stdout.write(text.replace(/\n/g, '\r') + '\n');
  };
}

/** Take the telemetry fd out of the environment (the function must not see it). */
function consumeTelemetryFd() {
  const raw = process.env._LAMBDA_TELEMETRY_LOG_FD;
  delete process.env._LAMBDA_TELEMETRY_LOG_FD;
  const fd = Number(raw);
  return raw !== undefined && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

/**
 * Patch console.* and return `logError(label, error)`, the runtime's own error line:
 * Text `label \t{"errorType":...,"stack":[...]}` or, in JSON, the error as the message.
 */
export function patchConsole({ requestIdBeforeInvoke }) {
  logContext.requestId = requestIdBeforeInvoke;
  const json = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const minimum = LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const fd = consumeTelemetryFd();
  const write = fd === undefined ? stdoutWriter(json) : telemetryWriter(fd, json);
  const format = json ? formatJson : formatText;
  const noop = () => {};
  const logger = (level) => {
    if (level.priority < minimum.priority) {
      return noop;
    }
    // (message, ...params): `console.log()` prints "undefined", as util.format(undefined) does.
    return (message, ...params) => {
      const now = new Date();
      write(level, now, format(now.toISOString(), level, [message, ...params]));
    };
  };
  console.trace = logger(LEVELS.TRACE);
  console.debug = logger(LEVELS.DEBUG);
  console.info = logger(LEVELS.INFO);
  console.log = console.info;
  console.warn = logger(LEVELS.WARN);
  console.error = logger(LEVELS.ERROR);
  console.fatal = logger(LEVELS.FATAL);
  return json
    ? (_label, error) => console.error(intoError(error))
    : (label, error) => console.error(label, toFormatted(intoError(error)));
}
