/**
 * The Runtime API client: GET /next, POST /response, /error and /init/error on
 * AWS_LAMBDA_RUNTIME_API, as HTTP/1.1 on one keep-alive TCP connection (node:net; node:http's
 * agent and parser cost more than the whole round trip on a warm invoke).
 *
 * AWS's client posts responses and errors through a native, blocking call and ignores the
 * answer; ours posts asynchronously, calls back once the platform has answered, and ignores
 * the answer too (a refused post is the platform's business). Every request goes out on one
 * connection, in the order it was made, which keeps AWS's order: a response, then an error a
 * crash posts right after it, then the next /next (the environment is frozen once /next is in
 * and the invocation answered, so nothing may overtake). lambda_nb's own: a small response is
 * pipelined, as the Python client does: its callback runs once it is written, so the next
 * /next follows it at once and the platform reads both together (one round trip per invoke,
 * not two); its answer is read when it comes, and a refusal is logged then. Any other
 * request waits for the answers before it goes out, as with AWS's blocking calls: an error a
 * crash posts is answered (and the process ends) before a /next could freeze it. One difference
 * remains: AWS delivers a response even if the process exits right after
 * `context.succeed(x)`; ours may not be out.
 */

import net from 'node:net';

const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const PREFIX = '/2018-06-01/runtime';
const PIPELINED_MAX = 1024 * 1024; // a response this small cannot be refused for its size (6 MB)
// What node:http refuses in a header value (its checkInvalidHeaderChar); headers are latin1.
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * AWS's native client (aws-lambda-cpp) prints a refused post on stdout, for a response and an
 * error alike, then carries on: `[ERROR] [1737623036474] LAMBDA_RUNTIME Failed to post handler
 * success response. Http response code: 403.`; the one in nodejs24.x's client (v4) adds the
 * platform's answer after a space.
 */
function refusedIsLogged(callback, withBody) {
  return (status, body) => {
    if (status < 200 || status > 299) {
      const answer = withBody ? ` ${body}` : '';
      process.stdout.write(
        `[ERROR] [${Date.now()}] LAMBDA_RUNTIME Failed to post handler success response. ` +
          `Http response code: ${status}.${answer}\n`,
      );
    }
    callback();
  };
}

/** The error type header, left out when the type cannot be a header value. */
function errorTypeHeader(rapidError) {
  const type = rapidError.errorType;
  if (type === undefined || INVALID_HEADER_CHAR.test(type)) return {};
  return { [ERROR_TYPE_HEADER]: type };
}

/**
 * A response's head (status, lower-cased headers as node:http gives them, repeats joined
 * with ', ') and the offset of its body, or null while the head is incomplete.
 */
function parseHead(buffer) {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = buffer.toString('latin1', 0, end).split('\r\n');
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: parseInt(statusLine.split(' ')[1], 10), headers, bodyStart: end + 4 };
}

let inspecting = null; // the port Node's inspector listens on in this process

/**
 * lambda_nb's own, for `debug_port`: Node's inspector on 127.0.0.1:<port> (what an IDE or
 * Chrome DevTools attaches to), opened at the first such invoke, which waits for a debugger.
 */
async function attachInspector(mode) {
  const inspector = await import('node:inspector');
  const port = parseInt(mode.split(':')[1], 10);
  if (inspecting === port) return;
  try {
    inspector.open(port, '127.0.0.1', false);
  } catch (error) {
    process.stderr.write(`debug_port: ${error.message}\n`);
    return;
  }
  inspecting = port;
  const ws = inspector.url().replace('ws://', '');
  process.stderr.write(
    `DevTools: devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${ws}` +
      ` (code in ${process.env.LAMBDA_TASK_ROOT}); waiting for a debugger\n`,
  );
  inspector.waitForDebugger();
}

export class RapidClient {
  /** `modern`: nodejs24.x's client (its refused-post log line carries the answer). */
  constructor(hostPort, { modern = false } = {}) {
    this.modern = modern;
    const [hostname, port] = hostPort.split(':');
    this.hostname = hostname;
    this.port = parseInt(port, 10);
    this.socket = null;
    this.received = Buffer.alloc(0);
    this.waiting = []; // per request sent, in order: `{onAnswer, holds}`
    this.queued = []; // requests not yet sent: each waits for the answers of those that hold
    this.debugging = null; // debug-prompt.mjs while a debugged invoke runs
  }

  /** The next event: `{bodyJson, headers}` (header names in lower case). */
  nextInvocation() {
    if (this.debugging) { // lambda_nb's own: the last invoke was debugged; `debugger;` off
      const debugging = this.debugging;
      this.debugging = null;
      return debugging.end().then(() => this.nextInvocation());
    }
    return new Promise((resolve, reject) => {
      this.request('GET', `${PREFIX}/invocation/next`, null, {}, (error, status, headers, body) => {
        if (error) {
          reject(error);
          return;
        }
        const done = () => resolve({ bodyJson: body.toString('utf-8'), headers });
        const debug = headers['lambda-nb-debug']; // lambda_nb's own
        if (debug && debug.startsWith('inspector:')) attachInspector(debug).then(done, done);
        else if (debug === 'breakpoint') this.debug(headers).then(done, done);
        else done();
      });
    });
  }

  /** lambda_nb's own: `debugger;` stops at the caller's prompt (debug-prompt.mjs). */
  async debug(headers) {
    const prompt = await import('./debug-prompt.mjs');
    await prompt.begin(`${this.hostname}:${this.port}`, headers['lambda-runtime-aws-request-id']);
    this.debugging = prompt;
  }

  postInvocationResponse(bodyString, id, callback) {
    const path = `${PREFIX}/invocation/${encodeURIComponent(id)}/response`;
    const body = Buffer.from(bodyString, 'utf-8');
    if (body.length > PIPELINED_MAX) {
      this.post(path, body, {}, refusedIsLogged(callback, this.modern));
      return;
    }
    // Pipelined: the callback runs once it is written; the answer is read (and a refusal
    // logged) when it comes.
    this.post(path, body, {}, refusedIsLogged(() => {}, this.modern), callback);
  }

  postInvocationError(rapidError, id, callback) {
    const path = `${PREFIX}/invocation/${encodeURIComponent(id)}/error`;
    const headers = errorTypeHeader(rapidError);
    this.post(path, JSON.stringify(rapidError), headers, refusedIsLogged(callback, this.modern));
  }

  postInitError(rapidError, callback) {
    const path = `${PREFIX}/init/error`;
    this.post(path, JSON.stringify(rapidError), errorTypeHeader(rapidError), callback);
  }

  /** POST, then `callback(status, body)` once answered; a broken connection is thrown. */
  post(path, bodyString, headers, callback = () => {}, written = null) {
    const body = typeof bodyString === 'string' ? Buffer.from(bodyString, 'utf-8') : bodyString;
    const allHeaders = { 'Content-Type': 'application/json', 'Content-Length': body.length };
    this.request('POST', path, body, { ...allHeaders, ...headers }, (error, status, _, answer) => {
      if (error) throw error;
      callback(status, answer.toString('utf-8'));
    }, written);
  }

  /**
   * Send one request once no earlier one that holds is unanswered. Every request holds
   * (later ones wait for its answer) except a pipelined one: `written` given, it is called
   * once the request is written, and what follows goes out behind it (HTTP/1.1 pipelining).
   */
  request(method, path, body, headers, onAnswer, written = null) {
    let head = `${method} ${path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    head += `Host: ${this.hostname}:${this.port}\r\nConnection: keep-alive\r\n\r\n`;
    const headBytes = Buffer.from(head, 'latin1');
    const bytes = body === null ? headBytes : Buffer.concat([headBytes, body]);
    this.queued.push({ bytes, onAnswer, written });
    this.flush();
  }

  flush() {
    while (this.queued.length > 0) {
      const { bytes, onAnswer, written } = this.queued[0];
      if (this.waiting.some((sent) => sent.holds)) return;
      this.queued.shift();
      const socket = this.connection();
      socket.ref(); // an unanswered request keeps the process alive, as node:http's does
      this.waiting.push({ onAnswer, holds: written === null });
      socket.write(bytes);
      if (written !== null) written();
    }
  }

  connection() {
    if (this.socket !== null) return this.socket;
    const socket = net.connect({ host: this.hostname, port: this.port, noDelay: true });
    socket.setKeepAlive(true);
    socket.on('data', (chunk) => this.receive(chunk));
    const broken = (error) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.received = Buffer.alloc(0);
      const waiting = this.waiting;
      this.waiting = [];
      for (const { onAnswer } of waiting) onAnswer(error);
    };
    socket.on('error', broken);
    socket.on('close', () => {
      const error = new Error('socket hang up');
      error.code = 'ECONNRESET';
      broken(error);
    });
    this.socket = socket;
    return socket;
  }

  /** Answers come in the order the requests went out; each goes to its request's callback. */
  receive(chunk) {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    while (this.waiting.length > 0) {
      const head = parseHead(this.received);
      if (head === null) return;
      const length = parseInt(head.headers['content-length'] ?? '0', 10);
      const end = head.bodyStart + length;
      if (this.received.length < end) return;
      const body = this.received.subarray(head.bodyStart, end);
      this.received = this.received.subarray(end);
      if (head.status >= 100 && head.status < 200) continue; // 100 Continue: not the answer
      const { onAnswer } = this.waiting.shift();
      if (this.waiting.length === 0) this.socket.unref(); // idle: the loop may drain
      onAnswer(null, head.status, head.headers, body);
      this.flush();
    }
  }
}
