// The rules the provider simulators enforce, as the real providers do: pure, so tests can read them.
import { m1SuspendWindowOpen } from '../machines/providers.js';
import type { M1SuspendWindow } from '../schemas/association.js';

export const simulatedProviders = ['m1', 'mls', 'sentrilock', 'supra'] as const;
export type SimulatedProvider = (typeof simulatedProviders)[number];

export const providerStatuses: Readonly<Record<SimulatedProvider, readonly string[]>> = {
  m1: ['Active', 'Inactive', 'Suspended', 'Terminated'],
  mls: ['Active', 'Inactive', 'Suspended'],
  sentrilock: ['Active', 'Inactive', 'Suspended'],
  supra: ['Active', 'Inactive', 'Suspended'],
};

/** A refusal as the provider answers it: HTTP status and a machine-readable error code. */
export interface Refusal {
  readonly statusCode: 400 | 403 | 404 | 422;
  readonly error: string;
  readonly message: string;
}

export interface StatusChange {
  readonly provider: SimulatedProvider;
  readonly status: string;
  /** Whether the provider already has a record of the member. */
  readonly known: boolean;
  /** M1 only: the association's role for this member. */
  readonly role?: string;
  /** The provider's own today, YYYY-MM-DD. */
  readonly today: string;
  readonly m1Window: M1SuspendWindow;
}

/** Why the provider refuses the change, or null when it accepts it. */
export function refusal(change: StatusChange): Refusal | null {
  const { provider, status } = change;
  if (provider === 'sentrilock' && status === 'Null') {
    return { statusCode: 422, error: 'null-not-selectable', message: 'SentriLock has no Null status' };
  }
  if (!providerStatuses[provider].includes(status)) {
    return {
      statusCode: 400,
      error: 'invalid-status',
      message: `${provider} statuses are ${providerStatuses[provider].join(', ')}`,
    };
  }
  if (provider === 'm1') {
    if (change.role !== 'primary')
      return {
        statusCode: 403,
        error: 'secondary-association',
        message: 'only the primary association may edit an M1 record',
      };
    if (status === 'Suspended' && !m1SuspendWindowOpen(change.m1Window, change.today)) {
      return {
        statusCode: 422,
        error: 'suspend-window-closed',
        message: `M1 accepts Suspended only in its window; ${change.today} is outside it`,
      };
    }
  }
  // A provider creates its record when the member is first made Active; anything else needs one.
  if (!change.known && status !== 'Active')
    return { statusCode: 404, error: 'unknown-member', message: 'no record of this member' };
  return null;
}
