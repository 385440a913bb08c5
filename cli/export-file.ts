// Where a resumed `standing export --output FILE --resume` picks up: the members the file holds
// whole, the configurations it has written, and the byte where its last member's lines begin. Each
// member's lines are written together, so only the last member can be cut short: it is cut off
// and read again. Read a line at a time: the file may hold a large board.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ResumePoint {
  /** Members whose lines are whole in the file (every one but the last). */
  readonly done: ReadonlySet<string>;
  /** Configuration versions the file has written (kept whole before the cut). */
  readonly versions: Set<string>;
  /** Where to cut the file before appending: the start of its last member's lines. */
  readonly keepBytes: number;
}

export async function resumePoint(file: string): Promise<ResumePoint> {
  const done = new Set<string>();
  /** Each version written, and where its line starts: only those before the cut stay. */
  const versionAt = new Map<string, number>();
  let offset = 0;
  let lastMember: string | undefined;
  let lastStart = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const start = offset;
    offset += Buffer.byteLength(line) + 1;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      break; // a line cut short: the end of what was written
    }
    const record = data as {
      configuration?: { version?: unknown };
      configured?: { memberId?: unknown };
      memberId?: unknown;
    };
    if (typeof record.configuration?.version === 'string') {
      if (!versionAt.has(record.configuration.version)) versionAt.set(record.configuration.version, start);
      continue;
    }
    const memberId = typeof record.memberId === 'string' ? record.memberId : record.configured?.memberId;
    if (typeof memberId !== 'string') break;
    if (memberId !== lastMember) {
      if (lastMember !== undefined) done.add(lastMember);
      lastMember = memberId;
      lastStart = start;
    }
  }
  lines.close();
  // No member at all: start again from the beginning.
  const keepBytes = lastMember === undefined ? 0 : lastStart;
  const versions = new Set([...versionAt].filter(([, at]) => at < keepBytes).map(([version]) => version));
  return { done, versions, keepBytes };
}
