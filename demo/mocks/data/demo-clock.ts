/**
 * Dates for the synthetic data, relative to the day the module is loaded, so the
 * demo always looks current. Everything else in the data is fixed.
 *
 * The anchor is the start of today (UTC): every date is at least one day ago at a
 * fixed time of day, so no record is ever in the future and two loads on the same
 * day give byte-identical data.
 */
const DAY_MS = 86_400_000;

function startOfTodayUtc(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/** Start of the current UTC day when this module was loaded. */
export const DEMO_ANCHOR_MS = startOfTodayUtc(new Date());

/**
 * A FHIR `dateTime` / `instant` (seconds precision, UTC) `days` days before today at `time` (HH:MM).
 * `daysAgo(3, '09:30')` → "2025-11-22T09:30:00Z" when loaded on 2025-11-25.
 */
export function daysAgo(days: number, time = '09:00'): string {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`daysAgo: days must be an integer ≥ 1, got ${days}`);
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) throw new RangeError(`daysAgo: time must be HH:MM, got ${time}`);
  const ms = DEMO_ANCHOR_MS - days * DAY_MS + (Number(match[1]) * 60 + Number(match[2])) * 60_000;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A FHIR `date` (YYYY-MM-DD) `days` days before today. */
export function dateDaysAgo(days: number): string {
  return daysAgo(days).slice(0, 10);
}
