// Types of redis-server.mjs (plain ESM so that bench scripts run it without a TypeScript loader).

/** Runs `redis-cli` against 127.0.0.1:`port` and returns its trimmed output. */
export function cli(port: number, ...args: string[]): Promise<string>;

/** Polls `check` until it holds; a check that throws counts as "not yet". */
export function waitFor(check: () => Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;

/** The process id of the server answering on `port`, or undefined while none answers. */
export function serverPid(port: number): Promise<number | undefined>;

export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  /** The process id while this handle's server runs. */
  readonly pid: number | undefined;
  /** Starts (again) the server on the same port; resolves once it is this process that answers. */
  start(): Promise<void>;
  /** SIGKILL: the crash case. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Shut down a server left on the port first (default true); false: a taken port fails the start. */
  readonly replace?: boolean;
}

/** A redis-server on 127.0.0.1:`port`, started and answering when this resolves. */
export function startRedisServer(
  port: number,
  extraArgs?: readonly string[],
  options?: RedisServerOptions,
): Promise<RedisServerHandle>;

/** What makes a redis-server on `port` a cluster node. */
export function clusterNodeArgs(port: number): string[];

/** Joins the cluster nodes on `ports` as one master each (no replicas), every slot assigned, state ok. */
export function createCluster(ports: readonly number[]): Promise<void>;

export interface RedisClusterHandle {
  readonly nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** A Redis Cluster of one master per port (no replicas), slots spread, state ok when this resolves. */
export function startRedisCluster(ports: readonly number[]): Promise<RedisClusterHandle>;
