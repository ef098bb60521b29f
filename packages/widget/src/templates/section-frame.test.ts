import { expect } from 'chai';
import type { Section, SourceOutcome } from '@care-sidebar/shared';
import { sectionNotices } from './section-frame.ts';

const A = { id: 'hospital-a', name: 'Hospital A' };
const B = { id: 'hospital-b', name: 'Hospital B' };
const RESULTS = { name: 'results' as const, heading: 'Results', noun: 'results' };
const AS_OF = '2026-11-25T10:00:00Z';

function section(status: Section<never>['status'], sources: SourceOutcome[]): Section<never> {
  return { status, items: [], sources, ...(status === 'unavailable' ? {} : { asOf: AS_OF }) };
}

describe('sectionNotices', () => {
  it('names a source whose record does not match the patient, and does not count it as answering', () => {
    const notices = sectionNotices(
      RESULTS,
      section('partial', [
        { source: A, status: 'ok', asOf: AS_OF },
        { source: B, status: 'mismatch' },
      ]),
    );
    const texts = notices.map((n) => n.text);
    expect(texts).to.include('Hospital B: the record found does not match this patient, so it is not shown');
    expect(texts).to.include('No results from Hospital A');
    expect(texts.join(' ')).not.to.include('could not be reached');
  });

  it('names both an unreachable and a mismatched source when nothing can be shown', () => {
    const texts = sectionNotices(
      RESULTS,
      section('unavailable', [
        { source: A, status: 'unavailable' },
        { source: B, status: 'mismatch' },
      ]),
    ).map((n) => n.text);
    expect(texts).to.deep.equal([
      'Results unavailable: could not reach Hospital A',
      'Hospital B: the record found does not match this patient, so it is not shown',
    ]);
  });
});
