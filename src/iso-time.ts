const EXAMPLES = 'a date such as 2024-05-01 (midnight UTC), or a date and time with its zone such as 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00';

// `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z` or `±HH:MM`.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))?)?$/;

/** A text that is not one of the ISO-8601 forms `parseIsoTime` takes; the message says why. */
export class IsoTimeError extends Error {}

// Parse an ISO-8601 time into epoch milliseconds, or throw an IsoTimeError saying what is wrong.
// Stricter than Date.parse, which rolls 2026-11-31 over to 1 December, reads a date-time without a
// zone as local time (but a bare date as UTC), and '12345' as the year 12345: a time that names no
// single instant is refused rather than guessed.
export function parseIsoTime(value: string): number {
  const m = ISO.exec(value);
  if (!m) throw new IsoTimeError(`expected ${EXAMPLES}.`);
  const [, year, month, day, hour, minute, second, fraction, z, sign, offHour, offMinute] = m;
  if (hour !== undefined && z === undefined && sign === undefined) {
    throw new IsoTimeError('a date and time needs its zone: add Z for UTC, or an offset such as +02:00.');
  }
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  if (mo < 1 || mo > 12) throw new IsoTimeError(`no such month: ${month}.`);
  if (d < 1 || d > daysIn(y, mo)) throw new IsoTimeError(`no such date: ${year}-${month} has ${daysIn(y, mo)} days.`);
  const h = Number(hour ?? 0);
  const mi = Number(minute ?? 0);
  const s = Number(second ?? 0);
  if (h > 23 || mi > 59 || s > 59) throw new IsoTimeError(`no such time of day: ${hour}:${minute}${second === undefined ? '' : `:${second}`}.`);
  const oh = Number(offHour ?? 0);
  const om = Number(offMinute ?? 0);
  if (oh > 23 || om > 59) throw new IsoTimeError(`no such zone offset: ${sign}${offHour}:${offMinute}.`);
  // Digits past the millisecond are dropped: events are stamped to the millisecond, so the
  // state "at or before" the time is the same.
  const ms = Number((fraction ?? '').slice(0, 3).padEnd(3, '0'));
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime() - (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
