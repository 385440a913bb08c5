// The answer of GET /v1/members/{memberId}: where a member stands and which of the events sent for
// it were refused, so a billing system learns what became of events the gateway accepted (202).
import { z } from 'zod';
import type { MemberView } from '../machines/view.js';
import { memberStates } from '../schemas/events.js';

export const memberAnswerSchema = z.object({
  memberId: z.string(),
  state: z.enum(memberStates),
  paidThrough: z.iso.date().nullable().describe('The last day the member is paid through; null if never paid'),
  rejected: z
    .array(z.object({ id: z.string().describe('The event id as sent'), reason: z.string() }))
    .describe('Events the member refused (they changed nothing), oldest first'),
});
type MemberAnswer = z.output<typeof memberAnswerSchema>;

export function memberAnswer(member: MemberView): MemberAnswer {
  return {
    memberId: member.memberId,
    state: member.state,
    paidThrough: member.paidThrough,
    rejected: member.rejected.map(({ id, reason }) => ({ id, reason })),
  };
}
