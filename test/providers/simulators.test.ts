// The provider simulators at board size: their state on disk (a snapshot and a journal) across
// restarts, crashes and compaction, seeding in pages, and the bulk reads, over real HTTP on loopback.
import { appendFile, copyFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSimulator, credentialFingerprint } from '../../provider-simulators/server.js';
import type { SimulatorOptions } from '../../provider-simulators/server.js';
import type { LoggedRequest } from '../../provider-simulators/state.js';

const running: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

type Records = Record<string, Record<string, { status: string; updatedAt: string }>>;

async function start(options: SimulatorOptions = {}) {
  const app = await buildSimulator({ now: () => new Date('2026-07-21T15:00:00Z'), ...options });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  running.push(app);
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${baseUrl}${path}`, init);
    return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
  };
  const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  /** PUT at M1 under an idempotency key. */
  const writeM1 = (id: string, status: string, key: string) =>
    call(
      `/m1/v1/members/${encodeURIComponent(id)}/status`,
      json('PUT', { status }, { 'idempotency-key': key, 'x-association-role': 'primary' }),
    );
  const seed = (records: { provider: string; id: string; status: string }[]) =>
    call('/admin/records', json('POST', { records }));
  const plant = (provider: string, id: string, status: string) =>
    call(`/admin/records/${provider}/${encodeURIComponent(id)}`, json('PUT', { status }));
  const records = async () => (await call('/admin/records')).body as Records;
  const requests = async () => (await call('/admin/requests')).body as LoggedRequest[];
  return { app, baseUrl, call, json, writeM1, seed, plant, records, requests };
}

async function stateFileIn(name: string): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), `standing-sims-${name}-`)), 'simulators.json');
}

async function journalLines(stateFile: string): Promise<string[]> {
  return (await readFile(`${stateFile}.log`, 'utf8')).split('\n').filter((line) => line !== '');
}

describe('simulator state on disk', () => {
  it('keeps records and idempotency across a restart: a retried write after it is applied once', async () => {
    const stateFile = await stateFileIn('restart');
    const first = await start({ stateFile });
    expect((await first.writeM1('R1', 'Active', 'key-R1-1')).status).toBe(200);
    await first.plant('mls', 'R1', 'Inactive');
    await first.app.close();

    const second = await start({ stateFile });
    expect((await second.records()).mls?.R1?.status).toBe('Inactive');
    // Drift planted after the write: a replayed key answers as before and does not write again.
    await second.plant('m1', 'R1', 'Inactive');
    const retried = await second.writeM1('R1', 'Active', 'key-R1-1');
    expect(retried).toMatchObject({ status: 200, body: { memberId: 'R1', status: 'Active' } });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect((await second.records()).m1?.R1?.status).toBe('Inactive');
    expect((await second.requests()).map((r) => [r.idempotencyKey, r.replayed ?? false])).toEqual([
      ['key-R1-1', false],
      ['key-R1-1', true],
    ]);
  });

  it('has every answered write on disk before the answer: a crash (its files copied while running) loses none', async () => {
    const stateFile = await stateFileIn('crash');
    const live = await start({ stateFile });
    await live.seed([{ provider: 'supra', id: 'K1', status: 'Active' }]);
    for (const i of [1, 2, 3]) await live.writeM1(`K${i}`, 'Active', `key-K${i}`);
    // What the disk holds at this moment, as a killed process would leave it, plus a last line cut short.
    const copy = await stateFileIn('crash-copy');
    await copyFile(stateFile, copy);
    await copyFile(`${stateFile}.log`, `${copy}.log`);
    await appendFile(`${copy}.log`, '{"request":{"at":"2026-07-');

    const restarted = await start({ stateFile: copy });
    const records = await restarted.records();
    expect(Object.keys(records.m1 ?? {})).toEqual(['K1', 'K2', 'K3']);
    expect(records.supra?.K1?.status).toBe('Active');
    await restarted.plant('m1', 'K2', 'Inactive');
    expect((await restarted.writeM1('K2', 'Active', 'key-K2')).headers.get('idempotent-replayed')).toBe('true');
    expect((await restarted.records()).m1?.K2?.status).toBe('Inactive');
  });

  it('compacts when the journal passes its bound and at start, keeping every record, key and logged request', async () => {
    const stateFile = await stateFileIn('compact');
    const first = await start({ stateFile, compactAfterLines: 5 });
    const snapshotBefore = await readFile(stateFile, 'utf8');
    for (let i = 0; i < 12; i += 1) await first.writeM1(`C${i}`, 'Active', `key-C${i}`);
    await first.seed([{ provider: 'sentrilock', id: 'C0', status: 'Active' }]);
    expect(await readFile(stateFile, 'utf8')).not.toBe(snapshotBefore);
    // The journal holds only what came after the last snapshot (its first line names the snapshot's generation).
    expect((await journalLines(stateFile)).length).toBeLessThanOrEqual(6);
    await first.app.close();

    const second = await start({ stateFile, compactAfterLines: 5 });
    // A start compacts: the journal is a fresh one, the snapshot holds everything.
    expect(await journalLines(stateFile)).toHaveLength(1);
    const records = await second.records();
    expect(Object.keys(records.m1 ?? {})).toHaveLength(12);
    expect(records.sentrilock?.C0?.status).toBe('Active');
    expect((await second.requests()).map((r) => r.idempotencyKey)).toEqual(
      Array.from({ length: 12 }, (_, i) => `key-C${i}`),
    );
    await second.plant('m1', 'C7', 'Inactive');
    expect((await second.writeM1('C7', 'Active', 'key-C7')).headers.get('idempotent-replayed')).toBe('true');
    expect((await second.records()).m1?.C7?.status).toBe('Inactive');
  });

  it('loads the state file an earlier simulator wrote (a snapshot with no journal)', async () => {
    const stateFile = await stateFileIn('earlier');
    const record = { status: 'Suspended', updatedAt: '2026-01-02T00:00:00.000Z' };
    const response = { statusCode: 200, body: { memberId: 'E1', status: 'Suspended', updatedAt: record.updatedAt } };
    await writeFile(
      stateFile,
      JSON.stringify({
        records: { m1: { E1: record }, mls: {}, sentrilock: {}, supra: {} },
        idempotency: { m1: { 'key-E1': response }, mls: {}, sentrilock: {}, supra: {} },
        requests: [],
      }),
    );
    const sim = await start({ stateFile });
    expect((await sim.records()).m1?.E1).toEqual(record);
    expect((await sim.writeM1('E1', 'Active', 'key-E1')).body).toEqual(response.body);
  });

  it('skips a journal an interrupted compaction left behind (its entries are in the snapshot already)', async () => {
    const stateFile = await stateFileIn('generation');
    const first = await start({ stateFile });
    await first.writeM1('G1', 'Active', 'key-G1');
    await first.app.close();
    const oldJournal = await readFile(`${stateFile}.log`, 'utf8');
    // The next start compacts; put the previous generation's journal back, as a crash between the
    // snapshot's rename and the journal's truncation would leave it.
    const second = await start({ stateFile });
    await second.app.close();
    await writeFile(`${stateFile}.log`, oldJournal);
    const third = await start({ stateFile });
    expect((await third.requests()).filter((r) => r.idempotencyKey === 'key-G1')).toHaveLength(1);
    expect((await third.records()).m1?.G1?.status).toBe('Active');
  });
});

describe('a board of 30,000 members', () => {
  const members = 30_000;
  const page = 2_000;

  it('is seeded in pages, and a write then appends one journal line, as it does with 10 records', async () => {
    /** The journal's growth (lines, bytes) for one write, and whether the snapshot was rewritten. */
    const costOfOneWrite = async (name: string, size: number) => {
      const stateFile = await stateFileIn(name);
      const sim = await start({ stateFile });
      for (let from = 0; from < size; from += page) {
        const records = Array.from({ length: Math.min(page, size - from) }, (_, i) => ({
          provider: 'm1',
          id: `B${String(from + i).padStart(6, '0')}`,
          status: 'Active',
        }));
        expect((await sim.seed(records)).body).toEqual({ added: records.length, kept: 0 });
      }
      const before = { snapshot: await stat(stateFile), journal: await readFile(`${stateFile}.log`, 'utf8') };
      expect((await sim.writeM1('B000001', 'Inactive', 'key-B000001')).status).toBe(200);
      const after = { snapshot: await stat(stateFile), journal: await readFile(`${stateFile}.log`, 'utf8') };
      expect(after.snapshot.mtimeMs).toBe(before.snapshot.mtimeMs);
      expect(after.snapshot.size).toBe(before.snapshot.size);
      expect(after.journal.startsWith(before.journal)).toBe(true);
      const added = after.journal.slice(before.journal.length);
      expect(added.split('\n').filter((line) => line !== '')).toHaveLength(1);
      expect(Object.keys((await sim.records()).m1 ?? {})).toHaveLength(size);
      return added.length;
    };
    const small = await costOfOneWrite('ten', 10);
    const large = await costOfOneWrite('board', members);
    expect(large).toBe(small);
  });

  it('answers 413 with the page size to use for a page too large', async () => {
    const sim = await start();
    const tooMany = Array.from({ length: 20_001 }, (_, i) => ({ provider: 'mls', id: `P${i}`, status: 'Active' }));
    expect(await sim.seed(tooMany)).toMatchObject({
      status: 413,
      body: { error: 'too-large', message: expect.stringContaining('pages of at most 20000') },
    });
    const tooBig = Array.from({ length: 5_000 }, (_, i) => ({
      provider: 'mls',
      id: `${i}-${'x'.repeat(2_000)}`,
      status: 'Active',
    }));
    expect(await sim.seed(tooBig)).toMatchObject({
      status: 413,
      body: { error: 'too-large', message: expect.stringContaining('pages of at most 20000') },
    });
    expect(Object.keys((await sim.records()).mls ?? {})).toHaveLength(0);
  });
});

describe('bulk reads', () => {
  const lists = {
    m1: { path: '/m1/v1/members', field: 'members', fields: ['memberId', 'status', 'updatedAt'] },
    sentrilock: { path: '/sentrilock/v1/users', field: 'users', fields: ['userId', 'status', 'lastModified'] },
    supra: { path: '/supra/v1/agents', field: 'agents', fields: ['agentId', 'agentStatus', 'modified'] },
  } as const;

  it('M1, SentriLock and Supra answer the known ids among those asked, in their own shapes; unknown ones are absent', async () => {
    const sim = await start();
    for (const [provider, list] of Object.entries(lists)) {
      await sim.seed([
        { provider, id: 'L1', status: 'Active' },
        { provider, id: 'L,2 é', status: 'Inactive' },
      ]);
      const ids = ['L1', 'nobody', 'L,2 é'].map(encodeURIComponent).join(',');
      const { status, body } = await sim.call(`${list.path}?ids=${ids}`);
      expect(status).toBe(200);
      const [id, statusField, modified] = list.fields;
      expect(body).toEqual({
        [list.field]: [
          { [id]: 'L1', [statusField]: 'Active', [modified]: '2026-07-21T15:00:00.000Z' },
          { [id]: 'L,2 é', [statusField]: 'Inactive', [modified]: '2026-07-21T15:00:00.000Z' },
        ],
      });
    }
  });

  it('refuses more than 100 ids, or none named, with 400', async () => {
    const sim = await start();
    const ids = Array.from({ length: 101 }, (_, i) => `T${i}`).join(',');
    for (const list of Object.values(lists)) {
      expect(await sim.call(`${list.path}?ids=${ids}`)).toMatchObject({ status: 400, body: { error: 'too-many-ids' } });
      expect(await sim.call(list.path)).toMatchObject({ status: 400, body: { error: 'ids-required' } });
    }
    const hundred = Array.from({ length: 100 }, (_, i) => `T${i}`).join(',');
    expect(await sim.call(`/supra/v1/agents?ids=${hundred}`)).toMatchObject({ status: 200, body: { agents: [] } });
  });

  it('the MLS answers an OData $filter of MemberKeys with the $select fields, unknown keys absent', async () => {
    const sim = await start();
    await sim.seed([
      { provider: 'mls', id: 'M1', status: 'Active' },
      { provider: 'mls', id: "O'Brien", status: 'Suspended' },
    ]);
    const filter = encodeURIComponent(`MemberKey eq 'M1' or MemberKey eq 'M9' or MemberKey eq 'O''Brien'`);
    const select = 'MemberKey,MemberStatus,ModificationTimestamp';
    expect(await sim.call(`/mls/odata/Member?$filter=${filter}&$select=${select}&$top=100`)).toEqual(
      expect.objectContaining({
        status: 200,
        body: {
          value: [
            { MemberKey: 'M1', MemberStatus: 'Active', ModificationTimestamp: '2026-07-21T15:00:00.000Z' },
            { MemberKey: "O'Brien", MemberStatus: 'Suspended', ModificationTimestamp: '2026-07-21T15:00:00.000Z' },
          ],
        },
      }),
    );
    expect((await sim.call(`/mls/odata/Member?$filter=${filter}&$select=MemberKey,MemberStatus`)).body).toEqual({
      value: [
        { MemberKey: 'M1', MemberStatus: 'Active' },
        { MemberKey: "O'Brien", MemberStatus: 'Suspended' },
      ],
    });
    const many = encodeURIComponent(Array.from({ length: 101 }, (_, i) => `MemberKey eq 'K${i}'`).join(' or '));
    expect(await sim.call(`/mls/odata/Member?$filter=${many}&$top=101`)).toMatchObject({
      status: 400,
      body: { error: 'too-many-ids' },
    });
    for (const bad of [`$filter=${encodeURIComponent("MemberStatus eq 'Active'")}`, '$select=Email', '$top=-1'])
      expect((await sim.call(`/mls/odata/Member?${bad}`)).status).toBe(400);
  });

  it('the MLS pages through every record with $top, $skip and $orderby=MemberKey', async () => {
    const sim = await start();
    const keys = Array.from({ length: 25 }, (_, i) => `Q${String(i).padStart(2, '0')}`);
    await sim.seed([...keys].reverse().map((id) => ({ provider: 'mls', id, status: 'Active' })));
    const seen: string[] = [];
    for (let skip = 0; ; skip += 10) {
      const { body } = await sim.call(`/mls/odata/Member?$top=10&$skip=${skip}&$orderby=MemberKey`);
      const value = (body as { value: { MemberKey: string }[] }).value;
      seen.push(...value.map((member) => member.MemberKey));
      if (value.length < 10) break;
    }
    expect(seen).toEqual(keys);
  });

  it('bulk reads take faults, rate limiting and authentication as single reads do, and are logged with who called', async () => {
    const sim = await start({ apiKeys: { m1: 'm1-key' }, faults: { mls: { rateLimited: 1, retryAfterSeconds: 3 } } });
    await sim.seed([{ provider: 'm1', id: 'F1', status: 'Active' }]);
    expect((await sim.call('/m1/v1/members?ids=F1')).status).toBe(401);
    const headers = { authorization: 'Bearer m1-key', 'x-association-id': 'MRAR' };
    expect(await sim.call('/m1/v1/members?ids=F1', { headers })).toMatchObject({
      status: 200,
      body: { members: [{ memberId: 'F1' }] },
    });
    const limited = await sim.call('/mls/odata/Member?$top=10');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await sim.call('/mls/odata/Member?$top=10')).status).toBe(200);
    await sim.call('/admin/faults/supra', sim.json('PUT', { outage: true }));
    expect((await sim.call('/supra/v1/agents?ids=F1')).status).toBe(503);
    const logged = (await sim.requests()).find((r) => r.statusCode === 200 && r.provider === 'm1');
    expect(logged).toMatchObject({
      method: 'GET',
      url: '/m1/v1/members?ids=F1',
      association: 'MRAR',
      credential: credentialFingerprint('Bearer m1-key'),
    });
  });
});
