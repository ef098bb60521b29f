/**
 * Pure formatters for what the GP reads. Dates follow the NHS display convention
 * ("12-Mar-1957", 24-hour times) and are always shown in UK time, whatever the
 * machine's own time zone, so two screens in one practice never disagree.
 */

const TIME_ZONE = 'Europe/London';

// Fixed month names: en-GB in recent ICU writes "Sept", the NHS convention is "Sep".
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

// FHIR date: YYYY, YYYY-MM or YYYY-MM-DD, with no time and so no time zone.
const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

interface CivilDate {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number;
}

interface CivilDateTime extends CivilDate {
  readonly hour: number;
  readonly minute: number;
}

function inLondon(date: Date): CivilDateTime {
  const parts = londonParts.formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute') };
}

function parseInstant(iso: string): Date | undefined {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function monthName(month: number): string {
  return MONTHS[month - 1] ?? String(month);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function dateText({ year, month, day }: CivilDate): string {
  return `${pad2(day)}-${monthName(month)}-${year}`;
}

/** "12-Mar-1957". A FHIR date is shown as written; a date-time in UK time. Unreadable input is returned as is. */
export function formatDate(iso: string): string {
  const fhirDate = FHIR_DATE.exec(iso);
  if (fhirDate) {
    const [, year, month, day] = fhirDate;
    if (month === undefined) return `${year}`;
    if (day === undefined) return `${monthName(Number(month))}-${year}`;
    return dateText({ year: Number(year), month: Number(month), day: Number(day) });
  }
  const instant = parseInstant(iso);
  return instant ? dateText(inLondon(instant)) : iso;
}

/** "14:02, 25-Nov-2026" in UK time. Unreadable input is returned as is. */
export function formatDateTime(iso: string): string {
  if (FHIR_DATE.test(iso)) return formatDate(iso);
  const instant = parseInstant(iso);
  if (!instant) return iso;
  const t = inLondon(instant);
  return `${pad2(t.hour)}:${pad2(t.minute)}, ${dateText(t)}`;
}

/**
 * Age for the patient banner: "69y" from two years old, "14m" under two, "3w" or "5d" under a month
 * (the NHS patient banner shows months for young children). `now` is an argument so this stays pure.
 */
export function formatAge(birthDate: string, now: Date): string {
  const birth = FHIR_DATE.exec(birthDate);
  if (!birth?.[2] || !birth[3]) return '';
  const born = { year: Number(birth[1]), month: Number(birth[2]), day: Number(birth[3]) };
  const today = inLondon(now);
  const beforeBirthday = today.month < born.month || (today.month === born.month && today.day < born.day);
  const years = today.year - born.year - (beforeBirthday ? 1 : 0);
  if (years < 0) return '';
  if (years >= 2) return `${years}y`;
  const months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day ? 1 : 0);
  if (months >= 1) return `${months}m`;
  const days = Math.round(
    (Date.UTC(today.year, today.month - 1, today.day) - Date.UTC(born.year, born.month - 1, born.day)) / 86_400_000,
  );
  return days >= 7 ? `${Math.floor(days / 7)}w` : `${days}d`;
}

/**
 * How old data is, for "Updated 2 min ago": "just now" under a minute, minutes under an hour,
 * hours under a day, then the date and time as `formatDateTime` gives it. A time in the future (clock skew) reads "just now".
 */
export function formatAgo(iso: string, now: Date): string {
  const instant = parseInstant(iso);
  if (!instant) return iso;
  const minutes = Math.floor((now.getTime() - instant.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return formatDateTime(iso);
}
