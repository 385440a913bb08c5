// Whether an error from a Temporal call means "Temporal cannot be reached now" (the billing system
// should retry: 503), as opposed to a fault of the gateway's own (500).

/** gRPC status codes: DEADLINE_EXCEEDED 4, RESOURCE_EXHAUSTED 8 (rate limited), UNAVAILABLE 14. */
const unreachableCodes = new Set<number>([4, 8, 14]);

export function isTemporalUnavailable(error: unknown): boolean {
  for (
    let current: unknown = error, depth = 0;
    current && depth < 5;
    current = (current as { cause?: unknown }).cause, depth += 1
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number' && unreachableCodes.has(code)) return true;
    if (
      /ECONNREFUSED|Failed to connect|UNAVAILABLE|DEADLINE_EXCEEDED|Deadline exceeded/i.test(
        String((current as Error).message ?? ''),
      )
    )
      return true;
  }
  return false;
}
