import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Config } from '../config/schema.ts';
import { ProblemError } from '../errors/problem-error.ts';

export interface EmbedRouteDeps {
  readonly config: Config;
  /**
   * A file of the built widget (packages/widget/dist): `care-sidebar.js`, or `chunks/<name>.js` for the
   * parts it imports lazily; undefined when not built or no such file.
   */
  readonly widgetBundle: (file: string) => Promise<Uint8Array | undefined>;
}

// Chunk names as the widget build writes them (name-hash.js): nothing else, so no path escapes dist/.
const CHUNK_NAME = /^[A-Za-z0-9_-]{1,100}\.js$/;

const LAUNCH_TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The launch page's policy: only this BFF's script and API, no plugins, no forms, no base
 * rewriting; framed only by the configured host origins. Inline styles are allowed because the
 * letter reader's sandboxed srcdoc frame inherits this policy and carries its own stylesheet.
 */
export function launchPagePolicy(allowedOrigins: readonly string[]): string {
  const ancestors = allowedOrigins.length ? allowedOrigins.join(' ') : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "connect-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

/**
 * Embedding (DESIGN §3.2): `GET /widget/care-sidebar.js` serves the bundle to host pages (script
 * tag: cross-origin readable, CORS for allowed origins); `GET /launch?launch=<jwt>` serves a page
 * hosting the widget for hosts that embed a URL (iframe, WebView), framable only by `allowedOrigins`.
 */
export function embedRoutes(deps: EmbedRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config } = deps;

  const script = (bundle: Uint8Array, cacheControl: string): Response =>
    new Response(new Uint8Array(bundle), {
      headers: {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': cacheControl,
        // A host page on another origin loads it with <script type="module" src=…>.
        'Cross-Origin-Resource-Policy': 'cross-origin',
      },
    });

  app.get('/widget/care-sidebar.js', async (c) => {
    const bundle = await deps.widgetBundle('care-sidebar.js');
    if (!bundle) {
      c.get('log')({
        level: 'error',
        msg: 'widget bundle not built: run npm run build:widget',
        requestId: c.get('requestId'),
      });
      throw new ProblemError('not-found', 404);
    }
    return script(bundle, 'public, max-age=300');
  });

  // The parts the widget imports lazily. Their names carry a content hash, so they may be cached long.
  app.get('/widget/chunks/:name', async (c) => {
    const name = c.req.param('name');
    const chunk = CHUNK_NAME.test(name) ? await deps.widgetBundle(`chunks/${name}`) : undefined;
    if (!chunk) throw new ProblemError('not-found', 404);
    return script(chunk, 'public, max-age=31536000, immutable');
  });

  app.get('/launch', (c) => {
    const launch = c.req.query('launch') ?? '';
    if (!LAUNCH_TOKEN.test(launch) || launch.length > 8192) throw new ProblemError('bad-request', 400);
    const bff = config.publicUrl.replace(/\/+$/, '');
    const html = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Hospital record</title>
<script type="module" src="${escapeAttribute(bff)}/widget/care-sidebar.js"></script>
<style>html,body{margin:0;height:100%}care-sidebar{display:block;min-height:100%}</style>
</head>
<body>
<care-sidebar bff-url="${escapeAttribute(bff)}" launch="${escapeAttribute(launch)}"></care-sidebar>
</body>
</html>
`;
    return new Response(html, {
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': launchPagePolicy(config.allowedOrigins),
        'Cache-Control': 'no-store',
      },
    });
  });
  return app;
}
