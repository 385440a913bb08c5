// Keeps what the Temporal SDK, the dev servers and child workers say out of a passing run (it was
// about 1,400 lines per `npm test`), and prints it under the test that fails. Imported by the files
// that run Temporal; importing it installs the SDK runtime, so it comes before anything else makes one.
import { existsSync, readFileSync } from 'node:fs';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import type { LogEntry, Logger } from '@temporalio/worker';
import { afterEach, beforeEach } from 'vitest';

/** Lines kept for a failure: enough for a test's story, bounded for a long file. */
const KEEP = 5_000;
const lines: string[] = [];
/** Files that collect a child process's output (a dev server's), read when a test fails. */
const files = new Map<string, string>();
/** How many lines were dropped from the front: positions below count every line ever recorded. */
let dropped = 0;
/** Where the current test's lines start: where the previous test's ended. */
let windowStart = 0;

/** Keeps a line (or several) from `source` until the current test is over. */
export function record(source: string, text: string): void {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    lines.push(`[${source}] ${line}`);
  }
  if (lines.length > KEEP) {
    const excess = lines.length - KEEP;
    lines.splice(0, excess);
    dropped += excess;
  }
}

/** A file a child process writes its output to, shown (its last lines) with a failing test. */
export function recordFile(label: string, path: string): void {
  files.set(label, path);
}

function entryLine(entry: LogEntry): string {
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : '';
  return `${entry.level} ${entry.message}${meta}`;
}

/** A logger for the SDK (and MockActivityEnvironment) that records instead of printing. */
export const recordingLogger: Logger = new DefaultLogger('INFO', (entry) => record('sdk', entryLine(entry)));

/** Prints what was recorded from position `from` on (a failing test's lines, its beforeAll's included). */
export function printRecorded(why: string, from = windowStart): void {
  const shown = lines.slice(Math.max(0, from - dropped));
  const out: string[] = [`----- ${why}: ${shown.length} recorded line(s)`];
  out.push(...shown);
  for (const [label, path] of files) {
    if (!existsSync(path)) continue;
    const tail = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-200);
    out.push(`----- ${label} (${path}), last ${tail.length} line(s)`, ...tail);
  }
  out.push('-----');
  process.stderr.write(`${out.join('\n')}\n`);
}

Runtime.install({
  logger: recordingLogger,
  // The Rust core's own log goes to the same logger rather than straight to the console.
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'WARN' }), forward: {} } },
});

beforeEach(({ onTestFailed, task }) => {
  const from = windowStart;
  onTestFailed(() => printRecorded(`Temporal output while "${task.name}" ran`, from));
});
afterEach(() => {
  windowStart = dropped + lines.length;
});
