/**
 * Every metric Floodgate exports at `/metrics`, by name. Labels are bounded: rule names (admin rules
 * and route names, never a caller's resource), algorithms, outcomes, route templates; never a client
 * id, an IP, an API key or a raw path.
 */
export const MetricNames = {
  /** Counter{rule, algorithm, outcome}: every decision that was not a dry run. */
  decisions: 'floodgate_decisions_total',
  /** Histogram{entry, source}: how long a decision took, denial cache included. */
  decisionDuration: 'floodgate_decision_duration_seconds',
  /** Counter: refusals answered from node memory, without a store call. */
  denialCacheHits: 'floodgate_denial_cache_hits_total',
  /** Counter{class}: failed store calls (timeout, connection, script, other). */
  storeErrors: 'floodgate_store_errors_total',
  /** Gauge{state}: 1 for the circuit breaker's current state (closed, half_open, open), else 0. */
  breakerState: 'floodgate_store_circuit_breaker_state',
  /** Gauge: the rules version this node enforces. */
  rulesVersion: 'floodgate_rules_version',
  /** Counter{result}: rules snapshot loads (success) and failed loads or version checks (failure). */
  rulesReloads: 'floodgate_rules_reloads_total',
  /**
   * Gauge{section}: stored rows the snapshot in force leaves out because they cannot be enforced
   * (`rules`, `blocks`, `allowlist`): each is named in the `rules` detail of `/health`.
   */
  rulesInvalid: 'floodgate_rules_invalid',
  /**
   * Counter{result}: reads of the snapshot stored in Redis when catching up with an announced
   * version: applied, stale or failed (the node then loads from Postgres).
   */
  rulesSnapshotReads: 'floodgate_rules_snapshot_reads_total',
  /** Gauge: nodes alive at this node's last heartbeat. */
  nodesLive: 'floodgate_nodes_live',
  /** Gauge: seconds since this node's last successful heartbeat. */
  heartbeatAge: 'floodgate_node_heartbeat_age_seconds',
  /** Gauge{state}: 1 for the fleet's load state this node enforces (NORMAL, DEGRADED), else 0. */
  systemState: 'floodgate_system_state',
  /** Counter{to, by}: load state switches this node has seen, by target state and by who (admin, auto). */
  systemStateSwitches: 'floodgate_system_state_switches_total',
  /** Histogram{method, route, status_code}: HTTP requests by route template. */
  httpDuration: 'http_request_duration_seconds',
} as const;

/**
 * Decision latency buckets, in seconds: a denial answered from memory takes microseconds, a Redis
 * round trip a fraction of a millisecond on loopback, a slow Redis up to the 50 ms timeout.
 */
export const DECISION_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
];

/** HTTP latency buckets, in seconds: sub-millisecond answers up to slow admin writes. */
export const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
