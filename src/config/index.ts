export { AppConfig, LOG_LEVELS, type LogLevel } from './app-config.js';
export { ConfigModule } from './config.module.js';
export { InvalidDatabaseUrlError, describeDatabaseUrl, parseDatabaseUrl } from './database-url.js';
export { ConfigError, loadConfig } from './load-config.js';
