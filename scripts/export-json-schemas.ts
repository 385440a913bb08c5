// npm run schemas: writes schemas/json/*.schema.json from the zod schemas.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderJsonSchemas } from '../schemas/json-schema.js';

const folder = join(import.meta.dirname, '..', 'schemas', 'json');
await mkdir(folder, { recursive: true });
for (const [file, text] of Object.entries(renderJsonSchemas())) {
  await writeFile(join(folder, file), text);
  console.log(`wrote schemas/json/${file}`);
}
