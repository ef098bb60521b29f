import { expect } from 'chai';
import { formatAge, formatAgo, formatDate, formatDateTime } from './format.ts';

describe('formatDate', () => {
  it('writes a FHIR date as DD-Mon-YYYY without shifting it through a time zone', () => {
    expect(formatDate('1957-03-12')).to.equal('12-Mar-1957');
    expect(formatDate('2026-09-01')).to.equal('01-Sep-2026');
  });

  it('keeps partial FHIR dates partial', () => {
    expect(formatDate('2026-03')).to.equal('Mar-2026');
    expect(formatDate('2026')).to.equal('2026');
  });

  it('shows a date-time on its UK calendar day', () => {
    // 23:30 UTC in British Summer Time is 00:30 the next day in London.
    expect(formatDate('2026-06-30T23:30:00Z')).to.equal('01-Jul-2026');
  });

  it('returns unreadable input unchanged rather than "Invalid Date"', () => {
    expect(formatDate('not a date')).to.equal('not a date');
  });
});

describe('formatDateTime', () => {
  it('writes "HH:mm, DD-Mon-YYYY" in UK time, GMT and BST', () => {
    expect(formatDateTime('2026-11-25T14:02:00Z')).to.equal('14:02, 25-Nov-2026');
    expect(formatDateTime('2026-07-01T08:05:00Z')).to.equal('09:05, 01-Jul-2026');
    expect(formatDateTime('2026-07-01T08:05:00+01:00')).to.equal('08:05, 01-Jul-2026');
  });

  it('writes a date with no time as a date only', () => {
    expect(formatDateTime('2026-11-20')).to.equal('20-Nov-2026');
  });
});

describe('formatAge', () => {
  const now = new Date('2026-11-25T12:00:00Z');

  it('gives whole years from two years old', () => {
    expect(formatAge('1957-03-12', now)).to.equal('69y');
    expect(formatAge('1957-11-26', now)).to.equal('68y');
    expect(formatAge('1957-11-25', now)).to.equal('69y');
  });

  it('gives months under two and weeks or days under one month', () => {
    expect(formatAge('2025-09-30', now)).to.equal('13m');
    expect(formatAge('2026-11-04', now)).to.equal('3w');
    expect(formatAge('2026-11-20', now)).to.equal('5d');
  });

  it('counts birthdays on the UK calendar day', () => {
    // 23:30 UTC on 11 March is 11 March in London (GMT): not yet the birthday.
    expect(formatAge('1957-03-12', new Date('2026-03-11T23:30:00Z'))).to.equal('68y');
  });

  it('gives nothing for a birth date it cannot read or in the future', () => {
    expect(formatAge('1957', now)).to.equal('');
    expect(formatAge('2027-01-01', now)).to.equal('');
  });
});

describe('formatAgo', () => {
  const now = new Date('2026-11-25T14:02:30Z');
  const ago = (seconds: number) => formatAgo(new Date(now.getTime() - seconds * 1000).toISOString(), now);

  it('says "just now" under a minute, and for a time ahead of this clock', () => {
    expect(ago(0)).to.equal('just now');
    expect(ago(59)).to.equal('just now');
    expect(ago(-300)).to.equal('just now');
  });

  it('counts whole minutes under an hour, and whole hours under a day', () => {
    expect(ago(60)).to.equal('1 min ago');
    expect(ago(3599)).to.equal('59 min ago');
    expect(ago(3600)).to.equal('1 h ago');
    expect(ago(86_399)).to.equal('23 h ago');
  });

  it('gives the date and time in UK time from a day on, and unreadable input as it is', () => {
    expect(ago(86_400)).to.equal('14:02, 24-Nov-2026');
    expect(formatAgo('2026-07-01T09:00:00Z', now)).to.equal('10:00, 01-Jul-2026');
    expect(formatAgo('not a date', now)).to.equal('not a date');
  });
});
