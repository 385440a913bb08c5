// A command that did its work but must still exit non-zero (members that differ, members left out)
// says so here; `main` returns it. Not process.exitCode: bin/standing.js sets that from main's result.
let status = 0;

/** Exit with at least `code` once the command is done. */
export function exitWith(code: number): void {
  status = Math.max(status, code);
}

/** The status commands asked for since the last call, cleared (main runs once per command). */
export function takeExitStatus(): number {
  const taken = status;
  status = 0;
  return taken;
}
