/**
 * The deployment files, checked with the tools that read them (Docker itself does not run here):
 * `docker-compose config` resolves docker-compose.yml with the variables of .env.example, `nginx -t`
 * loads deploy/nginx/nginx.conf, `promtool` checks deploy/prometheus/prometheus.yml and every PromQL
 * expression of the Grafana dashboard, whose metric names and label values must be the service's.
 * A missing tool fails the test, naming the Debian package (.ci/run installs them). Envoy has no
 * Debian package and no validator runs here: deploy/envoy/envoy.yaml is parsed and its structure
 * checked against what Envoy's API requires and what the compose file runs.
 */
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import ipaddr from 'ipaddr.js';
import client from 'prom-client';
import { loadConfig } from '../../src/config/index.js';
import { METRIC_DEFINITIONS, type MetricDefinition } from '../../src/metrics/metrics.providers.js';

const root = process.cwd();
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

const NODES = ['floodgate-1', 'floodgate-2', 'floodgate-3'];
const ONE_SHOT = ['migrate'];
const LONG_RUNNING = ['redis', 'postgres', 'jaeger', 'prometheus', 'grafana', 'nginx', 'envoy', ...NODES];

/**
 * The values of the labels that have a fixed set, which the dashboard may filter on; any other
 * label (rule, route, ...) takes any value. The metrics and their label names come from the code.
 */
const LABEL_VALUES: Record<string, readonly string[]> = {
  outcome: ['allowed', 'limited', 'shadow_limited', 'failed_open', 'failed_closed'],
  entry: ['guard', 'check', 'auth_request', 'envoy'],
  source: ['store', 'cache', 'insurance', 'none'],
  class: ['timeout', 'connection', 'script', 'other'],
  // The breaker's states and the fleet's load states.
  state: ['closed', 'half_open', 'open', 'NORMAL', 'DEGRADED'],
  to: ['NORMAL', 'DEGRADED'],
  by: ['admin', 'auto'],
  // Rule reloads' results and reads of the snapshot in Redis'.
  result: ['success', 'failure', 'applied', 'stale', 'failed'],
};

/** The metrics the service exports (src/metrics) and their labels. The dashboard may use these, prom-client's default metrics and nothing else. */
const SERVICE_METRICS: Record<string, { type: MetricDefinition['type']; labels: Labels }> = Object.fromEntries(
  METRIC_DEFINITIONS.map(({ name, type, labelNames }) => [
    name,
    { type, labels: Object.fromEntries(labelNames.map((label) => [label, LABEL_VALUES[label] ?? null])) },
  ]),
);
/** The process metrics the dashboard must show (prom-client defaults). */
const PROCESS_METRICS = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
];
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['instance', 'job'];

/** Label name to its allowed values, or null for any value. */
type Labels = Record<string, readonly string[] | null>;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the repository root; resolves with its exit code and output (never rejects on exit code). */
function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const stdin = options.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(command, args, { cwd: root, env: options.env ?? process.env, stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    // A command that exits before reading its input must not fail the run with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** The tool's path; throws naming the Debian package when it is not installed. */
function tool(name: string, debianPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is not installed: apt-get install -y ${debianPackage} (.ci/run installs it when missing)`);
}

/** Parses YAML with python3's PyYAML, which Debian's docker-compose depends on. */
async function parseYaml<T>(text: string): Promise<T> {
  const python = tool('python3', 'python3-yaml');
  const ran = await run(python, ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
    input: text,
  });
  if (ran.code !== 0)
    throw new Error(`python3 could not parse the YAML (apt-get install -y python3-yaml):\n${ran.stderr}`);
  return JSON.parse(ran.stdout) as T;
}

/** KEY=value lines of an env file. */
function envFile(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of read(path).split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) vars[match[1]] = match[2];
  }
  return vars;
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  restart?: string;
  networks?: Record<string, { ipv4_address?: string } | null>;
  volumes?: string[];
}

interface ComposeConfig {
  services: Record<string, ComposeService>;
  networks: Record<string, { ipam?: { config?: { subnet?: string; ip_range?: string }[] } }>;
}

/** PATH and HOME only: every variable that the compose file reads comes from the env file it is given. */
function composeEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() };
}

/** `upstream floodgate { server host:port ...; }` of nginx.conf: the servers. */
function nginxUpstreamServers(conf: string): string[] {
  const upstream = /upstream\s+floodgate\s*\{([^}]*)\}/.exec(conf);
  if (!upstream) throw new Error('nginx.conf has no "upstream floodgate" block');
  return [...upstream[1].matchAll(/^\s*server\s+([^\s;]+)/gm)].map((match) => match[1]);
}

/** The host names of the servers of every `upstream` block of an nginx config. */
function nginxUpstreamHosts(conf: string): string[] {
  const blocks = [...conf.matchAll(/upstream\s+[\w-]+\s*\{([^}]*)\}/g)].map((match) => match[1]);
  const servers = blocks.flatMap((block) => [...block.matchAll(/^\s*server\s+([^\s;]+)/gm)].map((match) => match[1]));
  return [...new Set(servers.map((server) => server.split(':')[0]))];
}

describe('docker-compose.yml', () => {
  let config: ComposeConfig;
  let resolved: Ran;
  const example = envFile('.env.example');

  beforeAll(async () => {
    const compose = tool('docker-compose', 'docker-compose');
    resolved = await run(compose, ['-f', 'docker-compose.yml', '--env-file', '.env.example', 'config'], {
      env: composeEnv(),
    });
    if (resolved.code === 0) config = await parseYaml<ComposeConfig>(resolved.stdout);
  }, 60_000);

  const composeConfig = (): ComposeConfig => {
    if (!config) throw new Error(`docker-compose config failed (exit ${resolved.code}):\n${resolved.stderr}`);
    return config;
  };
  const service = (name: string): ComposeService => {
    const found = composeConfig().services[name];
    if (!found) throw new Error(`no service ${name} in docker-compose.yml`);
    return found;
  };

  it('resolves with the variables of .env.example (docker-compose config exits 0)', () => {
    expect({ code: resolved.code, stderr: resolved.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('runs Redis, Postgres, Jaeger, Prometheus, Grafana, the migration, three nodes, nginx and Envoy', () => {
    expect(Object.keys(composeConfig().services).sort()).toEqual([...LONG_RUNNING, ...ONE_SHOT].sort());
    expect(service('envoy').image).toMatch(/^envoyproxy\/envoy:v1\.\d+\.\d+$/);
    expect(service('redis').image).toMatch(/^redis:7/);
    expect(service('postgres').image).toMatch(/^postgres:15/);
    expect(service('jaeger').image).toMatch(/^jaegertracing\/all-in-one:/);
    expect(service('jaeger').environment?.COLLECTOR_OTLP_ENABLED).toBe('true');
    expect(service('prometheus').image).toMatch(/^prom\/prometheus:/);
  });

  it('has a health check on every long-running service, and none on the one-shot migration', () => {
    const withoutCheck = LONG_RUNNING.filter((name) => {
      const test = service(name).healthcheck?.test ?? [];
      return test.length < 2 || test[0] === 'NONE';
    });
    expect(withoutCheck).toEqual([]);
    expect(service('migrate').healthcheck?.test).toEqual(['NONE']);
    expect(service('migrate').restart).toBe('no');
  });

  it('migrates once: `migrate` runs the migration command of the image, and the nodes wait for its success', () => {
    const migrate = service('migrate');
    expect(migrate.command).toEqual(['node', 'prisma/migrate.mjs']);
    expect(migrate.build).toBeDefined();
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
    for (const name of NODES) {
      const node = service(name);
      expect({ name, image: node.image }).toEqual({ name, image: migrate.image });
      expect({ name, MIGRATE_ON_START: node.environment?.MIGRATE_ON_START }).toEqual({
        name,
        MIGRATE_ON_START: 'false',
      });
      expect(node.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
      });
    }
  });

  it('gives each node its own NODE_ID and trace identity, and an environment the service accepts', () => {
    const ids = NODES.map((name) => service(name).environment?.NODE_ID);
    expect(ids).toEqual(NODES);
    for (const name of NODES) {
      const env = service(name).environment ?? {};
      expect(env).toMatchObject({
        REDIS_URL: 'redis://redis:6379',
        ADMIN_TOKEN: example.ADMIN_TOKEN,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
        OTEL_SERVICE_NAME: 'floodgate',
        OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${name}`,
      });
      expect(env.DATABASE_URL).toBe(service('migrate').environment?.DATABASE_URL);
      // The validation the node runs at boot (every variable at once): throws naming a bad one.
      const loaded = loadConfig(env);
      expect(loaded).toMatchObject({
        nodeId: name,
        port: 3000,
        migrateOnStart: false,
        adminToken: example.ADMIN_TOKEN,
      });
    }
  });

  it('trusts only nginx as a proxy: its fixed address, inside the network and outside the dynamic range', () => {
    const nginxNetworks = service('nginx').networks ?? {};
    const [network] = Object.keys(nginxNetworks);
    const address = nginxNetworks[network]?.ipv4_address;
    expect(address).toBeDefined();
    const ipam = composeConfig().networks[network]?.ipam?.config?.[0];
    const ip = ipaddr.IPv4.parse(address!);
    expect(ip.match(ipaddr.IPv4.parseCIDR(ipam!.subnet!))).toBe(true);
    expect(ip.match(ipaddr.IPv4.parseCIDR(ipam!.ip_range!))).toBe(false);
    for (const name of NODES) {
      expect({ name, TRUSTED_PROXIES: service(name).environment?.TRUSTED_PROXIES }).toEqual({
        name,
        TRUSTED_PROXIES: address,
      });
      expect(Object.keys(service(name).networks ?? {})).toEqual([network]);
    }
  });

  it('puts every node behind nginx and among the targets of Prometheus', async () => {
    const targets = NODES.map((name) => `${name}:3000`);
    expect(nginxUpstreamServers(read('deploy/nginx/nginx.conf'))).toEqual(targets);
    const prometheus = await parseYaml<{
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    }>(read('deploy/prometheus/prometheus.yml'));
    const job = prometheus.scrape_configs.find((scrape) => scrape.job_name === 'floodgate');
    expect(job?.static_configs.flatMap((group) => group.targets)).toEqual(targets);
  });

  it('provisions Grafana with the dashboards folder it mounts and the datasource the dashboard uses', async () => {
    const provider = await parseYaml<{ providers: { options: { path: string } }[] }>(
      read('deploy/grafana/provisioning/dashboards/dashboards.yml'),
    );
    const datasources = await parseYaml<{ datasources: { uid: string; type: string; url: string }[] }>(
      read('deploy/grafana/provisioning/datasources/datasources.yml'),
    );
    const mounts = (service('grafana').volumes ?? []).map((volume) => volume.split(':'));
    const dashboards = mounts.find(([source]) => source === join(root, 'deploy/grafana/dashboards'));
    expect(dashboards?.[1]).toBe(provider.providers[0].options.path);
    expect(
      mounts.some(
        ([source, target]) =>
          source === join(root, 'deploy/grafana/provisioning') && target === '/etc/grafana/provisioning',
      ),
    ).toBe(true);
    expect(datasources.datasources).toContainEqual(
      expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' }),
    );
  });

  it('puts Envoy in front of every node, its config mounted, asking their Envoy rate limit service', async () => {
    const envoy = service('envoy');
    expect(envoy.volumes).toContain(`${join(root, 'deploy/envoy/envoy.yaml')}:/etc/envoy/envoy.yaml:ro`);
    expect(envoy.depends_on).toEqual(Object.fromEntries(NODES.map((name) => [name, { condition: 'service_healthy' }])));
    const ports = new Set(NODES.map((name) => loadConfig(service(name).environment ?? {}).envoyRlsPort));
    expect([...ports]).toEqual([8081]);
    const conf = await parseYaml<EnvoyConfig>(read('deploy/envoy/envoy.yaml'));
    const endpoints = (cluster: string) =>
      conf.static_resources.clusters
        .find((c) => c.name === cluster)
        ?.load_assignment.endpoints.flatMap((group) => group.lb_endpoints)
        .map(
          ({ endpoint }) => `${endpoint.address.socket_address.address}:${endpoint.address.socket_address.port_value}`,
        );
    expect(endpoints('floodgate_http')).toEqual(NODES.map((name) => `${name}:3000`));
    expect(endpoints('floodgate_rls')).toEqual(NODES.map((name) => `${name}:8081`));
    // The health check asks the admin port the config binds.
    expect(envoy.healthcheck?.test?.join(' ')).toContain(
      `/dev/tcp/${conf.admin.address.socket_address.address}/${conf.admin.address.socket_address.port_value}`,
    );
  });

  it('keeps secrets out of the file: .env.example lists every variable it reads, and a missing one stops it', async () => {
    const raw = read('docker-compose.yml');
    const used = new Set([...raw.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]));
    expect([...used].filter((name) => !(name in example))).toEqual([]);
    for (const secret of ['POSTGRES_PASSWORD', 'ADMIN_TOKEN', 'GRAFANA_ADMIN_PASSWORD']) {
      expect(used.has(secret)).toBe(true);
      expect(raw).not.toContain(example[secret]);
    }
    const dir = mkdtempSync(join(tmpdir(), 'fg-deploy-env-'));
    try {
      writeFileSync(join(dir, 'empty.env'), '');
      const compose = tool('docker-compose', 'docker-compose');
      const args = ['-f', 'docker-compose.yml', '--env-file', join(dir, 'empty.env'), 'config', '-q'];
      const ran = await run(compose, args, { env: composeEnv() });
      expect(ran.code).not.toBe(0);
      expect(ran.stderr).toMatch(/set [A-Z_]+ in \.env/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('deploy/nginx/nginx.conf', () => {
  const conf = join(root, 'deploy/nginx/nginx.conf');

  it('balances on least connections and passes X-Forwarded-For, X-Correlation-ID and traceparent', () => {
    const text = readFileSync(conf, 'utf8');
    expect(text).toMatch(/upstream floodgate \{\s*(#[^\n]*\n\s*)*least_conn;/);
    expect(text).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    expect(text).toContain('proxy_set_header X-Correlation-ID $http_x_correlation_id;');
    expect(text).toContain('proxy_set_header traceparent $http_traceparent;');
  });

  it('passes nginx -t, with the node names resolving and nothing left behind', async () => {
    expect(await nginxTest(conf)).toEqual({ code: 0, stderr: expect.stringContaining('test is successful') });
  }, 30_000);
});

describe('deploy/nginx/auth-request.conf', () => {
  const conf = join(root, 'deploy/nginx/auth-request.conf');

  it('asks GET /v1/check/auth-request with the original request, the client address and its key', () => {
    const text = readFileSync(conf, 'utf8');
    expect(text).toContain('proxy_pass http://floodgate/v1/check/auth-request;');
    for (const header of [
      'X-Original-Method $request_method',
      'X-Original-URI $request_uri',
      'X-Real-IP $remote_addr',
      'X-API-Key $http_x_api_key',
    ]) {
      expect(text).toContain(`proxy_set_header ${header};`);
    }
  });

  // What it does with the real nginx in front of the service: test/e2e/nginx.
  it('passes nginx -t, with the upstream names resolving and nothing left behind', async () => {
    expect(await nginxTest(conf)).toEqual({ code: 0, stderr: expect.stringContaining('test is successful') });
  }, 30_000);
});

/**
 * `nginx -t -c conf`: nginx resolves the upstream names while testing the config, so they resolve
 * here in a private mount namespace whose /etc/hosts names them. The pid file, the error log and
 * the temp folders nginx creates (its compiled-in paths, from `nginx -V`) all land in a temp dir
 * that is removed; the test fails if nginx left anything in those paths.
 */
async function nginxTest(conf: string): Promise<{ code: number | null; stderr: string }> {
  const nginx = tool('nginx', 'nginx');
  const unshare = tool('unshare', 'util-linux');
  if (process.getuid?.() !== 0) throw new Error('nginx -t in a private mount namespace needs root (unshare --mount)');
  const version = await run(nginx, ['-V']);
  const tempParents = [
    ...new Set([...version.stderr.matchAll(/--http-[a-z-]+-temp-path=(\S+)/g)].map((match) => join(match[1], '..'))),
  ];
  const before = tempParents.map((dir) => readdirSync(dir).sort());

  const prefix = mkdtempSync(join(tmpdir(), 'fg-nginx-'));
  let ran: Ran;
  try {
    const hostNames = nginxUpstreamHosts(readFileSync(conf, 'utf8'));
    writeFileSync(join(prefix, 'hosts'), `${readFileSync('/etc/hosts', 'utf8')}\n127.0.0.1 ${hostNames.join(' ')}\n`);
    const binds = tempParents.map((dir, i) => `mkdir "$1/temp${i}" && mount --bind "$1/temp${i}" "${dir}"`);
    const script = [
      'mount --bind "$1/hosts" /etc/hosts',
      ...binds,
      // stdout to a file, as in a container: `access_log /dev/stdout` cannot open the socket Node gives a child.
      `exec "$2" -t -c "$3" -p "$1/" -e "$1/error.log" -g "pid $1/nginx.pid;" >"$1/stdout"`,
    ].join(' && ');
    const args = ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', prefix, nginx, conf];
    ran = await run(unshare, args);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
  expect(tempParents.map((dir) => readdirSync(dir).sort())).toEqual(before);
  return { code: ran.code, stderr: ran.stderr };
}

interface EnvoySocketAddress {
  socket_address: { address: string; port_value: number };
}

interface EnvoyTyped {
  name: string;
  typed_config: Record<string, unknown> & { '@type': string };
}

interface EnvoyConfig {
  admin: { address: EnvoySocketAddress };
  static_resources: {
    listeners: { name: string; address: EnvoySocketAddress; filter_chains: { filters: EnvoyTyped[] }[] }[];
    clusters: {
      name: string;
      type: string;
      typed_extension_protocol_options?: Record<string, Record<string, unknown>>;
      load_assignment: {
        cluster_name: string;
        endpoints: { lb_endpoints: { endpoint: { address: EnvoySocketAddress } }[] }[];
      };
    }[];
  };
}

/** Every `@type` anywhere in `value`. */
function typeUrls(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(typeUrls);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '@type' && typeof inner === 'string' ? [inner] : typeUrls(inner),
  );
}

describe('deploy/envoy/envoy.yaml (parsed: no Envoy binary or validator runs here)', () => {
  let conf: EnvoyConfig;
  let manager: Record<string, unknown>;

  beforeAll(async () => {
    conf = await parseYaml<EnvoyConfig>(read('deploy/envoy/envoy.yaml'));
    const [listener] = conf.static_resources.listeners;
    const filter = listener?.filter_chains[0]?.filters.find(
      (f) => f.name === 'envoy.filters.network.http_connection_manager',
    );
    if (filter === undefined) throw new Error('envoy.yaml has no http_connection_manager on its listener');
    manager = filter.typed_config;
  });

  it('names only v3 API types', () => {
    const urls = typeUrls(conf);
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls) expect(url).toMatch(/^type\.googleapis\.com\/envoy\.[a-z0-9_.]+\.v3\.[A-Za-z]+$/);
  });

  it('runs the ratelimit filter before the router, asking the rate limit service over gRPC, API v3', () => {
    const filters = manager.http_filters as EnvoyTyped[];
    expect(filters.map((f) => f.name)).toEqual(['envoy.filters.http.ratelimit', 'envoy.filters.http.router']);
    const [ratelimit, router] = filters as [EnvoyTyped, EnvoyTyped];
    expect(router.typed_config['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.router.v3.Router');
    expect(ratelimit.typed_config).toMatchObject({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit',
      domain: 'edge',
      failure_mode_deny: false,
      rate_limit_service: {
        transport_api_version: 'V3',
        grpc_service: { envoy_grpc: { cluster_name: 'floodgate_rls' } },
      },
    });
    // The rate limit service's cluster speaks HTTP/2 (gRPC).
    const rls = conf.static_resources.clusters.find((cluster) => cluster.name === 'floodgate_rls');
    expect(
      rls?.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'],
    ).toMatchObject({ explicit_http_config: { http2_protocol_options: {} } });
  });

  it('sends descriptors Floodgate rules can match, on a route to the nodes', () => {
    const hosts = (manager.route_config as { virtual_hosts: { routes: { route: Record<string, unknown> }[] }[] })
      .virtual_hosts;
    const routes = hosts.flatMap((host) => host.routes);
    expect(routes.map((r) => r.route.cluster)).toEqual(['floodgate_http']);
    const limits = routes[0]!.route.rate_limits as { actions: Record<string, unknown>[] }[];
    expect(limits.map((limit) => limit.actions.map((action) => Object.keys(action)[0]))).toEqual([
      ['remote_address'],
      ['request_headers'],
    ]);
    expect(limits[1]!.actions[0]).toEqual({ request_headers: { header_name: ':path', descriptor_key: 'path' } });
    // Every cluster a route or filter names is defined, and each names its own endpoints.
    for (const cluster of conf.static_resources.clusters) {
      expect(cluster.load_assignment.cluster_name).toBe(cluster.name);
      expect(cluster.type).toBe('STRICT_DNS');
    }
  });
});

describe('deploy/prometheus/prometheus.yml', () => {
  it('passes promtool check config', async () => {
    const promtool = tool('promtool', 'prometheus');
    const ran = await run(promtool, ['check', 'config', 'deploy/prometheus/prometheus.yml']);
    expect({ code: ran.code, output: ran.stdout + ran.stderr }).toEqual({
      code: 0,
      output: expect.stringContaining('SUCCESS'),
    });
  });
});

/** A PromQL expression's metric selectors: `name{matchers}` (matchers possibly empty). */
interface Selector {
  metric: string;
  matchers: { label: string; op: string; value: string }[];
}

/** Words of PromQL that are not metric names when they stand alone (not followed by a parenthesis). */
const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/**
 * The selectors of `expr`: identifiers that are neither a function or aggregation (followed by `(`),
 * a keyword, nor a label of a `by (...)` clause, with the label matchers written after them.
 */
function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  // Skipped whole: strings, range selectors, label lists of by/without/on/ignoring/group_x clauses.
  // An identifier followed by `(` (after an optional by/without clause) is a function or aggregation.
  const pattern =
    /"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?\s*(?:(?:by|without)\s*\([^)]*\)\s*)?(\()?/g;
  for (const match of expr.matchAll(pattern)) {
    const [, word, braces, call] = match;
    if (word === undefined || call !== undefined || PROMQL_KEYWORDS.has(word)) continue;
    const matchers = [...(braces ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(
      ([, label, op, value]) => ({ label, op, value }),
    );
    found.push({ metric: word, matchers });
  }
  return found;
}

/** The labels of every `by (...)` clause of `expr`. */
function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((match) => match[1].split(',').map((label) => label.trim()));
}

interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: { expr: string; refId: string; datasource?: { uid?: string } }[];
}

interface Dashboard {
  uid: string;
  panels: DashboardPanel[];
  templating: {
    list: {
      name: string;
      type: string;
      query: unknown;
      datasource?: { uid?: string };
      current?: { value?: unknown };
    }[];
  };
}

describe('deploy/grafana/dashboards/floodgate.json', () => {
  let dashboard: Dashboard;
  let series: Map<string, Labels>;

  beforeAll(async () => {
    dashboard = JSON.parse(read('deploy/grafana/dashboards/floodgate.json')) as Dashboard;
    // Series names as Prometheus stores them: a histogram is its _bucket (with le), _sum and _count.
    series = new Map();
    const add = (name: string, type: string, labels: Labels): void => {
      if (type === 'histogram') {
        series.set(`${name}_bucket`, { ...labels, le: null });
        series.set(`${name}_sum`, labels);
        series.set(`${name}_count`, labels);
      } else {
        series.set(name, labels);
      }
    };
    for (const [name, metric] of Object.entries(SERVICE_METRICS)) add(name, metric.type, metric.labels);
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    for (const metric of await registry.getMetricsAsJSON()) {
      const labels = Object.fromEntries(
        metric.values
          .flatMap((value) => Object.keys(value.labels))
          .filter((label) => label !== 'le')
          .map((label) => [label, null]),
      );
      // Typed as a numeric enum by prom-client, but 'counter', 'gauge', 'histogram' at run time.
      add(metric.name, String(metric.type), labels);
    }
  });

  const panels = () => dashboard.panels.filter((panel) => panel.type !== 'row');
  const expressions = () =>
    panels().flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));

  it('has panels with unique ids, inside the 24-column grid, each with a query on the Prometheus datasource variable', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels()) {
      expect({ title: panel.title, fits: panel.gridPos.x + panel.gridPos.w <= 24 }).toEqual({
        title: panel.title,
        fits: true,
      });
      expect({ title: panel.title, datasource: panel.datasource?.uid }).toEqual({
        title: panel.title,
        datasource: '${datasource}',
      });
      expect({ title: panel.title, targets: (panel.targets ?? []).length > 0 }).toEqual({
        title: panel.title,
        targets: true,
      });
    }
  });

  it('has an `instance` variable listing the nodes from a service metric', () => {
    const instance = dashboard.templating.list.find((variable) => variable.name === 'instance');
    expect(instance).toMatchObject({ type: 'query', datasource: { uid: '${datasource}' } });
    const query = JSON.stringify(instance?.query);
    const metric = /label_values\((\w+)(?:\{[^}]*\})?,\s*instance\)/.exec(query)?.[1];
    expect(metric && series.has(metric)).toBe(true);
    const datasource = dashboard.templating.list.find((variable) => variable.name === 'datasource');
    expect(datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('uses only the metric names, labels and label values of the service', () => {
    const problems: string[] = [];
    for (const { panel, expr } of expressions()) {
      const used = selectors(expr);
      for (const { metric, matchers } of used) {
        const labels = series.get(metric);
        if (!labels) {
          problems.push(`${panel}: unknown metric ${metric}`);
          continue;
        }
        for (const { label, op, value } of matchers) {
          if (TARGET_LABELS.includes(label)) continue;
          if (!(label in labels)) {
            problems.push(`${panel}: ${metric} has no label ${label}`);
            continue;
          }
          // On a label with a fixed set of values, each value named (each alternative of a regex) must be one.
          const allowed = labels[label];
          if (!allowed) continue;
          const named = op === '=' || op === '!=' ? [value] : op === '=~' ? value.split('|') : [];
          for (const one of named.filter((v) => !allowed.includes(v))) {
            problems.push(`${panel}: ${metric}{${label}} has no value ${one}`);
          }
        }
      }
      const known = new Set([...TARGET_LABELS, ...used.flatMap(({ metric }) => Object.keys(series.get(metric) ?? {}))]);
      for (const label of groupingLabels(expr))
        if (!known.has(label)) problems.push(`${panel}: groups by unknown label ${label}`);
      if (used.length === 0) problems.push(`${panel}: no metric in ${expr}`);
    }
    expect(problems).toEqual([]);
  });

  it('shows every service metric and the process metrics', () => {
    const used = new Set(
      expressions().flatMap(({ expr }) =>
        selectors(expr).map(({ metric }) => metric.replace(/_(bucket|sum|count)$/, '')),
      ),
    );
    expect([...Object.keys(SERVICE_METRICS), ...PROCESS_METRICS].filter((name) => !used.has(name))).toEqual([]);
  });

  it('computes every rate over $__rate_interval', () => {
    const ranges = expressions().flatMap(({ panel, expr }) =>
      [...expr.matchAll(/\[([^\]]*)\]/g)].map((match) => `${panel}: ${match[1]}`),
    );
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.filter((range) => !range.endsWith(': $__rate_interval'))).toEqual([]);
  });

  it('has only valid PromQL (promtool check rules, with the Grafana variables filled in)', async () => {
    const promtool = tool('promtool', 'prometheus');
    const rules = expressions().map(({ expr }, i) => ({
      record: `dashboard:expression_${i + 1}`,
      expr: expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*'),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'fg-dashboard-'));
    try {
      // JSON is YAML: the rules file is written as JSON.
      writeFileSync(join(dir, 'rules.yml'), JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const ran = await run(promtool, ['check', 'rules', join(dir, 'rules.yml')]);
      expect({ code: ran.code, output: ran.stdout + ran.stderr }).toEqual({
        code: 0,
        output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('runs the service as `node` from the runtime stage, with a health check', () => {
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
    expect(runtime).toMatch(/^EXPOSE 3000$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/health\/live/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
  });

  it('copies into the runtime what `node dist/main.js` and `node prisma/migrate.mjs` read', () => {
    const copied = [...runtime.matchAll(/^COPY --from=build \/app\/(\S+) /gm)].map((match) => match[1]);
    expect(copied.sort()).toEqual(['dist', 'node_modules', 'package.json', 'prisma', 'prisma.config.ts']);
  });

  it('builds from files that .dockerignore lets into the context', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1].split(/\s+/));
    expect(sources.filter((source) => !allowed.includes(source))).toEqual([]);
  });
});
