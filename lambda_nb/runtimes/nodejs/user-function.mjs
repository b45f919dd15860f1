/**
 * Loading the handler named by `_HANDLER` (`[dir/]module.function[.nested]`) from the task
 * root, with the errors Lambda reports at init: Runtime.MalformedHandlerName,
 * Runtime.ImportModuleError, Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound.
 *
 * nodejs20.x/22.x (v3 `UserFunction.js`): an extensionless file or `.js` (unless the nearest
 * package.json says "type": "module") is require()d, then `.mjs` is imported, `.cjs`
 * require()d; otherwise Node's own resolution from the task root. nodejs24.x (v4
 * `function/module-loader.ts`): `import()` of the file, `.js`, `.mjs`, `.cjs` in that order.
 */

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  UserCodeSyntaxError,
  syntaxErrorKeepingStack,
  v4,
} from './errors.mjs';

// require() as if from the runtime's index.mjs: a missing module's "Require stack" then names
// it, as on AWS ("- /var/runtime/index.mjs").
const require = createRequire(new URL('./index.mjs', import.meta.url));
const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

/** `dir/app.handler` -> {moduleRoot: "dir/", module: "app", handlerPath: "handler"}. */
function parseHandler(fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root ` +
        'directories in handler names.',
    );
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = handlerString.match(FUNCTION_EXPR);
  if (!match || match.length !== 3) {
    throw new MalformedHandlerName('Bad handler');
  }
  return { moduleRoot, module: match[1], handlerPath: match[2] };
}

function tryRequire(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

function packageTypeIsModule(folder) {
  if (folder.endsWith('/node_modules')) {
    return false;
  }
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      return JSON.parse(fs.readFileSync(pj)).type === 'module';
    } catch (e) {
      console.warn(
        `${pj} cannot be read, it will be ignored for ES module detection purposes.`,
        e,
      );
      return false;
    }
  }
  return folder === '/' ? false : packageTypeIsModule(path.resolve(folder, '..'));
}

async function loadV3(appRoot, moduleRoot, module) {
  const file = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequire(file);
  if (extensionless) {
    return extensionless;
  }
  const typeModule = packageTypeIsModule(path.dirname(file));
  if (!typeModule) {
    const loaded = tryRequire(`${file}.js`);
    if (loaded) {
      return loaded;
    }
  }
  const loaded =
    (typeModule && (await tryImport(`${file}.js`))) ||
    (await tryImport(`${file}.mjs`)) ||
    tryRequire(`${file}.cjs`);
  if (loaded) {
    return loaded;
  }
  return require(require.resolve(module, { paths: [appRoot, moduleRoot] }));
}

async function loadV4(appRoot, moduleRoot, module) {
  const file = path.resolve(appRoot, moduleRoot, module);
  for (const extension of ['', '.js', '.mjs', '.cjs']) {
    const loaded = await tryImport(`${file}${extension}`);
    if (loaded) {
      return loaded;
    }
  }
  return require(require.resolve(module, { paths: [appRoot, path.join(appRoot, moduleRoot)] }));
}

function findIn(handlerPath, object, modern) {
  const step = modern
    ? (nested, key) => (nested && typeof nested === 'object' ? nested[key] : undefined)
    : (nested, key) => nested && nested[key];
  return handlerPath.split('.').reduce(step, object);
}

/**
 * The handler function, or a Runtime.* error. `modern` selects nodejs24.x's loader (which also
 * looks into a module's `default` export and keeps a syntax error's stack).
 */
export async function loadHandler(appRoot, fullHandler, { modern }) {
  const runtimeError = modern ? v4 : (error) => error;
  let parsed;
  try {
    parsed = parseHandler(fullHandler);
  } catch (e) {
    throw runtimeError(e);
  }
  const { moduleRoot, module, handlerPath } = parsed;
  let userApp;
  try {
    userApp = await (modern ? loadV4 : loadV3)(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw modern ? syntaxErrorKeepingStack(e) : new UserCodeSyntaxError(e);
    }
    if (e?.code === 'MODULE_NOT_FOUND') {
      throw runtimeError(new ImportModuleError(modern ? String(e) : e));
    }
    throw e;
  }
  let handler = findIn(handlerPath, userApp, modern);
  if (!handler && modern && userApp && typeof userApp === 'object' && 'default' in userApp) {
    handler = findIn(handlerPath, userApp.default, modern);
  }
  if (!handler) {
    throw runtimeError(new HandlerNotFound(`${fullHandler} is undefined or not exported`));
  }
  if (typeof handler !== 'function') {
    throw runtimeError(new HandlerNotFound(`${fullHandler} is not a function`));
  }
  return handler;
}

/** What dispatch needs to know about the handler. */
export function handlerMetadata(handler) {
  let isAsync = false;
  try {
    isAsync = handler.constructor?.name === 'AsyncFunction';
  } catch {
    isAsync = false;
  }
  return { isAsync, argsNum: handler.length };
}
