// Lifecycle events (spec section 3): what billing systems and staff send about one member.
import { z } from 'zod';

export const memberStates = ['pending', 'active', 'pastDue', 'suspended', 'terminated'] as const;
export const memberStatuses = ['New', 'Renewed', 'Dropped', 'Reinstated'] as const;

const nonEmpty = z.string().min(1, 'must not be empty');
const localDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });
const amount = z.number({ error: 'must be a number' }).positive('must be greater than 0').finite();
const role = z.enum(['primary', 'secondary']);

const base = {
  id: nonEmpty,
  memberId: nonEmpty,
  at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with Z or an offset' }),
};

const staffFields = { reason: z.string().optional(), by: z.string().optional() };

export const joinedSchema = z.strictObject({
  ...base,
  type: z.literal('joined'),
  membershipType: nonEmpty,
  role: role.default('primary'),
});

export const importedSchema = z.strictObject({
  ...base,
  type: z.literal('imported'),
  membershipType: nonEmpty,
  role: role.default('primary'),
  state: z.enum(memberStates),
  paidThrough: localDate.optional(),
  joinDate: localDate.optional(),
  memberStatus: z.enum(memberStatuses).optional(),
});

export const invoiceIssuedSchema = z
  .strictObject({
    ...base,
    type: z.literal('invoiceIssued'),
    invoiceId: nonEmpty,
    amount,
    dueDate: localDate.optional(),
    coversFrom: localDate.optional(),
    coversThrough: localDate.optional(),
  })
  .superRefine((event, ctx) => {
    if ((event.coversFrom === undefined) !== (event.coversThrough === undefined)) {
      const missing = event.coversFrom === undefined ? 'coversFrom' : 'coversThrough';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'coversFrom and coversThrough go together: give both or neither',
      });
    } else if (
      event.coversFrom !== undefined &&
      event.coversThrough !== undefined &&
      event.coversFrom > event.coversThrough
    ) {
      ctx.addIssue({ code: 'custom', path: ['coversThrough'], message: 'must be on or after coversFrom' });
    }
  });

export const paymentPostedSchema = z.strictObject({
  ...base,
  type: z.literal('paymentPosted'),
  paymentId: nonEmpty,
  invoiceId: nonEmpty,
  amount,
});

export const invoiceVoidedSchema = z.strictObject({ ...base, type: z.literal('invoiceVoided'), invoiceId: nonEmpty });

export const suspendedSchema = z.strictObject({
  ...base,
  type: z.literal('suspended'),
  ...staffFields,
  reason: z.string().min(1).default('nonpayment'),
});
export const reactivatedSchema = z.strictObject({ ...base, type: z.literal('reactivated'), ...staffFields });
export const droppedSchema = z.strictObject({ ...base, type: z.literal('dropped'), ...staffFields });

export const membershipTypeChangedSchema = z.strictObject({
  ...base,
  type: z.literal('membershipTypeChanged'),
  membershipType: nonEmpty,
});
export const roleChangedSchema = z.strictObject({ ...base, type: z.literal('roleChanged'), role });

export const lifecycleEventSchema = z.discriminatedUnion(
  'type',
  [
    joinedSchema,
    importedSchema,
    invoiceIssuedSchema,
    paymentPostedSchema,
    invoiceVoidedSchema,
    suspendedSchema,
    reactivatedSchema,
    droppedSchema,
    membershipTypeChangedSchema,
    roleChangedSchema,
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'type must be one of joined, imported, invoiceIssued, paymentPosted, invoiceVoided, suspended, reactivated, dropped, membershipTypeChanged, roleChanged'
        : undefined,
  },
);

/** An event as a billing system writes it. */
export type LifecycleEventInput = z.input<typeof lifecycleEventSchema>;
/** An event after validation, defaults filled in: what the core applies. */
export type LifecycleEvent = z.output<typeof lifecycleEventSchema>;
export type LifecycleEventType = LifecycleEvent['type'];
export type MemberState = (typeof memberStates)[number];
export type MemberStatus = (typeof memberStatuses)[number];
export type Role = z.output<typeof role>;
