// Events as billing systems really write them: null for an optional field, an `at` without seconds
// or with a lowercase z. Accepted, and normalised to the one form the core, the workflow and
// simulate see; what is still refused names its field; and the JSON Schema describes the same.
import { describe, expect, it } from 'vitest';
import { canonicalInstant, lifecycleEventSchema, lifecycleEventTypes } from '../schemas/events.js';
import { renderJsonSchemas } from '../schemas/json-schema.js';
import { check, inWords } from '../schemas/validate.js';

const base = { id: 'e1', memberId: 'A1', at: '2026-06-01T12:00:00Z' };
const invoice = { ...base, type: 'invoiceIssued', invoiceId: 'I1', amount: 50 };

function parsed(input: object) {
  const result = check(lifecycleEventSchema, input);
  if (!result.ok) throw new Error(`refused: ${inWords(result.problems)}`);
  return result.value;
}

function problems(input: object): string {
  const result = check(lifecycleEventSchema, input);
  if (result.ok) throw new Error('expected the event to be refused');
  return inWords(result.problems);
}

describe('event input', () => {
  it('takes null for an optional field as absent', () => {
    const event = parsed({ ...invoice, dueDate: null, coversFrom: null, coversThrough: null });
    expect(event).toEqual({ ...invoice });
    expect(Object.entries(event).filter(([, value]) => value === null)).toEqual([]);
  });

  it('takes null for a field with a default as the default', () => {
    expect(parsed({ ...base, type: 'joined', membershipType: 'REALTOR', role: null })).toMatchObject({
      role: 'primary',
    });
    expect(parsed({ ...base, type: 'suspended', reason: null, by: null })).toMatchObject({ reason: 'nonpayment' });
  });

  it('still refuses null where a field is required', () => {
    expect(problems({ ...invoice, amount: null })).toBe('amount: must be a number');
    expect(problems({ ...invoice, invoiceId: null })).toBe('invoiceId: Invalid input: expected string, received null');
  });

  it('takes an at without seconds, or with a lowercase t or z, in its canonical form', () => {
    expect(parsed({ ...invoice, at: '2026-01-01T12:00Z' }).at).toBe('2026-01-01T12:00:00Z');
    expect(parsed({ ...invoice, at: '2026-01-01t12:00:05z' }).at).toBe('2026-01-01T12:00:05Z');
    expect(parsed({ ...invoice, at: '2026-01-01T12:00-05:00' }).at).toBe('2026-01-01T12:00:00-05:00');
    expect(parsed({ ...invoice, at: '2026-01-01T12:00:05.250+02:00' }).at).toBe('2026-01-01T12:00:05.250+02:00');
  });

  it('refuses an at that is no date-time, with or without seconds', () => {
    const message = 'at: must be an ISO 8601 date-time with Z or an offset';
    for (const at of ['2026-02-30T12:00Z', '2026-01-01T25:00Z', '2026-01-01', '2026-01-01T12:00', '2026-01-01 12:00Z'])
      expect(problems({ ...invoice, at }), at).toBe(message);
  });

  it('gives what it made the same again: the workflow checks what the client sent', () => {
    const made = [
      parsed({
        ...invoice,
        at: '2026-01-01t12:00z',
        dueDate: null,
        coversFrom: '2026-01-01',
        coversThrough: '2026-01-31',
      }),
      parsed({ ...base, type: 'joined', membershipType: 'REALTOR', role: null }),
      parsed({ ...base, type: 'suspended', reason: null }),
      parsed({ ...base, type: 'roleChanged', role: 'secondary', by: 'staff' }),
    ];
    for (const event of made) expect(parsed(JSON.parse(JSON.stringify(event)) as object)).toEqual(event);
  });

  it('leaves an at in canonical form as it is', () => {
    for (const at of ['2026-06-01T12:00:00Z', '2026-06-01T12:00:00.5-05:00', 'not a date'])
      expect(canonicalInstant(at)).toBe(at);
  });

  it('lists every event type, read from the schemas, in its refusal of an unknown type', () => {
    expect(lifecycleEventTypes).toHaveLength(12);
    expect(lifecycleEventTypes).toContain('paymentReversed');
    expect(problems({ ...base, type: 'paid' })).toBe(`type: type must be one of ${lifecycleEventTypes.join(', ')}`);
  });
});

describe('paymentReversed (spec v1.1, 4a)', () => {
  const reversal = { ...base, type: 'paymentReversed', paymentId: 'P1' };

  it('takes a paymentId, and an amount and a reason only if given (null is absent)', () => {
    expect(parsed(reversal)).toEqual(reversal);
    expect(parsed({ ...reversal, amount: null, reason: null })).toEqual(reversal);
    expect(parsed({ ...reversal, amount: 12.5, reason: 'chargeback' })).toEqual({
      ...reversal,
      amount: 12.5,
      reason: 'chargeback',
    });
    expect(parsed({ ...reversal, reason: 'member asked for a refund by phone' })).toMatchObject({
      reason: 'member asked for a refund by phone',
    });
  });

  it('refuses a missing paymentId, an amount that is not more than 0, and an unknown field, naming each', () => {
    expect(problems({ ...base, type: 'paymentReversed' })).toBe(
      'paymentId: Invalid input: expected string, received undefined',
    );
    expect(problems({ ...reversal, amount: 0 })).toBe('amount: must be greater than 0');
    expect(problems({ ...reversal, amount: -5 })).toBe('amount: must be greater than 0');
    expect(problems({ ...reversal, invoiceId: 'I1' })).toMatch(/^invoiceId: |Unrecognized key: "invoiceId"/);
  });
});

describe('provider ids', () => {
  const joined = { ...base, type: 'joined', membershipType: 'REALTOR' };
  const changed = { ...base, type: 'providerIdsChanged' };

  it('are optional on joined and imported, each id any non-empty string: an NRDS ID is checked only where the association requires one', () => {
    expect(parsed({ ...joined, providerIds: { m1: '12ab', mls: 'M123456', lockbox: null } })).toMatchObject({
      providerIds: { m1: '12ab', mls: 'M123456' },
    });
    expect(
      parsed({ ...base, type: 'imported', membershipType: 'REALTOR', state: 'active', providerIds: { lockbox: 'L9' } }),
    ).toMatchObject({ providerIds: { lockbox: 'L9' } });
    expect((parsed({ ...joined, providerIds: null }) as { providerIds?: unknown }).providerIds).toBeUndefined();
  });

  it('refuse an empty id and a provider standing does not know, naming the field', () => {
    expect(problems({ ...joined, providerIds: { m1: '' } })).toBe('providerIds.m1: must not be empty');
    expect(problems({ ...joined, providerIds: { nrds: '123456789' } })).toMatch(
      /^providerIds: Unrecognized key: "nrds"/,
    );
  });

  it('providerIdsChanged names at least one id: an empty object is bad input naming providerIds', () => {
    const message = 'providerIds: must name at least one provider id (m1, mls or lockbox)';
    expect(problems({ ...changed, providerIds: {} })).toBe(message);
    expect(problems({ ...changed, providerIds: { m1: null } })).toBe(message);
    expect(problems({ ...changed })).toMatch(/^providerIds: /);
    expect(parsed({ ...changed, providerIds: { lockbox: 'CARD-2' }, by: 'desk' })).toEqual({
      ...changed,
      providerIds: { lockbox: 'CARD-2' },
      by: 'desk',
    });
  });
});

describe('the event JSON Schema', () => {
  const document = JSON.parse(renderJsonSchemas()['event.schema.json']!) as {
    oneOf: { properties: Record<string, { pattern?: string; anyOf?: { type: string }[]; default?: unknown }> }[];
  };
  const invoiceSchema = document.oneOf.find(
    (option) => 'invoiceId' in option.properties && 'dueDate' in option.properties,
  )!;
  const joinedSchema = document.oneOf[0]!;

  it('describes the at it accepts: without seconds, lowercase z', () => {
    const pattern = new RegExp(invoiceSchema.properties.at!.pattern!);
    expect(
      ['2026-01-01T12:00Z', '2026-01-01t12:00:00z', '2026-01-01T12:00:00+02:00'].every((at) => pattern.test(at)),
    ).toBe(true);
    expect(pattern.test('2026-01-01T12:00')).toBe(false);
  });

  it('allows null for an optional field and shows a default where there is one', () => {
    expect(invoiceSchema.properties.dueDate!.anyOf!.map((option) => option.type)).toEqual(['string', 'null']);
    expect(joinedSchema.properties.role).toMatchObject({ default: 'primary' });
  });
});
