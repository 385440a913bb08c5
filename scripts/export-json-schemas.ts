// npm run schemas: writes schemas/json/*.schema.json and docs/openapi.json from the zod schemas.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openApiDocument } from '../gateway/openapi.js';
import { renderJsonSchemas } from '../schemas/json-schema.js';

const folder = join(import.meta.dirname, '..', 'schemas', 'json');
await mkdir(folder, { recursive: true });
for (const [file, text] of Object.entries(renderJsonSchemas())) {
  await writeFile(join(folder, file), text);
  console.log(`wrote schemas/json/${file}`);
}

// The gateway's OpenAPI document, from the same schemas.
await writeFile(
  join(import.meta.dirname, '..', 'docs', 'openapi.json'),
  `${JSON.stringify(openApiDocument(), null, 2)}\n`,
);
console.log('wrote docs/openapi.json');
