// JSON Schema documents for integrators and editors, generated from the same zod schemas the code validates with.
import { z } from 'zod';
import { associationConfigSchema } from './association.js';
import { lifecycleEventSchema } from './events.js';

export const jsonSchemaFiles = {
  'association.schema.json': { schema: associationConfigSchema, title: 'standing association configuration' },
  'event.schema.json': { schema: lifecycleEventSchema, title: 'standing lifecycle event' },
} as const;

/** The documents as they are committed under schemas/json/, keyed by file name. */
export function renderJsonSchemas(): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [file, { schema, title }] of Object.entries(jsonSchemaFiles)) {
    // io: 'input' describes what a person writes: fields with defaults are optional.
    const document = { title, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) };
    rendered[file] = `${JSON.stringify(document, null, 2)}\n`;
  }
  return rendered;
}
