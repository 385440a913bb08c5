// Request signatures: HMAC-SHA256 over "<timestamp>.<raw body>" with a shared secret, sent as
//   Standing-Timestamp: 1795000000            (Unix seconds)
//   Standing-Signature: v1=<64 hex digits>    (several, comma-separated, while a secret rotates)
// Signing the timestamp with the body means a captured request cannot be replayed later: one
// whose timestamp is more than the tolerance away from the gateway's clock is refused. A GET has
// no body: it signs its request target instead (`GET /v1/members/S0001`), so a signature for one
// member cannot read another.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'standing-timestamp';
export const SIGNATURE_HEADER = 'standing-signature';
const DEFAULT_TOLERANCE_SECONDS = 300;

export function sign(secret: string, timestamp: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** Headers for a request, as a billing system sends them (tests and the benchmark use this too). */
export function signedHeaders(secret: string, body: string, now: number = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: sign(secret, timestamp, body),
  };
}

/** What a GET signs in place of a body: its method and request target, as sent. */
export function signedTarget(path: string): string {
  return `GET ${path}`;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Whether a request was signed by one of `secrets` within the tolerance of `now` (milliseconds). */
export function verify(
  secrets: readonly string[],
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
  now: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): Verdict {
  if (!headers.timestamp || !headers.signature)
    return { ok: false, reason: `missing ${!headers.timestamp ? 'Standing-Timestamp' : 'Standing-Signature'} header` };
  if (!/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, reason: 'Standing-Timestamp must be Unix seconds' };
  const timestamp = Number(headers.timestamp);
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds)
    return {
      ok: false,
      reason: `Standing-Timestamp is more than ${toleranceSeconds} seconds from the gateway's clock`,
    };
  const offered = headers.signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='));
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, timestamp, body));
    if (
      offered.some(
        (candidate) => candidate.length === expected.length && timingSafeEqual(Buffer.from(candidate), expected),
      )
    )
      return { ok: true };
  }
  return { ok: false, reason: 'signature does not match' };
}
