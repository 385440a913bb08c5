// npm run simulators: the provider simulators on 127.0.0.1 (STANDING_SIMULATOR_PORT, default 8790),
// with state in .data/simulators.json.
import { join } from 'node:path';
import { buildSimulator } from './server.js';

const port = Number(process.env.STANDING_SIMULATOR_PORT ?? 8790);
const app = await buildSimulator({ stateFile: join(import.meta.dirname, '..', '.data', 'simulators.json') });
await app.listen({ host: '127.0.0.1', port });
console.log(`[simulators] M1, MLS, SentriLock and Supra on http://127.0.0.1:${port} (admin: /admin/faults, /admin/requests, /admin/records)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void app.close().then(() => process.exit(0)));
