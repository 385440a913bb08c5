// npm run bench:simulators [-- --members 30000 --writes 200]
// The provider simulators with their state on disk at board size: seeds `members` members at M1, the
// MLS and SentriLock (pages of 2,000 over HTTP), then times `writes` status writes one after another
// (each with its own idempotency key) and reports the time per write. A benchmark, not a test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSimulator } from '../provider-simulators/server.js';

const { values } = parseArgs({
  options: { members: { type: 'string', default: '30000' }, writes: { type: 'string', default: '200' } },
});
const members = Number(values.members);
const writes = Number(values.writes);
const page = 2_000;

const folder = await mkdtemp(join(tmpdir(), 'standing-bench-simulators-'));
const app = await buildSimulator({ stateFile: join(folder, 'simulators.json') });
const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
const ids = Array.from({ length: members }, (_, i) => `B${String(i).padStart(6, '0')}`);

let started = performance.now();
for (const provider of ['m1', 'mls', 'sentrilock']) {
  for (let from = 0; from < members; from += page) {
    const records = ids.slice(from, from + page).map((id) => ({ provider, id, status: 'Active' }));
    const response = await fetch(`${baseUrl}/admin/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    if (!response.ok) throw new Error(`seeding: ${response.status} ${await response.text()}`);
  }
}
console.log(`seeded ${members} members × 3 providers in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const times: number[] = [];
for (let i = 0; i < writes; i += 1) {
  started = performance.now();
  const response = await fetch(`${baseUrl}/mls/odata/Member/${ids[(i * 7919) % members]}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${i}` },
    body: JSON.stringify({ MemberStatus: i % 2 === 0 ? 'Inactive' : 'Active' }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`write ${i}: ${response.status}`);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
console.log(
  `${writes} writes with ${members} members on disk: mean ${mean.toFixed(2)} ms, p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms per write`,
);
await app.close();
await rm(folder, { recursive: true, force: true });
