// The billing gateway for integration tests: in front of a dev server it starts, or with a
// connection of its own to a Temporal that may be down (then each call gives up after 2 s).
import { Client, Connection } from '@temporalio/client';
import { buildGateway } from '../../gateway/server.js';
import type { EventSink } from '../../gateway/server.js';
import { temporalSink } from '../../gateway/temporal-sink.js';
import { isTemporalUnavailable } from '../../gateway/unavailable.js';
import type { AssociationConfig } from '../../schemas/association.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

export interface TestGateway {
  /** Where the gateway listens, like http://127.0.0.1:PORT. */
  readonly url: string;
  close(): Promise<void>;
}

export interface GatewayOnDevServer extends TestGateway {
  readonly server: DevServer;
  /** Closes the gateway, then stops the server. */
  stop(): Promise<void>;
}

/** A gateway on `sink` that takes requests signed with `secret`, listening on a free local port. */
async function listen(config: AssociationConfig, secret: string, sink: EventSink): Promise<TestGateway> {
  const gateway = await buildGateway({
    association: config,
    sink,
    secrets: [secret],
    isUnavailable: isTemporalUnavailable,
  });
  const url = await gateway.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => gateway.close() };
}

/** A dev server (with the standing worker) and a gateway in front of it. */
export async function startGatewayOnDevServer(config: AssociationConfig, secret: string): Promise<GatewayOnDevServer> {
  const server = await startDevServer();
  try {
    const gateway = await listen(config, secret, temporalSink(server.env.client, server.env.connection, config));
    return {
      server,
      ...gateway,
      async stop() {
        await gateway.close();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * A gateway with a lazy connection of its own to the Temporal at `address` (closed with the
 * gateway): a server that is down, or one that stops and comes back, answers within 2 s.
 */
export async function gatewayTo(address: string, config: AssociationConfig, secret: string): Promise<TestGateway> {
  const connection = Connection.lazy({ address, connectTimeout: '1s' });
  const gateway = await listen(config, secret, temporalSink(new Client({ connection }), connection, config, 2_000));
  return {
    url: gateway.url,
    async close() {
      await gateway.close();
      await connection.close();
    },
  };
}
