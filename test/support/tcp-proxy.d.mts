// Types of tcp-proxy.mjs (plain ESM so that bench scripts run it without a TypeScript loader).

export type TcpProxyMode = 'open' | 'cut' | 'paused';

export interface TcpProxy {
  readonly port: number;
  readonly host: string;
  readonly mode: TcpProxyMode;
  readonly connections: number;
  /** Resets every open connection and every new one until `restore()`. */
  cut(): void;
  /** Holds every byte of every connection, open or new, until `restore()`. */
  pause(): void;
  /** Forwards again; what `pause()` held flows on. */
  restore(): void;
  close(): Promise<void>;
}

export function startTcpProxy(
  target: { readonly port: number; readonly host?: string },
  options?: { readonly port?: number },
): Promise<TcpProxy>;
