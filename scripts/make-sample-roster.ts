// npm run sample:roster: writes examples/associations/sample.roster.csv, the members `npm start` imports
// (seeded, so the file only changes when this script does). Provider ids come from a generator of
// their own, so adding them left every other column as it was.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

const rng = xoroshiro128plus(2026);
const idRng = xoroshiro128plus(2027);
const pick = <T>(items: readonly T[]): T => items[uniformInt(rng, 0, items.length - 1)]!;
const rows: Record<string, string>[] = [];
for (let index = 1; index <= 240; index += 1) {
  const roll = uniformInt(rng, 1, 100);
  const joinYear = uniformInt(rng, 1995, 2025);
  const joinDate = `${joinYear}-${String(uniformInt(rng, 1, 12)).padStart(2, '0')}-${String(uniformInt(rng, 1, 28)).padStart(2, '0')}`;
  const type = roll <= 80 ? 'REALTOR' : roll <= 88 ? 'EMERITUS' : 'AFFILIATE';
  const role = uniformInt(rng, 1, 10) === 1 ? 'secondary' : 'primary';
  const state = pick([
    'active',
    'active',
    'active',
    'active',
    'active',
    'active',
    'pastDue',
    'suspended',
    'pending',
    'terminated',
  ] as const);
  const paidThrough = {
    active: pick(['2026-12-31', '2027-03-31', '2027-06-30']),
    pastDue: '2026-10-31',
    suspended: '2026-08-31',
    pending: '',
    terminated: '2025-12-31',
  }[state];
  const memberStatus =
    type === 'AFFILIATE' || state === 'pending'
      ? ''
      : state === 'suspended' || state === 'terminated'
        ? 'Dropped'
        : pick(['New', 'Renewed', 'Renewed', 'Reinstated']);
  // Most members have their ids at the providers; one in ten has none (delivered to memberId), and
  // a few only an NRDS ID. Each id is unique: a band per member, a random place in it.
  const idRoll = uniformInt(idRng, 1, 20);
  const nrdsId = String(100_000_000 + index * 3_000_000 + uniformInt(idRng, 0, 2_999_999));
  const mlsKey = `M${100_000 + index * 3_000 + uniformInt(idRng, 0, 2_999)}`;
  const lockboxId = String(1_000_000 + index * 30_000 + uniformInt(idRng, 0, 29_999));
  rows.push({
    memberId: `S${String(index).padStart(4, '0')}`,
    membershipType: type,
    role,
    state,
    paidThrough,
    joinDate: state === 'pending' ? '' : joinDate,
    memberStatus,
    m1Id: idRoll <= 2 ? '' : nrdsId,
    mlsId: idRoll <= 3 ? '' : mlsKey,
    lockboxId: idRoll <= 3 ? '' : lockboxId,
  });
}
const file = join(import.meta.dirname, '..', 'examples', 'associations', 'sample.roster.csv');
await writeFile(file, stringify(rows, { header: true }));
console.log(`wrote ${file} (${rows.length} members)`);
