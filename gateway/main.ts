// The billing gateway process (npm run gateway; npm start runs it) on 127.0.0.1:8787, for every
// association loaded (STANDING_ASSOCIATIONS folder, or STANDING_CONFIG file, else the samples):
// POST /v1/associations/{id}/events and GET /v1/associations/{id}/members/{memberId}, each association
// signed with its own secrets. Settings from the environment:
//   STANDING_GATEWAY_SECRETS_DIR  a folder with a file per association, named by its id, one secret a line
//                                 (used by an association whose file names no gateway.secretsEnv/secretsFile),
//                                 and <id>.stripe for its Stripe endpoint secrets (no gateway.stripeSecrets*)
//   STANDING_GATEWAY_SECRET(S)    shared secret(s), comma-separated: only while exactly one association is loaded
//   STANDING_GATEWAY_HOST, _PORT  where to listen (default 127.0.0.1:8787)
//   STANDING_GATEWAY_BODY_LIMIT   largest body in bytes (default 1 MiB)
//   STANDING_GATEWAY_STATE_DIR    a folder for <id>.stripe-payments.jsonl, the Stripe payments and customers
//                                 each association's invoices named (so a refund finds its member after a
//                                 restart; gateway processes may share it); without it, memory only
// Temporal is found as the worker finds it (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...); each
// association's memberships are in its own namespace and task queue (the file's `temporal`).
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { associationSource } from '../common/association-set.js';
import { lazyClient } from '../common/temporal-connection.js';
import { serveAssociations, splitSecrets } from './associations.js';
import { DEFAULT_BODY_LIMIT, buildGateway } from './server.js';
import { StripeMembers } from './stripe-members.js';
import { temporalSinks } from './temporal-sink.js';
import { isTemporalUnavailable } from './unavailable.js';

const settingsSchema = z.object({
  STANDING_GATEWAY_SECRET: z.string().optional(),
  STANDING_GATEWAY_SECRETS: z.string().optional(),
  STANDING_GATEWAY_SECRETS_DIR: z.string().min(1).optional(),
  STANDING_GATEWAY_HOST: z.string().default('127.0.0.1'),
  STANDING_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  STANDING_GATEWAY_BODY_LIMIT: z.coerce.number().int().positive().default(DEFAULT_BODY_LIMIT),
  STANDING_GATEWAY_STATE_DIR: z.string().min(1).optional(),
});

const parsed = settingsSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`[gateway] ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const settings = parsed.data;
let source;
try {
  source = associationSource(undefined, process.env);
} catch (error) {
  console.error(`[gateway] ${(error as Error).message}`);
  process.exit(2);
}
const sharedFrom = ['STANDING_GATEWAY_SECRETS', 'STANDING_GATEWAY_SECRET'].filter((name) => process.env[name]);
const { connection, settings: temporal } = lazyClient();
const sinks = temporalSinks(connection);
const served = await serveAssociations({
  source,
  namespace: temporal.namespace,
  secrets: {
    env: process.env,
    ...(settings.STANDING_GATEWAY_SECRETS_DIR ? { secretsDir: resolve(settings.STANDING_GATEWAY_SECRETS_DIR) } : {}),
    sharedSecrets: splitSecrets(`${settings.STANDING_GATEWAY_SECRETS ?? ''},${settings.STANDING_GATEWAY_SECRET ?? ''}`),
    sharedFrom: sharedFrom.join(' and ') || 'STANDING_GATEWAY_SECRET',
  },
  sinkFor: (association) => sinks.sinkFor(association),
});
const stateDir = settings.STANDING_GATEWAY_STATE_DIR ? resolve(settings.STANDING_GATEWAY_STATE_DIR) : undefined;
if (stateDir) await mkdir(stateDir, { recursive: true, mode: 0o700 });
else
  console.log(
    '[gateway] warning: STANDING_GATEWAY_STATE_DIR is not set: a Stripe refund or dispute finds its member only from invoices paid since this gateway started',
  );
const app = await buildGateway({
  associations: served.current,
  ...(stateDir
    ? {
        stripeMembers: (associationId: string) =>
          StripeMembers.open(stateDir, associationId, { log: (line) => console.log(`[gateway] ${line}`) }),
      }
    : {}),
  reachable: sinks.reachable,
  bodyLimit: settings.STANDING_GATEWAY_BODY_LIMIT,
  isUnavailable: isTemporalUnavailable,
});
const url = await app.listen({ host: settings.STANDING_GATEWAY_HOST, port: settings.STANDING_GATEWAY_PORT });
console.log(
  `[gateway] POST ${url}/v1/associations/{id}/events, POST ${url}/v1/associations/{id}/stripe, GET ${url}/v1/associations/{id}/members/{memberId} for the associations in ${source.path} (Temporal ${temporal.address}); OpenAPI at ${url}/openapi.json`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    served.close();
    void app.close().then(async () => {
      await connection.close();
      process.exit(0);
    });
  });
}
