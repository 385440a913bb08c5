// Request signatures in the Standard Webhooks scheme (standardwebhooks.com), checked with its own
// library, so a sender can sign with off-the-shelf tools:
//   webhook-id: <unique message id>   webhook-timestamp: <Unix seconds>
//   webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">   (several, space-separated)
// The key is the association's gateway secret: one written `whsec_<base64>` is that key, as the
// scheme has it; any other secret's key is its UTF-8 bytes, so its Standard Webhooks form is
// `whsec_` + base64(secret) (standardSecret). A GET signs "GET <request target>" as its body.
import { Webhook } from 'standardwebhooks';
import type { Verdict } from './signature.js';

export const STANDARD_ID_HEADER = 'webhook-id';
export const STANDARD_TIMESTAMP_HEADER = 'webhook-timestamp';
export const STANDARD_SIGNATURE_HEADER = 'webhook-signature';
const PREFIX = 'whsec_';

/** The Standard Webhooks form of a gateway secret: what a sender gives its library. */
export function standardSecret(secret: string): string {
  return secret.startsWith(PREFIX) ? secret : `${PREFIX}${Buffer.from(secret, 'utf8').toString('base64')}`;
}

/** Headers for a request signed in the Standard Webhooks scheme (tests and the benchmark use this). */
export function standardHeaders(
  secret: string,
  body: string,
  id: string,
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    [STANDARD_ID_HEADER]: id,
    [STANDARD_TIMESTAMP_HEADER]: String(timestamp),
    [STANDARD_SIGNATURE_HEADER]: new Webhook(standardSecret(secret)).sign(id, new Date(timestamp * 1000), body),
  };
}

/**
 * Whether a request was signed in the Standard Webhooks scheme by one of `secrets`. The timestamp is
 * checked against `now` with `toleranceSeconds` first (the library checks its own five minutes
 * against the system clock after).
 */
export function verifyStandard(
  secrets: readonly string[],
  header: (name: string) => string | undefined,
  body: Buffer,
  now: number,
  toleranceSeconds: number,
): Verdict {
  const headers = {
    [STANDARD_ID_HEADER]: header(STANDARD_ID_HEADER),
    [STANDARD_TIMESTAMP_HEADER]: header(STANDARD_TIMESTAMP_HEADER),
    [STANDARD_SIGNATURE_HEADER]: header(STANDARD_SIGNATURE_HEADER),
  };
  const missing = Object.entries(headers).find(([, value]) => !value)?.[0];
  if (missing) return { ok: false, reason: `missing ${missing} header` };
  const timestamp = headers[STANDARD_TIMESTAMP_HEADER]!;
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'webhook-timestamp must be Unix seconds' };
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds)
    return { ok: false, reason: `webhook-timestamp is more than ${toleranceSeconds} seconds from the gateway's clock` };
  let reason = 'signature does not match';
  for (const secret of secrets) {
    try {
      new Webhook(standardSecret(secret)).verify(body, headers as Record<string, string>, { jsonParse: false });
      return { ok: true };
    } catch (error) {
      const message = (error as Error).message;
      if (/timestamp/i.test(message)) reason = message;
    }
  }
  return { ok: false, reason };
}
