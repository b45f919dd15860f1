/**
 * The Runtime API client: GET /next, POST /response, /error and /init/error on
 * AWS_LAMBDA_RUNTIME_API, over node:http with one keep-alive connection.
 *
 * AWS's client posts responses and errors through a native, blocking call and ignores the
 * answer; ours posts asynchronously, calls back once the platform has answered, and ignores
 * the answer too (a refused post is the platform's business). Every request goes out on one
 * connection, in the order it was made, which keeps AWS's order: a response, then an error a
 * crash posts right after it, then the next /next (the environment is frozen once /next is in
 * and the invocation answered, so nothing may overtake). One difference remains: AWS delivers a
 * response even if the process exits right after `context.succeed(x)`; ours may not be out.
 */

import http from 'node:http';

const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const PREFIX = '/2018-06-01/runtime';

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
  try {
    http.validateHeaderValue(ERROR_TYPE_HEADER, rapidError.errorType);
    return { [ERROR_TYPE_HEADER]: rapidError.errorType };
  } catch {
    return {};
  }
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
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
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
      const request = http.request(
        {
          hostname: this.hostname,
          port: this.port,
          path: `${PREFIX}/invocation/next`,
          method: 'GET',
          agent: this.agent,
        },
        (response) => {
          let data = '';
          response.setEncoding('utf-8');
          response.on('data', (chunk) => {
            data += chunk;
          });
          response.on('end', () => {
            const done = () => resolve({ bodyJson: data, headers: response.headers });
            const debug = response.headers['lambda-nb-debug']; // lambda_nb's own
            if (debug && debug.startsWith('inspector:')) attachInspector(debug).then(done, done);
            else if (debug === 'breakpoint') this.debug(response.headers).then(done, done);
            else done();
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject).end();
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
    this.post(path, bodyString, {}, refusedIsLogged(callback, this.modern));
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
  post(path, bodyString, headers, callback = () => {}) {
    const body = Buffer.from(bodyString, 'utf-8');
    const request = http.request(
      {
        hostname: this.hostname,
        port: this.port,
        path,
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': body.length,
          ...headers,
        },
        agent: this.agent,
      },
      (response) => {
        let answer = '';
        response.setEncoding('utf-8');
        response.on('data', (chunk) => {
          answer += chunk;
        });
        response.on('end', () => callback(response.statusCode, answer));
        response.on('error', (error) => {
          throw error;
        });
      },
    );
    request.on('error', (error) => {
      throw error;
    });
    request.end(body);
  }
}
