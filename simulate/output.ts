// Writes a simulation as it runs, one member at a time, so a whole association's history never
// has to sit in memory as output.
import type { MemberView } from '../machines/view.js';
import { formatMemberTable } from './table.js';

export type SimulationFormat = 'json' | 'table';

/** The chunks of the printed simulation: JSON of spec section 8, or tables for people. */
export function* renderSimulation(
  members: Iterable<MemberView>,
  format: SimulationFormat,
  zone: string,
): Generator<string> {
  let count = 0;
  if (format === 'json') {
    yield '{\n  "members": [';
    for (const member of members) {
      yield `${count === 0 ? '\n' : ',\n'}${JSON.stringify(member, null, 2).replace(/^/gm, '    ')}`;
      count += 1;
    }
    yield count === 0 ? ']\n}\n' : '\n  ]\n}\n';
    return;
  }
  for (const member of members) {
    yield `${count === 0 ? '' : '\n'}${formatMemberTable(member, zone)}\n`;
    count += 1;
  }
  if (count === 0) yield 'No members.\n';
}
