import type { HttpBindings } from '@hono/node-server';
import type { Context, Next } from 'hono';

/**
 * Runs the rest of the chain and gives its response `headers`, except any the handler set itself.
 *
 * Behind @hono/node-server they go straight onto the Node response before the handler runs: Node
 * merges them into the head it writes, and the handler's own headers take precedence. Touching
 * `c.res.headers` after the handler would instead build a WHATWG Headers object for every response
 * and have the adapter copy it back out, which was a measurable share of each cached view's cost.
 * Elsewhere (in-process `app.request()`), they are added to the Response afterwards.
 */
export async function withResponseHeaders(
  c: Context,
  next: Next,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing && !outgoing.headersSent) {
    for (const name in headers) outgoing.setHeader(name, headers[name] as string);
    await next();
    return;
  }
  await next();
  const h = c.res.headers;
  for (const name in headers) if (!h.has(name)) h.set(name, headers[name] as string);
}
