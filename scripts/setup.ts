// npm run setup: installs what the runtime and its tests need beyond npm (the Temporal binaries).
// Run automatically by `npm start` and `npm test`; fast when already done.
import { ensureTemporalCli, ensureTestServer } from './temporal-binaries.js';

const log = (line: string) => console.error(`setup: ${line}`);
const [cli, testServer] = [await ensureTemporalCli(log), await ensureTestServer(log)];
console.error(`setup: temporal CLI ${cli}`);
console.error(`setup: time-skipping test server ${testServer}`);
