// The simulators' state, kept on disk so a restarted simulator remembers what it was told.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  requests: LoggedRequest[];
}

const MAX_LOGGED = 10_000;

export function emptyState(): SimulatorState {
  return {
    records: { m1: {}, mls: {}, sentrilock: {}, supra: {} },
    idempotency: { m1: {}, mls: {}, sentrilock: {}, supra: {} },
    requests: [],
  };
}

export async function loadState(file: string | undefined): Promise<SimulatorState> {
  if (!file) return emptyState();
  try {
    return { ...emptyState(), ...(JSON.parse(await readFile(file, 'utf8')) as SimulatorState) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
}

/** Writes in progress, per file: one at a time, or two requests would race on the temporary file. */
const writing = new Map<string, Promise<void>>();

/**
 * Writes atomically (a temporary file, then rename), so a killed simulator never leaves half a
 * file, and one write after another, in the order asked.
 */
export async function saveState(file: string | undefined, state: SimulatorState): Promise<void> {
  if (!file) return;
  const previous = writing.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => write(file, state));
  writing.set(file, next);
  return next;
}

async function write(file: string, state: SimulatorState): Promise<void> {
  if (state.requests.length > MAX_LOGGED) state.requests.splice(0, state.requests.length - MAX_LOGGED);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(state));
  await rename(`${file}.tmp`, file);
}
