/**
 * A third-party host page, as an EPR vendor would write one: its own markup and global CSS, and
 * <care-sidebar> loaded with one script tag from the BFF — served from another origin than the
 * BFF's. `/?css=<name>` adds the stylesheet registered under that name (last in <head>, so it wins
 * every tie); `/` is the same page without it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostPage {
  /** e.g. `http://localhost:40123`: the origin to list in the BFF's `allowedOrigins`. */
  readonly origin: string;
  /** The page, with the stylesheet registered as `css` when given. */
  url(css?: string): string;
  close(): Promise<void>;
}

export interface HostPageOptions {
  readonly bffUrl: string;
  /** Stylesheets by name, each added to the page by `url(name)`. */
  readonly stylesheets: Readonly<Record<string, string>>;
  /**
   * The page's host name (default `localhost`; it listens on 127.0.0.1): a BFF at 127.0.0.1 is then
   * another site as well as another origin.
   */
  readonly hostname?: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(bffUrl: string, css: string | undefined): string {
  return `<!doctype html>
<html lang="en-GB">
  <head>
    <meta charset="utf-8" />
    <title>Wharfedale EPR — consultation (synthetic)</title>
    <link rel="icon" href="data:," />
    <style id="host-layout">
      body { margin: 0; font-family: Georgia, serif; background: #fafafa; }
      .layout { display: grid; grid-template-columns: minmax(0, 1fr) 380px; gap: 1rem; }
      aside { border-left: 1px solid #ccc; }
    </style>
    ${css === undefined ? '' : `<style id="hostile">${css.replaceAll('</', '<\\/')}</style>`}
    <script type="module" src="${escapeHtml(bffUrl)}/widget/care-sidebar.js"></script>
  </head>
  <body>
    <header><h1>Wharfedale EPR</h1></header>
    <div class="layout">
      <main>
        <h2>Consultation</h2>
        <p>Notes for the patient in front of you.</p>
        <section><h3>Plan</h3><ul><li>Review bloods</li></ul><button type="button">Save</button></section>
      </main>
      <aside aria-label="Hospital information">
        <care-sidebar bff-url="${escapeHtml(bffUrl)}"></care-sidebar>
      </aside>
    </div>
  </body>
</html>
`;
}

export async function startHostPage(options: HostPageOptions): Promise<HostPage> {
  const hostname = options.hostname ?? 'localhost';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const name = url.searchParams.get('css');
    const css = name === null ? undefined : options.stylesheets[name];
    if (url.pathname !== '/' || (name !== null && css === undefined)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(page(options.bffUrl, css));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${hostname}:${port}`;
  return {
    origin,
    url: (css) => (css === undefined ? `${origin}/` : `${origin}/?css=${encodeURIComponent(css)}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
