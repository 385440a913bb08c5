// The simulators' state, kept on disk so a restarted simulator remembers what it was told: a
// snapshot (the state file) plus an append-only journal beside it (<file>.log, JSON Lines), so a
// request costs one appended line however large the board, not a rewrite of every record.
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { SimulatedProvider } from './rules.js';

export interface MemberRecord {
  readonly status: string;
  readonly updatedAt: string;
}

export interface StoredResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

export interface LoggedRequest {
  readonly at: string;
  readonly provider: string;
  readonly method: string;
  readonly url: string;
  readonly idempotencyKey: string | null;
  readonly statusCode: number;
  /** The status a write asked for. */
  readonly requested?: string;
  /** A write answered from the idempotency store: not applied again. */
  readonly replayed?: boolean;
  /** Who called: the association the caller said it acts for (its X-Association-Id header), if any. */
  readonly association: string | null;
  /** And the credential it presented, as a fingerprint (never the key itself): null when it sent none. */
  readonly credential: string | null;
}

export interface SimulatorState {
  records: Record<SimulatedProvider, Record<string, MemberRecord>>;
  /** Responses by idempotency key, per provider: a retried write gets the first answer, applied once. */
  idempotency: Record<SimulatedProvider, Record<string, StoredResponse>>;
  /** The latest requests, oldest first, at most MAX_LOGGED. */
  requests: LoggedRequest[];
}

/** How many requests the log keeps (in memory, and in the snapshot). */
export const MAX_LOGGED = 10_000;

/** What a write did: the answer kept for its idempotency key, and the record it set when it was accepted. */
export interface JournalWrite {
  readonly provider: SimulatedProvider;
  readonly key: string;
  readonly response: StoredResponse;
  readonly id?: string;
  readonly record?: MemberRecord;
}

/** One change, as a line of the journal. */
export type JournalEntry =
  /** A request answered, and for a write that was applied, what it changed: one line, so a crash keeps both or neither. */
  | {
      readonly request: LoggedRequest;
      readonly write?: JournalWrite;
    }
  /** Records set by the administration endpoints (a seeded page, or drift planted by hand). */
  | { readonly records: readonly (readonly [SimulatedProvider, string, MemberRecord])[] };

export function emptyState(): SimulatorState {
  return {
    records: { m1: {}, mls: {}, sentrilock: {}, supra: {} },
    idempotency: { m1: {}, mls: {}, sentrilock: {}, supra: {} },
    requests: [],
  };
}

/** Applies one journal entry to the state in memory: what a request does, and what replay does again. */
export function applyEntry(state: SimulatorState, entry: JournalEntry): void {
  if ('records' in entry) {
    for (const [provider, id, record] of entry.records) state.records[provider][id] = record;
    return;
  }
  const { write } = entry;
  if (write) {
    state.idempotency[write.provider][write.key] = write.response;
    if (write.id !== undefined && write.record) state.records[write.provider][write.id] = write.record;
  }
  state.requests.push(entry.request);
  if (state.requests.length > MAX_LOGGED) state.requests.shift();
}

export interface JournalOptions {
  /** Compact (a fresh snapshot, the journal emptied) once the journal holds this many lines. */
  readonly compactAfterLines?: number;
}

/** The snapshot on disk: the state, and the generation of journal that continues it. */
interface Snapshot extends SimulatorState {
  readonly generation?: number;
}

/**
 * Where the state lives. `append` applies an entry at once (in memory) and resolves when its line is
 * on disk: lines asked for in the same moment go out in one write (group commit), and a server
 * answers only then, so whatever a caller was told survives a crash of the simulator (not of the
 * machine: there is no fsync), and a crash loses only lines of requests not yet answered.
 */
export interface Store {
  readonly state: SimulatorState;
  append(entry: JournalEntry): Promise<void>;
  /** Writes a snapshot of the state and empties the journal. */
  compact(): Promise<void>;
  /** Lines written to the journal since it was last emptied. */
  journalLines(): number;
  close(): Promise<void>;
}

const DEFAULT_COMPACT_AFTER_LINES = 100_000;

/** The state in memory only, for tests and benchmarks that keep nothing. */
function memoryStore(): Store {
  const state = emptyState();
  return {
    state,
    append: async (entry) => applyEntry(state, entry),
    compact: async () => undefined,
    journalLines: () => 0,
    close: async () => undefined,
  };
}

/**
 * Loads the snapshot, replays its journal, compacts (so a start begins with an empty journal), and
 * returns the store that keeps both from then on. An older simulator's state file (a snapshot with
 * no journal) loads as it is.
 */
export async function openStore(file: string | undefined, options: JournalOptions = {}): Promise<Store> {
  if (!file) return memoryStore();
  const compactAfter = options.compactAfterLines ?? DEFAULT_COMPACT_AFTER_LINES;
  const journalFile = `${file}.log`;
  await mkdir(dirname(file), { recursive: true });
  const snapshot = await readSnapshot(file);
  const state: SimulatorState = {
    records: { ...emptyState().records, ...snapshot?.records },
    idempotency: { ...emptyState().idempotency, ...snapshot?.idempotency },
    requests: snapshot?.requests ?? [],
  };
  let generation = snapshot?.generation ?? 0;
  await replay(journalFile, generation, state);

  let handle: FileHandle = await open(journalFile, 'a');
  let lines = 0;
  let pending: string[] = [];
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let running: Promise<void> | null = null;
  let compactAsked = false;

  /** The state as a snapshot of the next generation, then a journal of that generation, empty. */
  const writeSnapshot = async () => {
    // Taken at once (synchronously), so it holds every entry applied so far, no more.
    generation += 1;
    const text = JSON.stringify({ generation, ...state } satisfies Snapshot);
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
    // A crash here leaves a journal of the previous generation: replay knows to skip it.
    await handle.close();
    handle = await open(journalFile, 'w');
    await handle.appendFile(`${JSON.stringify({ generation })}\n`);
    lines = 0;
  };

  const drain = async () => {
    while (pending.length > 0 || compactAsked) {
      const batch = pending;
      const waiters = waiting;
      pending = [];
      waiting = [];
      try {
        if (compactAsked || lines + batch.length > compactAfter) {
          compactAsked = false;
          // The batch's entries are applied already, so in the snapshot: their lines are not needed.
          await writeSnapshot();
        } else {
          await handle.appendFile(batch.join(''));
          lines += batch.length;
        }
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    running = null;
  };
  const kick = () => {
    running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(drain);
    return running;
  };

  await writeSnapshot();
  return {
    state,
    append(entry) {
      applyEntry(state, entry);
      return new Promise<void>((resolve, reject) => {
        pending.push(`${JSON.stringify(entry)}\n`);
        waiting.push({ resolve, reject });
        void kick();
      });
    },
    async compact() {
      compactAsked = true;
      await kick();
    },
    journalLines: () => lines,
    async close() {
      while (running) await running;
      await handle.close();
    },
  };
}

async function readSnapshot(file: string): Promise<Snapshot | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: not a simulator state (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Applies the journal's entries, unless it belongs to an older generation (a crash came between
 * writing a snapshot and emptying the journal: its entries are in the snapshot). A last line cut
 * short by a crash is left out; a broken line anywhere else is an error.
 */
async function replay(journalFile: string, generation: number, state: SimulatorState): Promise<void> {
  let lines: AsyncIterable<string>;
  const stream = createReadStream(journalFile, 'utf8');
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    lines = createInterface({ input: stream, crlfDelay: Infinity });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let number = 0;
  let broken: { number: number; message: string } | null = null;
  for await (const line of lines) {
    number += 1;
    if (line === '') continue;
    if (broken) throw new Error(`${journalFile}:${broken.number}: ${broken.message}`);
    let entry: JournalEntry | { generation: number };
    try {
      entry = JSON.parse(line) as JournalEntry | { generation: number };
    } catch (error) {
      broken = { number, message: (error as Error).message };
      continue;
    }
    if ('generation' in entry) {
      if (entry.generation < generation) break;
      continue;
    }
    applyEntry(state, entry);
  }
  stream.destroy();
}
