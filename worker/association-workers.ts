// The associations a worker process serves and the Temporal Workers serving them: one Worker per
// (namespace, task queue) of the loaded associations, plus one on the legacy `standing` queue of the
// connection's namespace (memberships started before each association had its own queue). A
// reloaded set starts a Worker for an association added, replaces the settings of one changed (and
// sends its running members the new configuration), and shuts down the Worker of one removed.
import { status } from '@grpc/grpc-js';
import { Client, isGrpcServiceError } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import type { HttpClient } from '../activities/providers.js';
import type { ServedAssociation, ServedAssociations } from '../activities/served-associations.js';
import { configVersion } from '../client/config-version.js';
import { MembershipClient } from '../client/membership-client.js';
import type { AssociationSet } from '../common/association-set.js';
import { registerSearchAttributes } from '../common/register-search-attributes.js';
import { rulesOf } from '../schemas/association.js';
import type { AssociationConfig } from '../schemas/association.js';
import { formatInputError } from '../schemas/parse.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { createStandingActivities } from './activities.js';
import { createStandingWorker } from './create-worker.js';
import { describeProviderSources, providerSettingsOf } from './provider-settings.js';
import type { AssociationProviderSettings } from './provider-settings.js';
import { DEFAULT_RECONCILE_CRON, ensureReconciliationSchedule } from './reconciliation-schedule.js';
import { memorySettingsOf, splitWorkflowCache } from './memory-settings.js';
import type { CacheClaim, MemorySettings } from './memory-settings.js';

/** One association as this process serves it. */
interface Served extends ServedAssociation {
  readonly file: string;
  readonly config: AssociationConfig;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly sources: AssociationProviderSettings['sources'];
}

interface Running {
  readonly namespace: string;
  readonly taskQueue: string;
  readonly worker: Worker;
  readonly done: Promise<void>;
  /** Its share of the process's workflow cache, fixed while it runs. */
  readonly cache: number;
}

export interface AssociationWorkersOptions {
  /** The Workers' connection. */
  readonly nativeConnection: NativeConnection;
  /** The clients' connection: one Client per namespace on it. */
  readonly clientConnection: Connection;
  /** The connection's namespace: where the legacy queue is served, and an association's default. */
  readonly connectionNamespace: string;
  readonly log: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  readonly http?: HttpClient;
  readonly workerOptions?: Partial<WorkerOptions>;
  /** The workflow cache budget and task slots; default: from the environment (memorySettingsOf). */
  readonly memory?: MemorySettings;
}

const keyOf = (namespace: string, taskQueue: string) => JSON.stringify([namespace, taskQueue]);
const where = (namespace: string, taskQueue: string) => `task queue ${taskQueue} in namespace ${namespace}`;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** Graceful: the Worker stops polling and finishes what it holds. One a signal already stopped is left to finish. */
const stop = (worker: Worker) => {
  if (worker.getState() === 'RUNNING') worker.shutdown();
};

export class AssociationWorkers {
  /** By id: what every Worker's activities look their caller's association up in (live: a reload replaces an entry). */
  private served = new Map<string, Served>();
  private readonly running = new Map<string, Running>();
  /** Workers shutting down (their association removed), until their in-flight tasks finish. */
  private readonly draining = new Map<string, Promise<void>>();
  private readonly clients = new Map<string, Client>();
  /** Namespaces found, their search attributes registered (a missing one is asked again at the next reload). */
  private readonly namespacesReady = new Set<string>();
  private legacy: Running | undefined;
  private applying: Promise<void> = Promise.resolve();
  /** Problems the last reload reported: one that persists is not logged again at every reload. */
  private complaints = new Set<string>();
  private stopping = false;
  /** Cache shares worked out at start for the first set's Workers together, legacy included. */
  private planned = new Map<string, number>();
  readonly memory: MemorySettings;

  constructor(private readonly options: AssociationWorkersOptions) {
    this.memory = options.memory ?? memorySettingsOf(options.env ?? process.env);
  }

  private get log() {
    return this.options.log;
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  /** The associations the Worker on (namespace, task queue) serves: those of that queue; on the legacy queue, all of the connection's namespace. */
  servedOn(namespace: string, taskQueue: string): ServedAssociations {
    const legacy = namespace === this.options.connectionNamespace && taskQueue === TASK_QUEUE;
    return (id) => {
      const association = this.served.get(id);
      if (association === undefined || association.namespace !== namespace) return undefined;
      return legacy || association.taskQueue === taskQueue ? association : undefined;
    };
  }

  /** The ids served now (for tests and logs). */
  get associationIds(): string[] {
    return [...this.served.keys()];
  }

  /**
   * Starts the legacy queue's Worker, then applies the first set. Fails when the connection's
   * namespace cannot be served (it does not exist): without it the process serves nothing it should.
   */
  async start(set: AssociationSet): Promise<void> {
    const namespace = this.options.connectionNamespace;
    const problem = await this.prepareNamespace(namespace);
    if (problem !== null) throw new Error(`namespace ${namespace} (the connection's, TEMPORAL_NAMESPACE): ${problem}`);
    // The first set's Workers share the budget together: the legacy one is not served first.
    const queues = new Map<string, { namespace: string; taskQueue: string; associations: number }>();
    queues.set(keyOf(namespace, TASK_QUEUE), { namespace, taskQueue: TASK_QUEUE, associations: 0 });
    for (const loaded of set.associations.values()) {
      const key = keyOf(loaded.namespace, loaded.taskQueue);
      const entry = queues.get(key) ?? { namespace: loaded.namespace, taskQueue: loaded.taskQueue, associations: 0 };
      queues.set(key, { ...entry, associations: entry.associations + 1 });
    }
    this.planned = splitWorkflowCache(this.memory, 0, await this.claims([...queues.entries()]));
    this.legacy = await this.startWorker(namespace, TASK_QUEUE);
    this.log(
      `legacy ${where(namespace, TASK_QUEUE)}: memberships started before each association had its own queue, for every association of the namespace (workflow cache ${this.legacy.cache})`,
    );
    await this.apply(set);
  }

  /** Applies a (re)loaded set; sets apply one after another, in the order they were loaded. A failure is logged, and rejects. */
  apply(set: AssociationSet): Promise<void> {
    const next = this.applying.then(() => this.applyNow(set));
    this.applying = next.catch((error: unknown) => this.log(`could not apply the associations: ${messageOf(error)}`));
    return next;
  }

  /** Resolves once the worker has been shut down (SIGINT or SIGTERM stop every Worker) and every Worker has finished. */
  async untilStopped(): Promise<void> {
    try {
      await this.legacy?.done;
    } finally {
      this.stopping = true;
      await this.applying;
      for (const running of this.running.values()) stop(running.worker);
      await Promise.allSettled([...[...this.running.values()].map((r) => r.done), ...this.draining.values()]);
    }
  }

  private async applyNow(set: AssociationSet): Promise<void> {
    if (this.stopping) return;
    const { connectionNamespace } = this.options;
    const { env } = this;
    const complaints = new Set<string>();
    const complain = (line: string) => {
      complaints.add(line);
      if (!this.complaints.has(line)) this.log(line);
    };
    for (const problem of set.problems) complain(formatInputError(problem));
    const problemFiles = new Set(set.problems.map((p) => p.file));
    const next = new Map<string, Served>();
    const changed = new Set<string>();
    const rulesChanged = new Set<string>();
    for (const loaded of set.associations.values()) {
      const previous = this.served.get(loaded.id);
      let resolved: AssociationProviderSettings;
      try {
        resolved = providerSettingsOf(loaded.config, { file: loaded.file, env });
      } catch (error) {
        if (previous) next.set(loaded.id, previous);
        complain(
          `${messageOf(error)}; ${previous ? `association ${loaded.id} keeps its previous configuration` : `association ${loaded.id} is not served`}`,
        );
        continue;
      }
      const entry: Served = {
        id: loaded.id,
        file: loaded.file,
        config: loaded.config,
        namespace: loaded.namespace,
        taskQueue: loaded.taskQueue,
        settings: resolved.settings,
        sources: resolved.sources,
        client: this.clientOf(loaded.namespace),
      };
      if (previous && sameDeployment(previous, entry)) {
        next.set(loaded.id, previous);
        continue;
      }
      next.set(loaded.id, entry);
      changed.add(loaded.id);
      if (!previous || configVersion(rulesOf(previous.config)) !== configVersion(rulesOf(entry.config)))
        rulesChanged.add(loaded.id);
      this.log(
        `association ${entry.id} from ${entry.file}: namespace ${entry.namespace}, task queue ${entry.taskQueue}; providers: ${describeProviderSources(entry.sources, entry.config.providers.lockbox?.vendor)}`,
      );
    }
    // A file that was serving an association and now has a problem keeps it as it was.
    for (const previous of this.served.values()) {
      if (next.has(previous.id) || !problemFiles.has(previous.file)) continue;
      next.set(previous.id, previous);
      complain(`${previous.file} is not valid; association ${previous.id} keeps its previous configuration`);
    }
    for (const previous of this.served.values()) {
      if (!next.has(previous.id))
        this.log(
          `association ${previous.id} removed (${previous.file}): no longer served here; its memberships wait on ${where(previous.namespace, previous.taskQueue)} until a worker serves it again`,
        );
    }
    this.served = next;

    const started = await this.reconcileWorkers(complain);
    this.complaints = complaints;
    for (const association of next.values()) {
      const key = keyOf(association.namespace, association.taskQueue);
      const legacyKey = association.namespace === connectionNamespace && association.taskQueue === TASK_QUEUE;
      if (!legacyKey && !this.running.has(key)) continue;
      const fresh = started.has(key);
      if (changed.has(association.id) || fresh) await this.ensureSchedule(association);
      if (rulesChanged.has(association.id) || fresh) await this.broadcast(association);
    }
  }

  /** Starts the Workers the served associations need and stops those no association needs; returns the keys started. */
  private async reconcileWorkers(complain: (line: string) => void): Promise<Set<string>> {
    const wanted = new Map<string, { namespace: string; taskQueue: string; ids: string[] }>();
    for (const { id, namespace, taskQueue } of this.served.values()) {
      if (namespace === this.options.connectionNamespace && taskQueue === TASK_QUEUE) continue; // the legacy Worker
      const key = keyOf(namespace, taskQueue);
      const entry = wanted.get(key) ?? { namespace, taskQueue, ids: [] };
      entry.ids.push(id);
      wanted.set(key, entry);
    }
    for (const [key, running] of this.running) {
      if (wanted.has(key)) continue;
      this.running.delete(key);
      this.log(`stopping the Worker of ${where(running.namespace, running.taskQueue)}: in-flight tasks finish first`);
      stop(running.worker);
      this.draining.set(
        key,
        running.done.finally(() => {
          this.draining.delete(key);
          this.log(`stopped serving ${where(running.namespace, running.taskQueue)}`);
        }),
      );
    }
    const started = new Set<string>();
    const starting: [string, { namespace: string; taskQueue: string; ids: string[] }][] = [];
    for (const [key, entry] of wanted) {
      if (this.running.has(key) || this.stopping) continue;
      const problem = await this.prepareNamespace(entry.namespace);
      if (problem !== null) {
        for (const id of entry.ids) complain(`association ${id}: namespace ${entry.namespace} ${problem}; not served`);
        continue;
      }
      starting.push([key, entry]);
    }
    // Workers planned at start keep their shares; the others split what the running ones leave.
    const unplanned = starting.filter(([key]) => !this.planned.has(key));
    const held = [...this.running.values(), ...(this.legacy ? [this.legacy] : [])].reduce((sum, r) => sum + r.cache, 0);
    const plannedNow = starting.reduce((sum, [key]) => sum + (this.planned.get(key) ?? 0), 0);
    const shares = splitWorkflowCache(
      this.memory,
      held + plannedNow,
      await this.claims(unplanned.map(([key, e]) => [key, { ...e, associations: e.ids.length }])),
    );
    for (const [key, { namespace, taskQueue, ids }] of starting) {
      const cache = this.planned.get(key) ?? shares.get(key) ?? this.memory.workflowCacheFloor;
      // One connection takes one Worker per (namespace, task queue): a draining one finishes first.
      await this.draining.get(key)?.catch(() => undefined);
      try {
        this.running.set(key, await this.startWorker(namespace, taskQueue, cache));
        started.add(key);
        this.log(`serving ${where(namespace, taskQueue)}: ${ids.join(', ')} (workflow cache ${cache})`);
      } catch (error) {
        for (const id of ids)
          complain(
            `association ${id}: could not start the Worker of ${where(namespace, taskQueue)}: ${messageOf(error)}`,
          );
      }
    }
    this.planned.clear();
    const total = [...this.running.values(), ...(this.legacy ? [this.legacy] : [])].reduce(
      (sum, r) => sum + r.cache,
      0,
    );
    if (started.size > 0 && total > this.memory.workflowCache)
      this.log(
        `the Workers' caches hold ${total} workflows, over STANDING_WORKFLOW_CACHE=${this.memory.workflowCache}: each has at least STANDING_WORKFLOW_CACHE_FLOOR=${this.memory.workflowCacheFloor}; restart the worker to split the budget anew`,
      );
    return started;
  }

  /**
   * Each queue's weight in the cache split: the workflows running on it now (Temporal visibility),
   * plus one per association it serves, so queues with nothing running yet (a board about to be
   * imported) share evenly and the legacy queue, when empty, gets only the floor. A count that
   * fails counts as 0.
   */
  private async claims(
    queues: readonly (readonly [string, { namespace: string; taskQueue: string; associations: number }])[],
  ): Promise<CacheClaim[]> {
    return Promise.all(
      queues.map(async ([key, { namespace, taskQueue, associations }]) => {
        const running = await this.clientOf(namespace)
          .workflow.count(`TaskQueue = ${JSON.stringify(taskQueue)} AND ExecutionStatus = 'Running'`)
          .then(
            ({ count }) => count,
            () => 0,
          );
        return { key, weight: running + associations };
      }),
    );
  }

  private async startWorker(namespace: string, taskQueue: string, cache?: number): Promise<Running> {
    const share = cache ?? this.planned.get(keyOf(namespace, taskQueue)) ?? this.memory.workflowCacheFloor;
    const worker = await createStandingWorker(
      this.options.nativeConnection,
      { namespace, taskQueue },
      {
        activities: createStandingActivities({
          served: this.servedOn(namespace, taskQueue),
          ...(this.options.http ? { http: this.options.http } : {}),
        }),
        maxCachedWorkflows: share,
        // The SDK wants no more workflow tasks at once than the cache holds.
        maxConcurrentWorkflowTaskExecutions: Math.min(this.memory.workflowTaskSlots, share),
        maxConcurrentActivityTaskExecutions: this.memory.activitySlots,
        ...this.options.workerOptions,
      },
    );
    const key = keyOf(namespace, taskQueue);
    const done = worker.run().catch((error: unknown) => {
      // The legacy Worker failing ends the process (untilStopped rethrows); another is logged, and started again at the next reload.
      if (this.running.get(key)?.worker === worker) this.running.delete(key);
      this.log(`the Worker of ${where(namespace, taskQueue)} failed: ${messageOf(error)}`);
      if (this.legacy?.worker === worker) throw error;
    });
    return { namespace, taskQueue, worker, done, cache: share };
  }

  /** Null when the namespace exists (its search attributes then registered), else what is wrong with it. */
  private async prepareNamespace(namespace: string): Promise<string | null> {
    if (this.namespacesReady.has(namespace)) return null;
    const connection = this.options.clientConnection;
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch (error) {
      if (isGrpcServiceError(error) && error.code === status.NOT_FOUND)
        return `does not exist (create it: temporal operator namespace create --namespace ${namespace})`;
      return `cannot be described: ${messageOf(error)}`;
    }
    try {
      await registerSearchAttributes(connection, namespace);
    } catch (error) {
      // Temporal Cloud, say, registers them through its own API: the attributes may be there already.
      this.log(`namespace ${namespace}: could not register the membership search attributes: ${messageOf(error)}`);
    }
    this.namespacesReady.add(namespace);
    return null;
  }

  private clientOf(namespace: string): Client {
    let client = this.clients.get(namespace);
    if (!client) {
      client = new Client({ connection: this.options.clientConnection, namespace });
      this.clients.set(namespace, client);
    }
    return client;
  }

  private async ensureSchedule(association: Served): Promise<void> {
    try {
      const cron = this.env.STANDING_RECONCILE_CRON ?? DEFAULT_RECONCILE_CRON;
      const schedule = await ensureReconciliationSchedule(association.client, association.config, cron);
      const when =
        cron === 'off'
          ? 'paused: STANDING_RECONCILE_CRON=off'
          : `${cron} in ${association.config.association.timezone}`;
      this.log(`association ${association.id}: provider reconciliation schedule ${schedule} (${when})`);
    } catch (error) {
      this.log(`association ${association.id}: could not keep its reconciliation schedule: ${messageOf(error)}`);
    }
  }

  private async broadcast(association: Served): Promise<void> {
    try {
      const { signalled, current } = await new MembershipClient(
        association.client,
        association.config,
      ).broadcastConfiguration();
      if (signalled > 0)
        this.log(
          `association ${association.id}: configuration sent to ${signalled} running membership(s); ${current} already had it`,
        );
    } catch (error) {
      this.log(
        `association ${association.id}: could not send the configuration to running memberships: ${messageOf(error)}`,
      );
    }
  }
}

/** Nothing a Worker acts on differs: the file, its configuration, where it runs, its provider settings. */
function sameDeployment(a: Served, b: Served): boolean {
  return (
    a.file === b.file &&
    a.namespace === b.namespace &&
    a.taskQueue === b.taskQueue &&
    JSON.stringify(a.config) === JSON.stringify(b.config) &&
    JSON.stringify(a.settings) === JSON.stringify(b.settings)
  );
}
