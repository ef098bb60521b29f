import {
  isOptedOut,
  type LetterContent,
  mapDocumentReference,
  sensitiveFilter,
  type SourceAnswer,
} from '@care-sidebar/shared';
import type { Attachment, DocumentReference } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AuditEntry, AuditStore } from '../audit/audit-store.ts';
import { requestAuditFields } from '../audit/request-audit-fields.ts';
import type { Config } from '../config/schema.ts';
import { ProblemError } from '../errors/problem-error.ts';
import { sanitiseLetterHtml } from '../letters/sanitise-letter.ts';
import { sessionAuth } from '../middleware/session-auth/index.ts';
import type { BinaryContent } from '../upstream/fhir-client.ts';
import type { SourceGateway } from '../upstream/source-gateway.ts';

export interface LetterRouteDeps {
  readonly config: Config;
  readonly clock: () => Date;
  readonly audit: AuditStore;
  readonly sources: SourceGateway;
}

/** Letter ids are `<source id>:<DocumentReference id>`, as the summary gives them. */
const LETTER_ID = /^([a-z0-9][a-z0-9-]{0,62}):([A-Za-z0-9\-.]{1,64})$/;
/** What the reader can show, best first. */
const PREFERRED = ['text/html', 'text/plain', 'application/pdf'] as const;
type ShownType = (typeof PREFERRED)[number];

function typeOf(attachment: Attachment): ShownType | undefined {
  const type = attachment.contentType?.split(';')[0]?.trim().toLowerCase();
  return PREFERRED.find((t) => t === type);
}

function pickAttachment(doc: DocumentReference): { attachment: Attachment; type: ShownType } | undefined {
  const candidates = (doc.content ?? [])
    .map((c) => c.attachment)
    .flatMap((attachment) => {
      const type = attachment ? typeOf(attachment) : undefined;
      return attachment && type && (attachment.data || attachment.url) ? [{ attachment, type }] : [];
    });
  candidates.sort((a, b) => PREFERRED.indexOf(a.type) - PREFERRED.indexOf(b.type));
  return candidates[0];
}

/**
 * `GET /letters/{id}`: one letter of the session's patient, and only if it is in that patient's
 * current record at its source (so another patient's letter, a superseded one, or one withheld as
 * sensitive is a 404 — audited as refused). HTML is sanitised here; PDFs are sent as bytes that
 * the browser may only download or open in its own viewer.
 */
export function letterRoutes(deps: LetterRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config, audit, clock } = deps;
  const excludes = sensitiveFilter(config.sensitivePolicy);
  const tokenOptions = {
    secret: config.sessionSecret,
    publicUrl: config.publicUrl,
    ttlSeconds: config.session.ttlSeconds,
  };

  app.get('/letters/:id', sessionAuth(tokenOptions, clock, { audit, action: 'letter-open' }), async (c) => {
    const session = c.get('session');
    const requestId = c.get('requestId');
    const letterId = c.req.param('id');
    const base = {
      requestId,
      action: 'letter-open' as const,
      user: session.user,
      userVerified: true,
      issuer: session.issuer,
      nhsNumber: session.nhsNumber,
      letterId: letterId.slice(0, 200),
      ...requestAuditFields(c),
    };
    const record = async (entry: Partial<AuditEntry> & Pick<AuditEntry, 'outcome'>): Promise<void> => {
      try {
        await audit.append({ ...base, at: clock(), ...entry });
      } catch (err) {
        throw new ProblemError('audit-unavailable', 503, { cause: err });
      }
    };
    const refuse = async (code: 'not-found' | 'insufficient-role', status: number): Promise<never> => {
      await record({ outcome: 'refused', reason: code });
      throw new ProblemError(code, status);
    };

    if (!config.clinicalRoles.includes(session.user.role)) return refuse('insufficient-role', 403);
    const match = LETTER_ID.exec(letterId);
    if (!match || config.localOptOuts.has(session.nhsNumber)) return refuse('not-found', 404);
    const [, sourceId, docId] = match as unknown as [string, string, string];

    const patient = { nhsNumber: session.nhsNumber, ...(session.birthDate ? { birthDate: session.birthDate } : {}) };
    if (!config.sources.some((s) => s.id === sourceId)) return refuse('not-found', 404);
    // Every source is asked (from the cache when fresh): an objection recorded at any of them applies.
    const answers: SourceAnswer[] = await deps.sources.answersFor(patient, requestId);
    const answer = answers.find((a) => a.source.id === sourceId) as SourceAnswer;
    if (answer.status === 'unavailable') {
      await record({
        outcome: 'error',
        reason: 'source-unavailable',
        sources: [{ id: sourceId, status: 'unavailable' }],
      });
      throw new ProblemError('source-unavailable', 503);
    }
    if (answer.status !== 'ok') return refuse('not-found', 404);
    const consents = answers.flatMap((a) => (a.status === 'ok' ? (a.record.consents ?? []) : []));
    if (isOptedOut({ nhsNumber: session.nhsNumber, localOptOuts: config.localOptOuts, consents, now: clock() })) {
      return refuse('not-found', 404);
    }
    const doc = answer.record.documents.find((d) => d.id === docId);
    const item = doc && !excludes(doc) ? mapDocumentReference(doc, answer.source) : undefined;
    if (!doc || !item) return refuse('not-found', 404);

    const chosen = pickAttachment(doc);
    if (!chosen) {
      await record({ outcome: 'error', reason: 'letter-content-unavailable' });
      throw new ProblemError('letter-content-unavailable', 404);
    }
    let content: BinaryContent;
    if (chosen.attachment.data) {
      content = { contentType: chosen.type, bytes: Buffer.from(chosen.attachment.data, 'base64') };
    } else {
      try {
        content = await deps.sources.fetchAttachment(sourceId, chosen.attachment.url as string, chosen.type);
      } catch (err) {
        await record({ outcome: 'error', reason: 'source-unavailable' });
        throw new ProblemError('source-unavailable', 503, { cause: err });
      }
    }

    // No audit, no data: the record is committed before any byte of the letter leaves.
    await record({ outcome: 'shown', sections: { letters: 1 } });
    if (chosen.type === 'application/pdf') {
      return new Response(new Uint8Array(content.bytes), {
        status: 200,
        headers: {
          'Content-Type': 'application/pdf',
          'Content-Disposition': 'inline; filename="letter.pdf"',
          // A PDF opened straight from this URL gets no script, forms or plugins of this origin.
          'Content-Security-Policy': "sandbox; default-src 'none'; object-src 'none'; frame-ancestors 'none'",
        },
      });
    }
    const text = Buffer.from(content.bytes).toString('utf8');
    const body: LetterContent = {
      id: item.id,
      title: item.title,
      source: item.source,
      ...(item.date ? { date: item.date } : {}),
      contentType: chosen.type,
      content: chosen.type === 'text/html' ? sanitiseLetterHtml(text) : text,
    };
    return c.json(body);
  });
  return app;
}
