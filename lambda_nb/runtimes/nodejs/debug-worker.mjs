/**
 * The worker thread of debug-prompt.mjs: an inspector session on the main thread, and the
 * prompt it runs while the main thread is paused. Commands (a small, pdb-like set):
 *   c              continue          n   step over (next line)     s   step into
 *   p EXPR         print EXPR, evaluated in the current frame (util.inspect)
 *   bt             the stack (the function's frames; the runtime client's are left out)
 *   l              the source around the current line
 * An empty line repeats the last command; end of input (Ctrl-D) continues.
 */

import http from 'node:http';
import inspector from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';

const PREFIX = '/lambda-nb/debug/';
const PROMPT = 'debug> ';
const HELP = 'commands: c (continue), n (next), s (step), p EXPR, bt, l';
const clock = new Float64Array(workerData.clock);
const [hostname, port] = workerData.address.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const session = new inspector.Session();
session.connectToMainThread();

let requestId = null;
const sources = new Map(); // scriptId -> lines
const urls = new Map(); // scriptId -> url (a call frame's own `url` is deprecated, often '')
session.on('Debugger.scriptParsed', ({ params }) => urls.set(params.scriptId, params.url));

function post(method, params = {}) {
  return new Promise((resolve, reject) => {
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** A call on the debug channel: the engine's reply (body, and whether input ended). */
function call(kind, text = '') {
  const body = Buffer.from(text, 'utf-8');
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        hostname,
        port: parseInt(port, 10),
        method: 'POST',
        agent,
        path: `${PREFIX}${encodeURIComponent(requestId)}/${kind}`,
        headers: { 'Content-Length': body.length },
      },
      (response) => {
        let answer = '';
        response.setEncoding('utf-8');
        response.on('data', (chunk) => {
          answer += chunk;
        });
        response.on('end', () => {
          const paused = response.headers['lambda-nb-paused-ms'];
          if (paused) clock[0] = parseInt(paused, 10);
          if (response.statusCode !== 200) {
            reject(new Error(`debug channel: HTTP ${response.statusCode}`));
          } else {
            resolve({ line: answer, eof: Boolean(response.headers['lambda-nb-eof']) });
          }
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject).end(body);
  });
}

function urlOf(frame) {
  return frame.url || urls.get(frame.location.scriptId) || '';
}

/** The function's own frames: not the runtime client's, nor Node's internals. */
function mine(frame) {
  const url = urlOf(frame);
  return url !== '' && !url.startsWith(workerData.here) && !url.startsWith('node:');
}

async function sourceLines(scriptId) {
  if (!sources.has(scriptId)) {
    const { scriptSource } = await post('Debugger.getScriptSource', { scriptId });
    sources.set(scriptId, scriptSource.split('\n'));
  }
  return sources.get(scriptId);
}

function path(url) {
  return url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
}

async function where(frame, mark = '> ') {
  const { scriptId, lineNumber } = frame.location;
  const lines = await sourceLines(scriptId);
  const name = frame.functionName || '<anonymous>';
  const line = (lines[lineNumber] ?? '').trim();
  return `${mark}${path(urlOf(frame))}(${lineNumber + 1})${name}()\n-> ${line}\n`;
}

async function list(frame) {
  const { scriptId, lineNumber } = frame.location;
  const lines = await sourceLines(scriptId);
  const first = Math.max(0, lineNumber - 5);
  const last = Math.min(lines.length, lineNumber + 6);
  let text = '';
  for (let i = first; i < last; i += 1) {
    const number = String(i + 1).padStart(3);
    text += `${number} ${i === lineNumber ? '->' : '  '}\t${lines[i]}\n`;
  }
  return text;
}

async function print(frame, expression) {
  const { result, exceptionDetails } = await post('Debugger.evaluateOnCallFrame', {
    callFrameId: frame.callFrameId,
    expression: `globalThis[Symbol.for('lambda_nb.inspect')]((${expression}\n))`,
    returnByValue: true,
  });
  if (exceptionDetails) {
    const thrown = exceptionDetails.exception;
    const text = thrown?.description ?? thrown?.value ?? exceptionDetails.text;
    return `*** ${String(text).split('\n')[0]}\n`;
  }
  return `${result.value}\n`;
}

/** The prompt, while the main thread is paused: until a command lets it run again. */
async function paused({ params }) {
  if (requestId === null) {
    await post('Debugger.resume');
    return;
  }
  const frames = params.callFrames.filter(mine);
  if (!mine(params.callFrames[0])) {
    // stepped out of the function (into the runtime client's code): let it go
    await post('Debugger.resume');
    return;
  }
  clock[1] = Date.now();
  let output = '';
  let last = '';
  try {
    await call('stop');
    output = await where(frames[0]);
    for (;;) {
      const { line, eof } = await call('read', output + PROMPT);
      output = '';
      let command = eof ? 'c' : line.trim();
      if (command === '') command = last;
      last = command;
      const [verb, ...rest] = command.split(/\s+/);
      const argument = command.slice(verb.length).trim();
      if (['c', 'cont', 'continue'].includes(verb)) return await go('Debugger.resume');
      if (['n', 'next'].includes(verb)) return await go('Debugger.stepOver');
      if (['s', 'step'].includes(verb)) return await go('Debugger.stepInto');
      if (['p', 'print'].includes(verb) && rest.length > 0) {
        output = await print(frames[0], argument);
      } else if (['bt', 'w', 'where', 'backtrace'].includes(verb)) {
        for (let i = frames.length - 1; i >= 0; i -= 1) {
          output += await where(frames[i], i === 0 ? '> ' : '  ');
        }
      } else if (['l', 'list'].includes(verb)) {
        output = await list(frames[0]);
      } else {
        output = `*** unknown command: ${command}; ${HELP}\n`;
      }
    }
  } catch (error) {
    // the invocation is over (aborted, closed): let the program go
    await post('Debugger.resume').catch(() => {});
  }
}

/** Resume (or step): the engine's clock first, then the program. */
async function go(method) {
  clock[1] = 0;
  await call('resume').catch(() => {});
  await post(method);
}

session.on('Debugger.paused', (message) => {
  paused(message);
});

parentPort.on('message', async (message) => {
  if (message.kind === 'begin') {
    requestId = message.requestId;
    await post('Debugger.enable');
    // stepping never stops in the runtime client or Node's internals
    const here = workerData.here.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await post('Debugger.setBlackboxPatterns', { patterns: [`^${here}`, '^node:'] });
  } else {
    requestId = null;
    sources.clear();
    await post('Debugger.disable');
  }
  parentPort.postMessage('ok');
});
