// The billing gateway for integration tests: in front of a dev server it starts (with a worker on
// each association's namespace and task queue), or with a connection of its own to a Temporal that
// may be down (then each call gives up after 2 s).
import { status } from '@grpc/grpc-js';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { registerSearchAttributes } from '../../common/register-search-attributes.js';
import { buildGateway } from '../../gateway/server.js';
import type { GatewayAssociation } from '../../gateway/server.js';
import { temporalSinks } from '../../gateway/temporal-sink.js';
import type { TemporalSinks } from '../../gateway/temporal-sink.js';
import { isTemporalUnavailable } from '../../gateway/unavailable.js';
import type { AssociationConfig } from '../../schemas/association.js';
import { associationTaskQueue } from '../../workflows/messages.js';
import { fakeProviders } from '../workflow/fake-providers.js';
import { defaultNamespace, startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

/** An association as a test serves it: its rules, its secrets, and where its memberships run. */
export interface TestAssociation {
  readonly config: AssociationConfig;
  readonly secrets: readonly string[];
  /** Its Stripe endpoint secrets: none unless given. */
  readonly stripeSecrets?: readonly string[];
  /** The server's namespace unless given (another is registered on the dev server first). */
  readonly namespace?: string;
}

interface Placed {
  readonly config: AssociationConfig;
  readonly namespace: string;
  readonly taskQueue: string;
}

const DEFAULT_NAMESPACE = defaultNamespace;

function placed(association: TestAssociation): Placed {
  return {
    config: association.config,
    namespace: association.namespace ?? DEFAULT_NAMESPACE,
    taskQueue: associationTaskQueue(association.config.association.id),
  };
}

export interface TestGateway {
  /** Where the gateway listens, like http://127.0.0.1:PORT. */
  readonly url: string;
  close(): Promise<void>;
}

export interface GatewayOnDevServer extends TestGateway {
  readonly server: DevServer;
  /** A client into one association's memberships, in its namespace and on its task queue. */
  clientOf(associationId: string): MembershipClient;
  /** Closes the gateway and the workers, then stops the server. */
  stop(): Promise<void>;
}

/** A gateway serving `associations` through `sinks`, listening on a free local port. */
async function listen(associations: readonly TestAssociation[], sinks: TemporalSinks): Promise<TestGateway> {
  const served = new Map<string, GatewayAssociation>(
    associations.map((association) => {
      const id = association.config.association.id;
      return [
        id,
        {
          id,
          config: association.config,
          secrets: association.secrets,
          stripeSecrets: association.stripeSecrets ?? [],
          sink: sinks.sinkFor(placed(association)),
        },
      ];
    }),
  );
  const gateway = await buildGateway({
    associations: () => served,
    reachable: () => sinks.reachable(),
    isUnavailable: isTemporalUnavailable,
  });
  const url = await gateway.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => gateway.close() };
}

/** Registers `namespace` on the dev server, with the membership search attributes, and waits until it answers. */
async function registerNamespace(env: TestWorkflowEnvironment, namespace: string): Promise<void> {
  try {
    await env.connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
  } catch (error) {
    if (!isGrpcServiceError(error) || error.code !== status.ALREADY_EXISTS) throw error;
  }
  // The server's namespace cache learns of a new namespace a moment after it is registered.
  for (let attempt = 0; ; attempt += 1) {
    try {
      await registerSearchAttributes(env.connection, namespace);
      await env.connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (error) {
      if (attempt >= 60 || !isGrpcServiceError(error) || error.code !== status.NOT_FOUND) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * Workers on each association's namespace and task queue (the dev server's own worker polls only the
 * legacy queue), with fake providers that accept everything.
 */
export async function startWorkers(
  env: TestWorkflowEnvironment,
  associations: readonly TestAssociation[],
): Promise<{ stop(): Promise<void> }> {
  const places = new Map(associations.map(placed).map((place) => [`${place.namespace}\n${place.taskQueue}`, place]));
  for (const namespace of new Set([...places.values()].map((place) => place.namespace)))
    if (namespace !== DEFAULT_NAMESPACE) await registerNamespace(env, namespace);
  const workers = await Promise.all(
    [...places.values()].map((place) =>
      Worker.create({
        connection: env.nativeConnection,
        namespace: place.namespace,
        taskQueue: place.taskQueue,
        workflowBundle: { codePath: inject('workflowBundle') },
        activities: fakeProviders().activities,
      }),
    ),
  );
  const running = workers.map((worker) => worker.run());
  return {
    async stop() {
      for (const worker of workers) worker.shutdown();
      await Promise.all(running);
    },
  };
}

/** A dev server, a worker for each association, and a gateway serving them in front of it. */
export async function startGatewayOnDevServer(associations: readonly TestAssociation[]): Promise<GatewayOnDevServer> {
  const server = await startDevServer({ worker: false });
  try {
    const workers = await startWorkers(server.env, associations);
    const gateway = await listen(associations, temporalSinks(server.env.connection));
    const clients = new Map(
      associations.map((association) => {
        const place = placed(association);
        const client = new Client({ connection: server.env.connection, namespace: place.namespace });
        return [association.config.association.id, new MembershipClient(client, place.config, place.taskQueue)];
      }),
    );
    return {
      server,
      ...gateway,
      clientOf: (associationId) => clients.get(associationId)!,
      async stop() {
        await gateway.close();
        await workers.stop();
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
export async function gatewayTo(address: string, associations: readonly TestAssociation[]): Promise<TestGateway> {
  const connection = Connection.lazy({ address, connectTimeout: '1s' });
  const gateway = await listen(associations, temporalSinks(connection, 2_000));
  return {
    url: gateway.url,
    async close() {
      await gateway.close();
      await connection.close();
    },
  };
}
