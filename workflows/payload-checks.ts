// Every payload a membership workflow is sent, checked where it arrives against the schema its
// sender validates with (schemas/events.ts, schemas/messages.ts): Temporal's own CLI, or any
// client, can send what MembershipClient never would.
import type { LifecycleEvent } from '../schemas/events.js';
import { lifecycleEventSchema, lifecycleEventTypes } from '../schemas/events.js';
import { check, inWords } from '../schemas/validate.js';
import type { z } from '../schemas/zod-mini.js';

export type Verdict<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** A payload as its schema makes it (normalised, defaults filled in), or what is wrong, field by field. */
export function checkPayload<S extends z.core.$ZodType>(schema: S, payload: unknown): Verdict<z.output<S>> {
  const checked = check(schema, payload);
  return checked.ok ? checked : { ok: false, problem: inWords(checked.problems) };
}

/**
 * The payload as its schema makes it, or an Error naming the field: how an Update validator refuses
 * (nothing reaches history) and a query fails. `name` names an argument that is not an object.
 */
export function payloadOrThrow<S extends z.core.$ZodType>(schema: S, payload: unknown, name?: string): z.output<S> {
  const checked = check(schema, payload);
  if (checked.ok) return checked.value;
  const problems = checked.problems.map((p) => (name === undefined ? p : { ...p, field: p.field || name }));
  throw new Error(inWords(problems));
}

/** An event for this workflow's member: `event e7: amount: must be greater than 0` when it is not one. */
export function checkEvent(payload: unknown, memberId: string): Verdict<LifecycleEvent> {
  const verdict = checkPayload(lifecycleEventSchema, payload);
  const id = idOf(payload);
  if (!verdict.ok) return { ok: false, problem: id === null ? verdict.problem : `event ${id}: ${verdict.problem}` };
  if (verdict.value.memberId !== memberId)
    return { ok: false, problem: `event ${id}: memberId: must be ${memberId}, the member of this workflow` };
  return verdict;
}

function idOf(payload: unknown): string | null {
  const id = typeof payload === 'object' && payload !== null ? (payload as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? id : null;
}

/**
 * The check runs recorded before payloads were validated (patch 'validated-payloads') made, kept
 * so their histories replay: the fields an event could not be applied without, and nothing else.
 */
export function legacyEventProblem(value: unknown, memberId: string): string | null {
  if (typeof value !== 'object' || value === null) return 'not an event object';
  const event = value as Partial<Record<keyof LifecycleEvent, unknown>>;
  if (typeof event.id !== 'string' || event.id === '') return 'id: must be a non-empty string';
  if (typeof event.type !== 'string' || !(lifecycleEventTypes as readonly string[]).includes(event.type))
    return `event ${event.id}: type: not a lifecycle event type`;
  if (event.memberId !== memberId)
    return `event ${event.id}: memberId: must be ${memberId}, the member of this workflow`;
  if (typeof event.at !== 'string' || Number.isNaN(Date.parse(event.at)))
    return `event ${event.id}: at: must be an ISO 8601 date-time`;
  return null;
}
