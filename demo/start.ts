/**
 * The demo in one process: mocked upstream FHIR hospitals (msw intercepting their URLs), the real
 * BFF in demo mode, and the fake GP system page served by Vite. Synthetic data only.
 *
 *   npm run demo            → http://127.0.0.1:5173
 */
import { serve, type ServerType } from '@hono/node-server';
import {
  createApp,
  type DemoLauncher,
  jsonLogger,
  loadConfig,
  silentLogger,
  SqliteAuditStore,
} from '@care-sidebar/bff';
import { exportJWK, generateKeyPair } from 'jose';
import { setupServer } from 'msw/node';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { demoControlsPlugin } from './demo-controls.ts';
import { demoSources, demoUpstreamHandlers } from './mocks/fhir-handlers.ts';
import { SourceFaults } from './mocks/source-faults.ts';

export interface DemoOptions {
  readonly bffPort?: number;
  readonly pagePort?: number;
  /** `sqlite:<path>` for the audit store; the committed config's default otherwise. */
  readonly auditUrl?: string;
  readonly quiet?: boolean;
  /** Where the BFF's JSON log lines go: stdout by default, nowhere when `quiet` and no sink is given. */
  readonly log?: (line: string) => void;
}

export interface RunningDemo {
  readonly pageUrl: string;
  readonly bffUrl: string;
  readonly auditPath: string;
  /**
   * An API key for this run only, accepted by `GET /metrics` and the audit API
   * (`Authorization: ApiKey <key>`), so an operator or IG lead can try them on the demo.
   */
  readonly readerApiKey: string;
  /** Each mocked hospital's fault mode (normal, slow, flaky, down, hang), as the page's demo controls set it. */
  readonly sourceFaults: SourceFaults;
  close(): Promise<void>;
}

const CONFIG_PATH = fileURLToPath(new URL('./care-sidebar.config.json', import.meta.url));
const DEMO_ISSUER = 'https://demo-gp-system.care-sidebar.invalid';

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const bffPort = options.bffPort ?? 8787;
  const pagePort = options.pagePort ?? 5173;
  const bffUrl = `http://127.0.0.1:${bffPort}`;
  const pageUrl = `http://127.0.0.1:${pagePort}`;

  // The session secret is per demo run: nothing to configure, nothing to leak.
  const env = {
    ...process.env,
    CARE_SIDEBAR_SESSION_SECRET: process.env['CARE_SIDEBAR_SESSION_SECRET'] ?? randomBytes(32).toString('base64url'),
  };
  const fileConfig = loadConfig(CONFIG_PATH, env);
  // Like the session secret, made for this run: only its digest is configured, as in production.
  const readerApiKey = randomBytes(24).toString('base64url');
  const config = {
    ...fileConfig,
    publicUrl: bffUrl,
    port: bffPort,
    allowedOrigins: [pageUrl],
    audit: {
      ...fileConfig.audit,
      url: options.auditUrl ?? fileConfig.audit.url,
      readers: {
        ...fileConfig.audit.readers,
        apiKeySha256: [
          ...fileConfig.audit.readers.apiKeySha256,
          createHash('sha256').update(readerApiKey, 'utf8').digest('hex'),
        ],
      },
    },
  };

  // Every source starts `normal`; the page's demo controls switch them (GET/POST /__demo/sources).
  const sourceFaults = new SourceFaults(demoSources);
  const upstreams = setupServer(...demoUpstreamHandlers({}, { faults: sourceFaults }));
  // Only the configured hospital URLs are mocked; everything else (the page, the BFF itself) is real.
  upstreams.listen({ onUnhandledFrame: 'bypass' });

  // The stand-in host system's signing key exists only in this process, for this run.
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = `demo-${randomBytes(6).toString('hex')}`;
  const demo: DemoLauncher = {
    issuer: DEMO_ISSUER,
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
    user: {
      id: 'urn:uuid:00000000-0000-4000-8000-00000000d0c7',
      name: 'Dr Demo User (synthetic)',
      role: 'R8000',
      org: 'Y99999',
    },
  };

  const auditPath = config.audit.url.replace(/^sqlite:/, '');
  const audit = SqliteAuditStore.fromUrl(config.audit.url, { groupCommitMs: config.audit.groupCommitMs });
  await audit.ready(); // its commit thread is up before the first view waits on it
  const { app } = createApp({
    config,
    clock: () => new Date(),
    audit,
    fetch: (input, init) => fetch(input, init),
    log: options.log ? jsonLogger(options.log) : options.quiet ? silentLogger : jsonLogger(),
    demo,
    processMetrics: true,
  });
  const bff: ServerType = await new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: bffPort, hostname: '127.0.0.1' }, () => resolve(server));
  });

  process.env['VITE_BFF_URL'] = bffUrl;
  const page: ViteDevServer = await createServer({
    configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)),
    server: { port: pagePort, strictPort: true, host: '127.0.0.1' },
    plugins: [demoControlsPlugin(sourceFaults)],
    logLevel: options.quiet ? 'silent' : 'info',
  });
  await page.listen();

  return {
    pageUrl,
    bffUrl,
    auditPath,
    readerApiKey,
    sourceFaults,
    async close() {
      await page.close();
      sourceFaults.reset(); // every source normal, hung or slow calls let go: the BFF's requests can finish
      await new Promise<void>((resolve) => bff.close(() => resolve()));
      upstreams.close();
      await audit.close();
    },
  };
}

if (import.meta.main) {
  const running = await startDemo();
  process.stdout.write(
    [
      '',
      'care-sidebar demo (SYNTHETIC DATA ONLY)',
      `  GP system page: ${running.pageUrl}`,
      `  BFF:            ${running.bffUrl}`,
      `  Audit store:    ${running.auditPath}`,
      `  Reader API key: ${running.readerApiKey}  (this run only; GET /metrics and /api/v1/audit with "Authorization: ApiKey <key>")`,
      'Press Ctrl+C to stop.',
      '',
      '',
    ].join('\n'),
  );
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
