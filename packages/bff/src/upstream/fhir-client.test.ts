import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirClient, UpstreamError } from './fhir-client.ts';
import { OptionalParameterSupport } from './optional-parameter-support.ts';
import { nodeHttpGet } from './upstream-transport.ts';

// A real server on loopback: two pages of Observations, a failing type and an oversized answer.
let server: Server;
let base: string;
let conditionForgotten = false;
/** Bytes of each Condition page answered 200, in order. */
const conditionPageBytes: number[] = [];
/** Calls to Procedure, whose second page is refused with 400. */
const procedureCalls: URL[] = [];
const get = nodeHttpGet();

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const bundle = (entries: number, next?: string) =>
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: Array.from({ length: entries }, (_, i) => ({ resource: { resourceType: 'Observation', id: `o${i}` } })),
        link: next ? [{ relation: 'next', url: `${base}/${next}` }] : [],
      });
    res.setHeader('Content-Type', 'application/fhir+json');
    if (url.pathname === '/fhir/Condition') {
      // Forgets the search once: its second page answers 410 Gone the first time it is asked for.
      if (url.searchParams.get('page') === '2' && !conditionForgotten) {
        conditionForgotten = true;
        res.writeHead(410).end('{"resourceType":"OperationOutcome"}');
        return;
      }
      const body = url.searchParams.get('page') === '2' ? bundle(1) : bundle(2, 'Condition?page=2');
      conditionPageBytes.push(Buffer.byteLength(body));
      res.end(body);
    } else if (url.pathname === '/fhir/Observation' && url.searchParams.get('page') === '2') res.end(bundle(1));
    else if (url.pathname === '/fhir/Observation') res.end(bundle(2, 'Observation?page=2'));
    else if (url.pathname === '/fhir/Flag') res.writeHead(500).end('{"resourceType":"OperationOutcome"}');
    else if (url.pathname === '/fhir/Procedure') {
      procedureCalls.push(url);
      if (url.searchParams.get('page') === '2') res.writeHead(400).end('{"resourceType":"OperationOutcome"}');
      else res.end(bundle(2, `Procedure?page=2&_sort=${url.searchParams.get('_sort') ?? ''}`));
    } else res.end(bundle(5_000));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  get.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('FhirClient', () => {
  it("a later page refused is marked so, and never taken for a refusal of the search's optional parameters", async () => {
    const memory = new OptionalParameterSupport();
    const client = new FhirClient({
      baseUrl: base,
      get,
      signal: new AbortController().signal,
      optionalParameters: memory,
    });
    await expect(client.search('Procedure', { patient: 'p1' }, { _sort: '-date' })).rejects.toMatchObject({
      failure: 'http-status',
      httpStatus: 400,
      laterPage: true,
    });
    // Page 1 and page 2, once: not asked again without `_sort`, which the server had accepted.
    expect(procedureCalls.map((u) => u.searchParams.get('page') ?? '1')).toEqual(['1', '2']);
    expect(memory.accepted('Procedure')).toBe(true);
  });

  it("counts the bytes of a search's answer without the pages of a forgotten attempt", async () => {
    const client = new FhirClient({ baseUrl: base, get, signal: new AbortController().signal });
    const result = await client.search('Condition', { patient: 'p1' });
    expect(result.resources).toHaveLength(3);
    // Page 1, page 2 (410: forgotten), then page 1 and page 2 again: only the last two are the answer.
    expect(conditionPageBytes).toHaveLength(3);
    const [, again, last] = conditionPageBytes as [number, number, number];
    expect(result.bytes).toBe(again + last);
  });

  it('lets go of every call once it is over: the deadline and cancel signals are left with no listener', async () => {
    const deadline = new AbortController();
    const cancel = new AbortController();
    const client = new FhirClient({
      baseUrl: base,
      get,
      signal: deadline.signal,
      cancel: cancel.signal,
      callTimeoutMs: 2_000,
      maxBytes: 20_000,
    });
    const listeners = () => [deadline.signal, cancel.signal].map((s) => getEventListeners(s, 'abort').length);

    const found = await client.search('Observation', { patient: 'p1' });
    expect(found.resources).toHaveLength(3);
    expect(listeners()).toEqual([0, 0]);

    await expect(client.search('Flag', { patient: 'p1' })).rejects.toMatchObject({ failure: 'http-status' });
    expect(listeners()).toEqual([0, 0]);

    const tooLarge = await client.search('DocumentReference', { patient: 'p1' }).catch((err: unknown) => err);
    expect(tooLarge).toBeInstanceOf(UpstreamError);
    expect((tooLarge as UpstreamError).failure).toBe('too-large');
    expect(listeners()).toEqual([0, 0]);
  });
});
