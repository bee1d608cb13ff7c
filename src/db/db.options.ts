/** Options of `DbModule.forRoot` / `forRootAsync`. */
export interface DbModuleOptions {
  /** Postgres connection string (a configured server, or `startEmbeddedPostgres().url`). */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}
