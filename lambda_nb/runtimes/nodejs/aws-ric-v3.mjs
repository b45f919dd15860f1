/**
 * Runs AWS's own v3 runtime client (npm aws-lambda-ric 3.x, nodejs20.x/22.x) the way the
 * managed runtime's /var/runtime/index.mjs does: `await run(LAMBDA_TASK_ROOT, _HANDLER)`.
 * Usage: node aws-ric-v3.mjs /path/to/aws-lambda-ric/dist/index.mjs
 */

import { pathToFileURL } from 'node:url';

const { run } = await import(pathToFileURL(process.argv[2]).href);
await run(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);
