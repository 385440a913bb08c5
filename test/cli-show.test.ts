// `standing show` for people: deadlines and provider deliveries in the association's time zone, as
// the timeline shows them (the JSON keeps ISO instants: test/integration/cli-show.test.ts).
import { describe, expect, it } from 'vitest';
import { formatStanding } from '../cli/runtime-commands.js';
import type { Delivery } from '../machines/deliveries.js';
import type { MemberStanding } from '../workflows/messages.js';
import { activeInJune, association, run } from './helpers.js';

const config = association({}, { association: { id: 'SHOW', timezone: 'America/Chicago' } });
const member = run(config, activeInJune('SH1'));

const delivery = (provider: Delivery['provider'], status: string, outcome: Delivery['outcome']): Delivery => ({
  key: `membership/SHOW/SH1/run/0/${provider}`,
  provider,
  status,
  change: 'suspended',
  at: '2026-07-21T05:00:00.000Z',
  role: 'primary',
  outcome,
  retries: 0,
});

const standing: MemberStanding = {
  associationId: 'SHOW',
  member,
  nextDeadline: { name: 'expired', at: '2026-07-01T05:00:00.000Z' },
  providerSync: {
    status: 'failed',
    deliveries: [
      { ...delivery('m1', 'Suspended', 'deferred'), notBefore: '2026-12-01T06:00:00.000Z' },
      { ...delivery('mls', 'Inactive', 'failed'), reason: 'agent has open listings' },
      { ...delivery('lockbox', 'Inactive', 'acknowledged'), acknowledgedAt: '2026-07-21T05:00:03.000Z' },
    ],
  },
  warnings: ['ignored a malformed event: id: must be a non-empty string'],
};

describe('formatStanding', () => {
  const text = formatStanding(standing, 'America/Chicago');

  it('gives the next deadline and deferred deliveries in the association’s time zone', () => {
    expect(text).toContain('next: expired at 2026-07-01 00:00 CDT');
    expect(text).toContain('  m1 Suspended (suspended at 2026-07-21 00:00 CDT) deferred until 2026-12-01 00:00 CST');
  });

  it('lists deliveries not yet acknowledged, with a refusal’s reason, and the warnings', () => {
    expect(text).toContain('providers: failed');
    expect(text).toContain('  mls Inactive (suspended at 2026-07-21 00:00 CDT) failed: agent has open listings');
    expect(text).not.toContain('lockbox Inactive');
    expect(text).toContain('warning: ignored a malformed event: id: must be a non-empty string');
  });

  it('shows no UTC instant anywhere', () => {
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  it('says when the member has had no joined or imported event', () => {
    expect(formatStanding({ ...standing, member: null }, 'America/Chicago')).toBe(
      'SHOW: waiting for a joined or imported event',
    );
  });
});

describe('a reversal on the timeline', () => {
  it('names the reversal that put the member back in past due: its event, payment, amount and reason', () => {
    const log = activeInJune('SH2').reverse('2026-06-10', 'PAY-INV-2026-06-3', { reason: 'chargeback' }, 'R-42');
    const reversed = run(config, log);
    const text = formatStanding({ ...standing, member: reversed, providerSync: null, warnings: [] }, 'America/Chicago');
    expect(text).toMatch(/paymentReversed R-42 \(payment PAY-INV-2026-06-3, 50, chargeback\)\s*│ pastDue/);
  });
});
