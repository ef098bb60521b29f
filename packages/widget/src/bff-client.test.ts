import { expect } from 'chai';
import { http, HttpResponse } from 'msw';
import { BffClient, BffNetworkError, BffProblemError, BffResponseError, clockAheadMs } from './bff-client.ts';
import { letterContentFor, minimalPdf, PATIENT_A, sessionFor, summaryFor } from './test-support/fixtures.ts';
import {
  BFF_URL,
  deferred,
  letterReply,
  onLetter,
  pdfReply,
  releaseGates,
  onSession,
  onSummary,
  problemReply,
  sessionReply,
  startMockBff,
  summaryReply,
  worker,
} from './test-support/mock-bff.ts';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('BffClient', () => {
  before(startMockBff);
  afterEach(() => {
    releaseGates();
    worker.resetHandlers();
  });
  after(() => worker.stop());

  const signal = new AbortController().signal;

  it('starts a session with the launch token and returns the BFF answer', async () => {
    let received = '';
    worker.use(
      onSession((launch) => {
        received = launch;
        return sessionReply(sessionFor(PATIENT_A, 'token-1'));
      }),
    );
    const session = await new BffClient(`${BFF_URL}/`).startSession('launch-1', signal);
    expect(received).to.equal('launch-1');
    expect(session.patient.nhsNumber).to.equal('9990000018');
  });

  it("reads how far the BFF's clock is ahead of the browser's from the session answer's Date header", async () => {
    const hour = 3_600_000;
    worker.use(onSession(() => sessionReply(sessionFor(PATIENT_A, 'token-1'), new Date(Date.now() + hour))));
    const ahead = (await new BffClient(BFF_URL).startSession('launch-1', signal)).bffClockAheadMs;
    expect(Math.abs(ahead - hour)).to.be.below(2_000);

    worker.use(onSession(() => sessionReply(sessionFor(PATIENT_A, 'token-1'))));
    expect((await new BffClient(BFF_URL).startSession('launch-1', signal)).bffClockAheadMs).to.equal(0);
  });

  it('clockAheadMs: skew beyond what a whole-second header can tell, else 0', () => {
    const sent = Date.parse('2026-12-07T10:00:00.100Z');
    const received = sent + 50;
    expect(clockAheadMs('Mon, 07 Dec 2026 10:10:00 GMT', sent, received)).to.equal(600_000 + 500 - 125);
    expect(clockAheadMs('Mon, 07 Dec 2026 09:55:00 GMT', sent, received)).to.equal(-300_000 + 500 - 125);
    expect(clockAheadMs('Mon, 07 Dec 2026 10:00:01 GMT', sent, received)).to.equal(0); // within the noise
    expect(clockAheadMs(null, sent, received)).to.equal(0);
    expect(clockAheadMs('not a date', sent, received)).to.equal(0);
  });

  it('sends the session token as a bearer token for the summary', async () => {
    worker.use(
      onSummary((token) =>
        token === 'token-1' ? summaryReply(summaryFor(PATIENT_A)) : problemReply('session-invalid', 401),
      ),
    );
    const summary = await new BffClient(BFF_URL).summary('token-1', signal);
    expect(summary.kind).to.equal('summary');
  });

  it('asks the BFF to bypass its cache only for a fresh summary', async () => {
    const urls: string[] = [];
    worker.use(
      http.get(`${BFF_URL}/api/v1/summary`, ({ request }) => {
        urls.push(new URL(request.url).search);
        return summaryReply(summaryFor(PATIENT_A));
      }),
    );
    const client = new BffClient(BFF_URL);
    await client.summary('token-1', signal);
    await client.summary('token-1', signal, true);
    expect(urls).to.deep.equal(['', '?refresh=true']);
  });

  it('sends no cookies and asks the browser not to cache', async () => {
    const inits: RequestInit[] = [];
    const fetchSpy: typeof fetch = (_input, init) => {
      inits.push(init ?? {});
      return Promise.resolve(Response.json(sessionFor(PATIENT_A, 'token-1'), { status: 201 }));
    };
    await new BffClient(BFF_URL, { fetch: fetchSpy }).startSession('launch-1', signal);
    expect(inits[0]?.credentials).to.equal('omit');
    expect(inits[0]?.cache).to.equal('no-store');
    expect(inits[0]?.signal).to.equal(signal);
  });

  it('turns problem+json into a BffProblemError with its code and status', async () => {
    worker.use(onSession(() => problemReply('launch-expired', 401)));
    const err = await caught(new BffClient(BFF_URL).startSession('launch-1', signal));
    expect(err).to.be.instanceOf(BffProblemError);
    expect((err as BffProblemError).code).to.equal('launch-expired');
    expect((err as BffProblemError).status).to.equal(401);
  });

  it('treats an error without a known problem code as internal-error, keeping the status', async () => {
    worker.use(
      onSummary(
        () => new HttpResponse('<html>Bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }),
      ),
    );
    const err = await caught(new BffClient(BFF_URL).summary('token-1', signal));
    expect(err).to.be.instanceOf(BffProblemError);
    expect((err as BffProblemError).code).to.equal('internal-error');
    expect((err as BffProblemError).status).to.equal(502);
  });

  it('reports a failed fetch as a BffNetworkError', async () => {
    worker.use(onSummary(() => HttpResponse.error()));
    expect(await caught(new BffClient(BFF_URL).summary('token-1', signal))).to.be.instanceOf(BffNetworkError);
  });

  it('refuses a summary that lacks the patient it is for', async () => {
    const { patient: _dropped, ...withoutPatient } = summaryFor(PATIENT_A);
    worker.use(onSummary(() => HttpResponse.json(withoutPatient)));
    expect(await caught(new BffClient(BFF_URL).summary('token-1', signal))).to.be.instanceOf(BffResponseError);
  });

  it('passes an abort through as an abort, not a network failure', async () => {
    const received = deferred();
    const release = deferred();
    worker.use(
      onSummary(async () => {
        received.resolve();
        await release.promise;
        return summaryReply(summaryFor(PATIENT_A));
      }),
    );
    const abort = new AbortController();
    const pending = new BffClient(BFF_URL).summary('token-1', abort.signal);
    await received.promise;
    abort.abort();
    const err = await caught(pending);
    expect(err).to.be.instanceOf(DOMException);
    expect((err as DOMException).name).to.equal('AbortError');
    release.resolve();
  });

  describe('letter', () => {
    const html = PATIENT_A.letters[0]!;

    it('asks for the URL-encoded id with the session token and returns the JSON letter', async () => {
      const urls: string[] = [];
      let auth = '';
      worker.use(
        onLetter((_id, token, request) => {
          urls.push(request.url);
          auth = token;
          return letterReply({ ...letterContentFor(html, 'text/html', '<p>Hi</p>'), id: 'hospital-a:doc/1?x#y' });
        }),
      );
      const answer = await new BffClient(BFF_URL).letter('token-1', 'hospital-a:doc/1?x#y', signal);
      expect(urls).to.deep.equal([`${BFF_URL}/api/v1/letters/hospital-a%3Adoc%2F1%3Fx%23y`]);
      expect(auth).to.equal('token-1');
      expect(answer.kind === 'content' && answer.letter.content).to.equal('<p>Hi</p>');
    });

    it('returns PDF bytes as an application/pdf Blob, whatever parameters the header carries', async () => {
      worker.use(
        onLetter(() => {
          const reply = pdfReply(minimalPdf());
          reply.headers.set('content-type', 'application/pdf; qs=1');
          return reply;
        }),
      );
      const answer = await new BffClient(BFF_URL).letter('token-1', html.id, signal);
      expect(answer.kind).to.equal('pdf');
      if (answer.kind !== 'pdf') return;
      expect(answer.pdf.type).to.equal('application/pdf');
      expect(new Uint8Array(await answer.pdf.arrayBuffer())).to.deep.equal(minimalPdf());
    });

    it('refuses PDF-labelled bytes that are not a PDF', async () => {
      worker.use(
        onLetter(
          () => new HttpResponse('<script>alert(1)</script>', { headers: { 'content-type': 'application/pdf' } }),
        ),
      );
      expect(await caught(new BffClient(BFF_URL).letter('token-1', html.id, signal))).to.be.instanceOf(
        BffResponseError,
      );
    });

    it('refuses a letter whose id is not the one asked for, or whose content type is unknown', async () => {
      const client = new BffClient(BFF_URL);
      worker.use(onLetter(() => letterReply({ ...letterContentFor(html, 'text/plain', 'x'), id: 'other' })));
      expect(await caught(client.letter('token-1', html.id, signal))).to.be.instanceOf(BffResponseError);
      worker.use(
        onLetter(() => HttpResponse.json({ ...letterContentFor(html, 'text/plain', 'x'), contentType: 'text/rtf' })),
      );
      expect(await caught(client.letter('token-1', html.id, signal))).to.be.instanceOf(BffResponseError);
    });

    it('turns a problem into a BffProblemError', async () => {
      worker.use(onLetter(() => problemReply('letter-content-unavailable', 404)));
      const err = await caught(new BffClient(BFF_URL).letter('token-1', html.id, signal));
      expect((err as BffProblemError).code).to.equal('letter-content-unavailable');
      expect((err as BffProblemError).status).to.equal(404);
    });
  });
});
