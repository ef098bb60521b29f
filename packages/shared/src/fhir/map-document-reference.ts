import type { DocumentReference } from '@medplum/fhirtypes';
import type { LetterItem, SourceRef } from '../view-models.ts';
import { conceptText, referenceDisplay } from './codeable-concept.ts';

/**
 * A current letter, or undefined: superseded documents and documents whose docStatus is
 * entered-in-error are not shown as current. (Preliminary letters are shown; marking them is
 * the letter reader's job.)
 */
export function mapDocumentReference(doc: DocumentReference, source: SourceRef): LetterItem | undefined {
  if (!doc.id || doc.status !== 'current') return undefined;
  if (doc.docStatus === 'entered-in-error') return undefined;
  const attachments = (doc.content ?? []).map((c) => c.attachment).filter((a) => a !== undefined);
  const type = conceptText(doc.type);
  const title = doc.description?.trim() || attachments.find((a) => a.title?.trim())?.title?.trim() || type;
  if (!title) return undefined;
  const specialty = conceptText(doc.context?.practiceSetting);
  const author = doc.author?.map(referenceDisplay).find((d) => d !== undefined) ?? referenceDisplay(doc.custodian);
  const date = doc.date ?? doc.context?.period?.start ?? attachments.find((a) => a.creation)?.creation;
  const contentTypes = [
    ...new Set(attachments.map((a) => a.contentType?.split(';')[0]?.trim().toLowerCase()).filter((t) => !!t)),
  ] as string[];
  return {
    id: `${source.id}:${doc.id}`,
    source,
    title,
    ...(type && type !== title ? { type } : {}),
    ...(specialty ? { specialty } : {}),
    ...(author ? { author } : {}),
    ...(date ? { date } : {}),
    status: 'current',
    contentTypes,
  };
}

export function compareLettersNewestFirst(a: LetterItem, b: LetterItem): number {
  return (Date.parse(b.date ?? '') || 0) - (Date.parse(a.date ?? '') || 0);
}
