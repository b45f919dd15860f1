/**
 * lambda_nb's own: `debugger;` statements stop the handler with a prompt at the caller's (a
 * notebook cell's input box, or the terminal), as `breakpoint()` does in Python. Loaded only
 * for an invoke whose caller asked for it (the event's `Lambda-Nb-Debug: breakpoint` header).
 *
 * The main thread cannot debug itself (it is the one that stops), so a worker thread holds an
 * inspector session to it (`inspector.Session.connectToMainThread()`) and, when the program
 * pauses, runs the prompt: it talks to the engine over the environment's Runtime API endpoint
 * on the same private paths as the Python runtime client (engine/debugger.py):
 * `/lambda-nb/debug/<request id>/stop|resume|read|write`. The engine stops its clock between
 * stop and resume; the worker keeps the context's remaining time frozen meanwhile, through
 * the shared clock below (context.mjs reads it).
 *
 * The debugger is on only during a debugged invoke: elsewhere `debugger;` does nothing, as on
 * AWS (no inspector session).
 */

import http from 'node:http';
import { Worker } from 'node:worker_threads';

import { shared } from './debug-clock.mjs';

let clock = null;
let worker = null;
let active = false;

function ask(message) {
  return new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(message);
  });
}

/** A call on the debug channel from this thread; the engine's count of time stopped. */
function call(address, requestId, kind) {
  const [hostname, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const path = `/lambda-nb/debug/${encodeURIComponent(requestId)}/${kind}`;
    const options = { hostname, port: parseInt(port, 10), path, method: 'POST' };
    const request = http.request({ ...options, headers: { 'Content-Length': 0 } }, (response) => {
      const paused = parseInt(response.headers['lambda-nb-paused-ms'] ?? '0', 10);
      response.resume();
      response.on('end', () => resolve(paused));
    });
    request.on('error', reject).end();
  });
}

/** Before the handler of a debugged invoke: the worker's session on, `debugger;` stops. The
 * set-up (a worker, the inspector's view of every script) is the debugger's time, not the
 * function's: the clock is stopped meanwhile, as the Python client stops it to import pdb. */
export async function begin(address, requestId) {
  await call(address, requestId, 'stop');
  if (worker === null) {
    const util = await import('node:util');
    // what `p EXPR` prints a value with, reachable from an evaluation in the paused frame
    globalThis[Symbol.for('lambda_nb.inspect')] = (value) =>
      util.inspect(value, { depth: 4, breakLength: 100 });
    clock = new Float64Array(new SharedArrayBuffer(16));
    shared.clock = clock;
    const here = new URL('.', import.meta.url).href;
    worker = new Worker(new URL('./debug-worker.mjs', import.meta.url), {
      workerData: { clock: clock.buffer, address, here },
    });
    worker.unref(); // the worker never keeps the process alive (beforeExit still fires)
  }
  active = true;
  await ask({ kind: 'begin', requestId });
  clock[0] = await call(address, requestId, 'resume');
  clock[1] = 0;
}

/** Before the next GET /next: `debugger;` is a no-op again, and the clock runs. */
export async function end() {
  if (!active) return;
  active = false;
  await ask({ kind: 'end' });
  clock[0] = 0;
  clock[1] = 0;
}
