// npm run simulators: the provider simulators on 127.0.0.1 (STANDING_SIMULATOR_PORT, default 8790),
// with state in .data/simulators.json and its journal .data/simulators.json.log (or the file
// STANDING_SIMULATOR_STATE names, and its .log beside it). Faults from
// STANDING_SIMULATOR_FAULTS, JSON per provider, e.g. '{"mls": {"errorRate": 0.2}, "supra":
// {"latencyMs": 800}}'; or at run time through PUT /admin/faults/<provider>.
import { join } from 'node:path';
import { z } from 'zod';
import { buildSimulator, faultSettingsSchema } from './server.js';

function faultSettings() {
  const text = process.env.STANDING_SIMULATOR_FAULTS;
  if (!text) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`STANDING_SIMULATOR_FAULTS: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = faultSettingsSchema.safeParse(json);
  if (!parsed.success) throw new Error(`STANDING_SIMULATOR_FAULTS: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const port = Number(process.env.STANDING_SIMULATOR_PORT ?? 8790);
const app = await buildSimulator({
  stateFile: process.env.STANDING_SIMULATOR_STATE || join(import.meta.dirname, '..', '.data', 'simulators.json'),
  faults: faultSettings(),
});
await app.listen({ host: '127.0.0.1', port });
console.log(
  `[simulators] M1, MLS, SentriLock and Supra on http://127.0.0.1:${port} (admin: /admin/faults, /admin/requests, /admin/records)`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void app.close().then(() => process.exit(0)));
