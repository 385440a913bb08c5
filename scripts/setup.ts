// npm run setup: installs ahead of time what the runtime and its tests need beyond npm (the Temporal
// CLI and the time-skipping test server), say for a CI image or before going offline. `npm start`
// and the tests' global setup install the same on first use; fast when already done.
import { ensureTemporalCli, ensureTestServer } from './temporal-binaries.js';

const log = (line: string) => console.error(`setup: ${line}`);
const [cli, testServer] = [await ensureTemporalCli(log), await ensureTestServer(log)];
console.error(`setup: temporal CLI ${cli}`);
console.error(`setup: time-skipping test server ${testServer}`);
