// Temporal connection settings the usual Temporal way (@temporalio/envconfig): TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* and TEMPORAL_PROFILE / config-file profiles,
// so one worker runs against the local dev server, a self-hosted cluster or Temporal Cloud.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

export class TemporalUnreachable extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `cannot reach Temporal at ${address} (${(cause as Error).message}); is \`npm start\` running, or TEMPORAL_ADDRESS set?`,
    );
    this.name = 'TemporalUnreachable';
  }
}

export interface TemporalSettings {
  readonly address: string;
  readonly namespace: string;
}

function settings() {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions,
    namespace: namespace ?? 'default',
    address: connectionOptions.address ?? 'localhost:7233',
  };
}

/** The namespace the settings name (TEMPORAL_NAMESPACE, a profile's, else `default`), known before connecting. */
export function connectionNamespace(): string {
  return settings().namespace;
}

/** A client on the namespace given (an association's own), else the one the settings name. */
export async function connectClient(
  namespaceOverride?: string,
): Promise<{ client: Client; connection: Connection; settings: TemporalSettings }> {
  const { connectionOptions, address, namespace: named } = settings();
  const namespace = namespaceOverride ?? named;
  // Fail fast with a clear message rather than retrying for minutes when nothing listens there.
  const connection = await Connection.connect({ ...connectionOptions, address, connectTimeout: '5s' }).catch(
    (error: unknown) => {
      throw new TemporalUnreachable(address, error);
    },
  );
  return { client: new Client({ connection, namespace }), connection, settings: { address, namespace } };
}

/**
 * A client whose connection is made on first use and re-made after an outage: for the gateway,
 * which must start, and answer 503, while Temporal is down.
 */
export function lazyClient(): { client: Client; connection: Connection; settings: TemporalSettings } {
  const { connectionOptions, namespace, address } = settings();
  const connection = Connection.lazy({ ...connectionOptions, address, connectTimeout: '5s' });
  return { client: new Client({ connection, namespace }), connection, settings: { address, namespace } };
}

export async function connectWorker(): Promise<{ connection: NativeConnection; settings: TemporalSettings }> {
  const { connectionOptions, namespace, address } = settings();
  const connection = await NativeConnection.connect({ ...connectionOptions, address });
  return { connection, settings: { address, namespace } };
}
