// npm run build:workflows: the production workflow bundle (dist/workflow-bundle.js), so workers
// start without bundling and run exactly the code that was tested.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { prebuiltBundle } from '../worker/create-worker.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';

const code = await bundleWorkflows();
await mkdir(dirname(prebuiltBundle), { recursive: true });
await writeFile(prebuiltBundle, code);
console.log(`wrote ${prebuiltBundle} (${(code.length / 1024 / 1024).toFixed(1)} MB)`);
