// The billing gateway process (npm run gateway; npm start runs it): POST /v1/events and
// GET /v1/members/{memberId} on 127.0.0.1:8787 for the association in STANDING_CONFIG. Settings
// from the environment:
//   STANDING_GATEWAY_SECRET       shared secret(s) for request signatures, comma-separated (required)
//   STANDING_GATEWAY_HOST, _PORT  where to listen (default 127.0.0.1:8787)
//   STANDING_GATEWAY_BODY_LIMIT   largest body in bytes (default 1 MiB)
// Temporal is found as the worker finds it (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...).
import { z } from 'zod';
import { associationFile, readAssociationFile } from '../common/association-file.js';
import { lazyClient } from '../common/temporal-connection.js';
import { DEFAULT_BODY_LIMIT, buildGateway } from './server.js';
import { temporalSink } from './temporal-sink.js';
import { isTemporalUnavailable } from './unavailable.js';

const settingsSchema = z.object({
  STANDING_GATEWAY_SECRET: z
    .string({ error: 'required: the shared secret billing systems sign requests with' })
    .transform((text) =>
      text
        .split(',')
        .map((secret) => secret.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().min(16, 'each secret must be at least 16 characters'))
        .min(1, 'required: the shared secret billing systems sign requests with'),
    ),
  STANDING_GATEWAY_HOST: z.string().default('127.0.0.1'),
  STANDING_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  STANDING_GATEWAY_BODY_LIMIT: z.coerce.number().int().positive().default(DEFAULT_BODY_LIMIT),
});

const parsed = settingsSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`[gateway] ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const settings = parsed.data;
const association = await readAssociationFile(associationFile());
const { client, connection, settings: temporal } = lazyClient();
const app = await buildGateway({
  association,
  sink: temporalSink(client, connection, association),
  secrets: settings.STANDING_GATEWAY_SECRET,
  bodyLimit: settings.STANDING_GATEWAY_BODY_LIMIT,
  isUnavailable: isTemporalUnavailable,
});
const url = await app.listen({ host: settings.STANDING_GATEWAY_HOST, port: settings.STANDING_GATEWAY_PORT });
console.log(
  `[gateway] POST ${url}/v1/events, GET ${url}/v1/members/{memberId} for association ${association.association.id} (Temporal ${temporal.address}); OpenAPI at ${url}/openapi.json`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void app.close().then(async () => {
      await connection.close();
      process.exit(0);
    });
  });
}
