// Provider commands (spec section 7): per-type rules, M1's primary-only and suspension-window rules.
import { describe, expect, it } from 'vitest';
import { commandsFor, m1SuspendWindowOpen } from '../machines/providers.js';
import { EventLog, association, run } from './helpers.js';

const config = association();
const realtor = config.membershipTypes[0]!;
const defaultWindow = config.providers.m1!.suspendWindow;
const commands = (
  change: Parameters<typeof commandsFor>[0],
  date: string,
  role: 'primary' | 'secondary' = 'primary',
  cfg = config,
  type = realtor,
) => commandsFor(change, { providers: cfg.providers, type, role, date });

describe('commands on a change', () => {
  it('come in the order m1, mls, lockbox, each sent', () => {
    expect(commands('activated', '2026-06-02')).toEqual([
      { provider: 'm1', status: 'Active', outcome: 'sent' },
      { provider: 'mls', status: 'Active', outcome: 'sent' },
      { provider: 'lockbox', status: 'Active', outcome: 'sent' },
    ]);
  });

  it('leave out a provider whose rule is NoChange or absent', () => {
    const type = association({ rules: { suspended: { m1: 'NoChange', lockbox: 'Suspended' } } }).membershipTypes[0]!;
    expect(commands('suspended', '2028-01-15', 'primary', config, type)).toEqual([
      { provider: 'lockbox', status: 'Suspended', outcome: 'sent' },
    ]);
  });

  it('leave out a provider the association does not integrate', () => {
    const noLockbox = association({}, { providers: { m1: {}, mls: {} } });
    expect(
      commands('activated', '2026-06-02', 'primary', noLockbox, noLockbox.membershipTypes[0]!).map((c) => c.provider),
    ).toEqual(['m1', 'mls']);
  });

  it('are none for a change the type has no rule for, or a type with no rules', () => {
    expect(commands('renewed', '2026-06-02')).toEqual([]);
    expect(commands('activated', '2026-06-02', 'primary', config, config.membershipTypes[1]!)).toEqual([]);
  });
});

describe('M1', () => {
  it('skips every M1 command for a secondary association, with reason secondary-association', () => {
    expect(commands('activated', '2026-06-02', 'secondary')[0]).toEqual({
      provider: 'm1',
      status: 'Active',
      outcome: 'skipped',
      reason: 'secondary-association',
    });
    expect(commands('activated', '2026-06-02', 'secondary')[1]).toMatchObject({ provider: 'mls', outcome: 'sent' });
  });

  it('skips Suspended outside the window with reason m1-suspend-window-closed', () => {
    expect(commands('suspended', '2026-07-21')[0]).toEqual({
      provider: 'm1',
      status: 'Suspended',
      outcome: 'skipped',
      reason: 'm1-suspend-window-closed',
    });
  });

  it('sends Suspended inside the window', () => {
    expect(commands('suspended', '2028-02-10')[0]).toEqual({ provider: 'm1', status: 'Suspended', outcome: 'sent' });
  });

  it('opens the default window Jan 1 through Mar 1, inclusive, every three years from 2025', () => {
    const open = (date: string) => m1SuspendWindowOpen(defaultWindow, date);
    expect(['2025-01-01', '2025-03-01', '2028-01-01', '2028-03-01', '2031-02-14', '2022-02-01'].every(open)).toBe(true);
    expect(['2024-12-31', '2025-03-02', '2026-02-01', '2027-01-15', '2028-12-31'].some(open)).toBe(false);
  });

  it('follows a configured window', () => {
    const window = { anchorYear: 2026, everyYears: 2, from: '11-15', through: '12-31' };
    expect(m1SuspendWindowOpen(window, '2026-11-15')).toBe(true);
    expect(m1SuspendWindowOpen(window, '2028-12-31')).toBe(true);
    expect(m1SuspendWindowOpen(window, '2027-12-01')).toBe(false);
    expect(m1SuspendWindowOpen(window, '2026-11-14')).toBe(false);
  });

  it('applies the window to Suspended only: Terminated goes out any day', () => {
    expect(commands('dropped', '2026-07-21')[0]).toEqual({ provider: 'm1', status: 'Terminated', outcome: 'sent' });
  });
});

describe("the member's providers record", () => {
  it('holds the last status sent to each provider, not a skipped one', () => {
    const log = new EventLog()
      .join('2026-06-01')
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06')
      .add('suspended', '2026-06-10', {});
    expect(run(config, log).providers).toEqual({ m1: 'Active', mls: 'Inactive', lockbox: 'Inactive' });
  });

  it('is null for a provider nothing was sent to', () => {
    const log = new EventLog()
      .join('2026-06-01', 'REALTOR', 'secondary')
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06');
    expect(run(config, log).providers).toEqual({ m1: null, mls: 'Active', lockbox: 'Active' });
  });

  it('follows a role change: M1 is skipped after the member becomes secondary', () => {
    const log = new EventLog()
      .join('2026-06-01')
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06')
      .add('roleChanged', '2026-06-05', { role: 'secondary' })
      .add('dropped', '2026-06-10', {});
    const view = run(config, log);
    expect(view.role).toBe('secondary');
    expect(view.timeline.at(-1)?.commands[0]).toMatchObject({
      provider: 'm1',
      outcome: 'skipped',
      reason: 'secondary-association',
    });
  });
});
