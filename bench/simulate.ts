// npm run bench:simulate [-- --members N --years Y --seed S]
// Lifecycle events per second through the simulate core, and peak memory. A benchmark, not a test.
import { parseArgs } from 'node:util';
import { lifecycleEventSchema } from '../schemas/events.js';
import type { LocatedEvent } from '../schemas/parse.js';
import { inTimeOrder, simulateMembers } from '../simulate/run.js';
import { benchAssociation, billingHistories } from './billing-history.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '10000' },
    years: { type: 'string', default: '10' },
    seed: { type: 'string', default: '42' },
  },
});
const options = { members: Number(values.members), years: Number(values.years), seed: Number(values.seed) };

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');

console.log(
  `generating ${options.members.toLocaleString('en-US')} members × ${options.years} years of monthly billing (seed ${options.seed})…`,
);
const located: LocatedEvent[] = [];
for (const history of billingHistories(options)) {
  for (const event of history) located.push({ line: located.length + 1, event });
}
const until = Date.UTC(2016 + options.years, 0, 1);
const counts = new Map<string, number>();
for (const { event } of located) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
console.log(
  `${located.length.toLocaleString('en-US')} events: ${[...counts].map(([type, count]) => `${type} ${count.toLocaleString('en-US')}`).join(', ')}`,
);

globalThis.gc?.();
const inputHeap = process.memoryUsage().heapUsed;

// The CLI validates every event with zod before simulating; timed on its own.
let started = performance.now();
for (const { event } of located) lifecycleEventSchema.parse(event);
const validateMs = performance.now() - started;

started = performance.now();
const ordered = inTimeOrder(located);
const sortMs = performance.now() - started;

// As the CLI does: each member's view is handed on (here: tallied) and not kept.
let members = 0;
let changes = 0;
let timerChanges = 0;
const states = new Map<string, number>();
let heapPeak = 0;
started = performance.now();
for (const member of simulateMembers(benchAssociation, ordered, until)) {
  members += 1;
  changes += member.timeline.length;
  for (const entry of member.timeline) if (entry.cause.startsWith('timer:')) timerChanges += 1;
  states.set(member.state, (states.get(member.state) ?? 0) + 1);
  if (members % 1000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}
const simulateMs = performance.now() - started;

console.log(
  `\nresult: ${changes.toLocaleString('en-US')} changes (${timerChanges.toLocaleString('en-US')} from timers); final states ${[...states].map(([s, c]) => `${s} ${c}`).join(', ')}`,
);
console.log('\n| step | time | events per second |');
console.log('| --- | --- | --- |');
console.log(
  `| simulate core (apply every event, fire every timer) | ${(simulateMs / 1000).toFixed(2)} s | **${rate(located.length, simulateMs)}** |`,
);
console.log(`| order by at (stable sort) | ${(sortMs / 1000).toFixed(2)} s | ${rate(located.length, sortMs)} |`);
console.log(
  `| zod validation of every event (CLI input) | ${(validateMs / 1000).toFixed(2)} s | ${rate(located.length, validateMs)} |`,
);
console.log(
  `| end to end: validate + order + simulate | ${((validateMs + sortMs + simulateMs) / 1000).toFixed(2)} s | ${rate(located.length, validateMs + sortMs + simulateMs)} |`,
);
console.log(
  `\nmemory: peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} (whole process, generated input included); input events on the heap ${mb(inputHeap)}; heap sampled during the simulation at most ${mb(heapPeak)}, that is ${mb(heapPeak - inputHeap)} over the input`,
);
console.log('target: at least 100,000 events per second on one core (simulate core)');
