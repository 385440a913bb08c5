// What the gateway remembers of an association's Stripe objects, so a refund or a lost dispute
// (whose charge names no invoice and carries no subscription metadata) finds the member an invoice
// named: the member of each PaymentIntent and each customer seen on the association's invoices.
// Kept in a journal file of its own per association (append-only JSON Lines), written before the
// webhook is answered, so a refund weeks later finds its member after any number of restarts, and
// read again when another gateway process sharing the folder may have added to it.
import { appendFile, open, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Entries older than this (by their Stripe event's time) are not loaded: a dispute comes within 120
 * days of the charge, a refund of dues within the year.
 */
export const DEFAULT_RETENTION_SECONDS = 400 * 86_400;
/** Without a journal, the most entries kept in memory (the oldest go first). */
const IN_MEMORY_LIMIT = 100_000;

interface Entry {
  readonly key: string;
  readonly member: string;
  /** The Stripe event's time (unix seconds). */
  readonly at: number;
}

const isEntry = (value: unknown): value is Entry =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Entry).key === 'string' &&
  typeof (value as Entry).member === 'string' &&
  typeof (value as Entry).at === 'number';

export class StripeMembers {
  private readonly members = new Map<string, string>();
  private pending: Entry[] = [];
  /** Bytes of the journal read so far (this process's own appends included). */
  private offset = 0;
  private skipped = 0;

  /** In memory only (bounded) without a journal; `StripeMembers.open` gives one with its journal loaded. */
  constructor(
    private readonly journal: string | null = null,
    private readonly retentionSeconds = DEFAULT_RETENTION_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The association's journal in `folder` (created by the first append), loaded. */
  static async open(
    folder: string,
    associationId: string,
    options: { retentionSeconds?: number; now?: () => number; log?: (line: string) => void } = {},
  ): Promise<StripeMembers> {
    const members = new StripeMembers(
      join(folder, `${associationId}.stripe-payments.jsonl`),
      options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS,
      options.now ?? Date.now,
    );
    await members.refresh();
    if (members.skipped > 0)
      options.log?.(
        `association ${associationId}: ${members.skipped} unreadable line(s) in ${members.journal} skipped (a write cut short)`,
      );
    return members;
  }

  /** Notes that `key` (a PaymentIntent, a charge or a customer) is `memberId`'s, as of `at` (unix seconds). */
  remember(key: string | null | undefined, memberId: string, at: number): void {
    if (!key || this.members.get(key) === memberId) return;
    this.set(key, memberId);
    if (this.journal) this.pending.push({ key, member: memberId, at });
  }

  memberOf(key: string | null | undefined): string | undefined {
    return key ? this.members.get(key) : undefined;
  }

  /** Appends what was remembered since the last flush: call it before answering the webhook. */
  async flush(): Promise<void> {
    if (!this.journal || this.pending.length === 0) return;
    const lines = this.pending.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    await appendFile(this.journal, lines, { mode: 0o600 });
    this.pending = [];
  }

  /**
   * Reads what was appended to the journal since the last read: at start all of it, later what other
   * gateway processes sharing the folder added. A line cut short at the end is left for the next read.
   */
  async refresh(): Promise<void> {
    if (!this.journal) return;
    // Every webhook asks: one stat when nothing was appended, the file opened only when something was.
    let size: number;
    try {
      ({ size } = await stat(this.journal));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (size <= this.offset) return;
    const buffer = Buffer.alloc(size - this.offset);
    const file = await open(this.journal, 'r');
    try {
      await file.read(buffer, 0, buffer.length, this.offset);
    } finally {
      await file.close();
    }
    const text = buffer.toString('utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    this.offset += Buffer.byteLength(complete);
    const oldest = this.now() / 1000 - this.retentionSeconds;
    for (const line of complete.split('\n')) {
      if (line === '') continue;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = undefined;
      }
      if (!isEntry(entry)) this.skipped += 1;
      else if (entry.at >= oldest) this.set(entry.key, entry.member);
    }
  }

  private set(key: string, memberId: string): void {
    this.members.delete(key);
    this.members.set(key, memberId);
    if (!this.journal && this.members.size > IN_MEMORY_LIMIT) this.members.delete(this.members.keys().next().value!);
  }
}
