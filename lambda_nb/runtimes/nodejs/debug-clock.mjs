/**
 * lambda_nb's own: how long a debugged invocation's program has been stopped at the prompt
 * (debug-prompt.mjs), so that `context.getRemainingTimeInMillis()` stands still meanwhile, as
 * the engine's deadline does. Empty (zero) unless a debugged invoke ever ran.
 */

/** Float64Array over shared memory, written by the debug worker: [ms stopped in stops that
 * ended (the engine's count), Date.now() when the current stop began, or 0]. */
export const shared = { clock: null };

export function pausedMs() {
  const { clock } = shared;
  if (clock === null) return 0;
  const since = clock[1];
  return clock[0] + (since ? Date.now() - since : 0);
}
