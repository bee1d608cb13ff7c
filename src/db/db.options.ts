/** Options of `DbModule.forRoot` / `forRootAsync`. */
export interface DbModuleOptions {
  /** Postgres connection string (a configured server, or `startEmbeddedPostgres().url`). */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /**
   * How long one query, or getting a connection, may take before it fails (default: no bound).
   * A query that timed out closes its connection (see `PrismaService`).
   */
  timeoutMs?: number;
}
