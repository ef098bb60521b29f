import { describe, expect, it } from 'vitest';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { LetterItem, SourceRef } from '../view-models.ts';
import { compareLettersNewestFirst, mapDocumentReference } from './map-document-reference.ts';

const SNOMED = 'http://snomed.info/sct';
const ACUTE: SourceRef = { id: 'acute', name: 'Example NHS Foundation Trust' };

function dischargeSummary(overrides: Partial<DocumentReference> = {}): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id: 'doc-1',
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: SNOMED, code: '373942005', display: 'Discharge summary' }] },
    subject: { reference: 'Patient/pat-1' },
    date: '2025-02-20T16:40:00Z',
    author: [{ reference: 'Practitioner/dr-1', display: 'Dr Jane Example' }],
    custodian: { reference: 'Organization/rx1', display: 'Example NHS Foundation Trust' },
    description: 'Discharge summary – Ward 7 (Cardiology)',
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          url: 'Binary/bin-1',
          title: 'discharge-summary.pdf',
          creation: '2025-02-20T16:35:00Z',
        },
      },
      { attachment: { contentType: 'text/html; charset=utf-8', url: 'Binary/bin-2' } },
    ],
    context: {
      practiceSetting: { coding: [{ system: SNOMED, code: '394579002', display: 'Cardiology' }] },
      period: { start: '2025-02-14T10:00:00Z' },
    },
    ...overrides,
  };
}

function without<K extends keyof DocumentReference>(doc: DocumentReference, ...keys: K[]): Omit<DocumentReference, K> {
  const copy = { ...doc };
  for (const k of keys) delete copy[k];
  return copy;
}

describe('mapDocumentReference', () => {
  it('maps a current discharge summary', () => {
    expect(mapDocumentReference(dischargeSummary(), ACUTE)).toEqual({
      id: 'acute:doc-1',
      source: ACUTE,
      title: 'Discharge summary – Ward 7 (Cardiology)',
      type: 'Discharge summary',
      specialty: 'Cardiology',
      author: 'Dr Jane Example',
      date: '2025-02-20T16:40:00Z',
      status: 'current',
      contentTypes: ['application/pdf', 'text/html'],
    });
  });

  it.each(['superseded', 'entered-in-error'] as const)('never shows a document with status %s', (status) => {
    expect(mapDocumentReference(dischargeSummary({ status }), ACUTE)).toBeUndefined();
  });

  it('never shows a current document whose docStatus is entered-in-error', () => {
    expect(mapDocumentReference(dischargeSummary({ docStatus: 'entered-in-error' }), ACUTE)).toBeUndefined();
  });

  it('drops a document without id', () => {
    expect(mapDocumentReference(without(dischargeSummary(), 'id'), ACUTE)).toBeUndefined();
  });

  it('titles by description, then attachment title, then type', () => {
    const noDescription = without(dischargeSummary(), 'description');
    expect(mapDocumentReference(noDescription, ACUTE)).toMatchObject({
      title: 'discharge-summary.pdf',
      type: 'Discharge summary',
    });

    const noTitles = { ...noDescription, content: [{ attachment: { contentType: 'application/pdf', title: '  ' } }] };
    const item = mapDocumentReference(noTitles, ACUTE);
    expect(item?.title).toBe('Discharge summary');
    expect(item).not.toHaveProperty('type'); // not repeated when it is the title

    expect(mapDocumentReference({ ...noTitles, description: '   ' }, ACUTE)?.title).toBe('Discharge summary');
    expect(mapDocumentReference(without(noTitles, 'type'), ACUTE)).toBeUndefined();
  });

  it('takes the specialty from context.practiceSetting', () => {
    const outpatient = dischargeSummary({
      type: { coding: [{ system: SNOMED, code: '371531000', display: 'Report of clinical encounter' }] },
      context: { practiceSetting: { text: 'Diabetic medicine' } },
    });
    expect(mapDocumentReference(outpatient, ACUTE)?.specialty).toBe('Diabetic medicine');
    expect(mapDocumentReference(without(dischargeSummary(), 'context'), ACUTE)).not.toHaveProperty('specialty');
  });

  it('shows the first author with a display, else the custodian', () => {
    expect(
      mapDocumentReference(
        dischargeSummary({ author: [{ reference: 'Practitioner/x' }, { display: 'Dr A Locum' }] }),
        ACUTE,
      )?.author,
    ).toBe('Dr A Locum');
    expect(mapDocumentReference(without(dischargeSummary(), 'author'), ACUTE)?.author).toBe(
      'Example NHS Foundation Trust',
    );
    expect(mapDocumentReference(without(dischargeSummary(), 'author', 'custodian'), ACUTE)).not.toHaveProperty(
      'author',
    );
  });

  it('dates by date, then context period start, then attachment creation', () => {
    const noDate = without(dischargeSummary(), 'date');
    expect(mapDocumentReference(noDate, ACUTE)?.date).toBe('2025-02-14T10:00:00Z');
    expect(mapDocumentReference({ ...noDate, context: {} }, ACUTE)?.date).toBe('2025-02-20T16:35:00Z');
  });

  it('lists content types once each, lower-cased and without parameters', () => {
    const doc = dischargeSummary({
      content: [
        { attachment: { contentType: 'Text/HTML; charset=UTF-8' } },
        { attachment: { contentType: 'text/html' } },
        { attachment: { contentType: 'APPLICATION/PDF' } },
        { attachment: { contentType: 'application/pdf' } },
        { attachment: { url: 'Binary/no-type' } },
        { attachment: { contentType: 'text/plain' } },
      ],
    });
    expect(mapDocumentReference(doc, ACUTE)?.contentTypes).toEqual(['text/html', 'application/pdf', 'text/plain']);
  });
});

describe('compareLettersNewestFirst', () => {
  it('sorts newest first, undated last', () => {
    const letter = (id: string, date?: string): LetterItem => ({
      id,
      source: ACUTE,
      title: id,
      status: 'current',
      contentTypes: [],
      ...(date ? { date } : {}),
    });
    const letters = [
      letter('old', '2024-11-02'),
      letter('undated'),
      letter('new', '2025-02-20T16:40:00Z'),
      letter('mid', '2025-01-15T09:00:00Z'),
    ];
    expect(letters.sort(compareLettersNewestFirst).map((l) => l.id)).toEqual(['new', 'mid', 'old', 'undated']);
  });
});
