// Validation as data: what a schema makes of an input, or every problem, each naming its field.
// Free of YAML and files, so the workflow uses it as the client and the gateway do.
import { z } from './zod-mini.js';

export interface FieldProblem {
  /** The field, as a path: `membershipTypes[0].gracePeriod`; empty for the value as a whole. */
  readonly field: string;
  readonly message: string;
}

export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

export function check<S extends z.core.$ZodType>(schema: S, input: unknown): Checked<z.output<S>> {
  const result = z.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message })),
  };
}

/** `amount: must be greater than 0; at: must be …`, or the message alone for the value as a whole. */
export function inWords(problems: readonly FieldProblem[]): string {
  return problems.map(({ field, message }) => (field === '' ? message : `${field}: ${message}`)).join('; ');
}
