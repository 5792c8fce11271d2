import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { parseIsoTime } from '../../dist/cli/iso-time.js';

// The message of the usage error thrown for `value`.
function refused(value) {
  try {
    parseIsoTime(value);
  } catch (e) {
    assert.is(e.code, 'commander.invalidArgument');
    return e.message;
  }
  return assert.unreachable(`${value} was accepted`);
}

// ---

const parse = suite('parseIsoTime');

parse('a bare date is midnight UTC', () => {
  assert.is(parseIsoTime('2024-05-01'), Date.UTC(2024, 4, 1));
  assert.is(parseIsoTime('2024-02-29'), Date.UTC(2024, 1, 29));
  assert.is(parseIsoTime('0050-01-01'), Date.parse('0050-01-01T00:00:00Z'));
});

parse('a date and time with Z or an offset names one instant', () => {
  const noon = Date.UTC(2024, 4, 1, 12);
  assert.is(parseIsoTime('2024-05-01T12:00:00Z'), noon);
  assert.is(parseIsoTime('2024-05-01T12:00Z'), noon);
  assert.is(parseIsoTime('2024-05-01T14:00:00+02:00'), noon);
  assert.is(parseIsoTime('2024-05-01T06:30:00-05:30'), noon);
  assert.is(parseIsoTime('2024-05-01T00:30:00+00:30'), Date.UTC(2024, 4, 1));
  assert.is(parseIsoTime('2024-05-01T12:00:00.5Z'), noon + 500);
  // Events are stamped to the millisecond: finer digits are dropped, never rounded up.
  assert.is(parseIsoTime('2024-05-01T12:00:00.123999Z'), noon + 123);
});

parse('dates and times that do not exist are refused', () => {
  assert.match(refused('2026-11-31T12:00:00Z'), /no such date: 2026-11 has 30 days/);
  assert.match(refused('2026-11-31'), /no such date/);
  assert.match(refused('2026-02-29'), /2026-02 has 28 days/);
  assert.match(refused('1900-02-29'), /1900-02 has 28 days/);
  assert.match(refused('2026-00-10'), /no such month: 00/);
  assert.match(refused('2026-13-01'), /no such month: 13/);
  assert.match(refused('2026-01-00'), /no such date/);
  assert.match(refused('2026-01-01T24:00:00Z'), /no such time of day: 24:00:00/);
  assert.match(refused('2026-01-01T12:60Z'), /no such time of day/);
  assert.match(refused('2026-01-01T12:00:60Z'), /no such time of day/);
  assert.match(refused('2026-01-01T12:00:00+24:00'), /no such zone offset/);
});

parse('a date and time without a zone is refused, asking for Z or an offset', () => {
  for (const value of ['2026-11-30T12:00:00', '2026-11-30T12:00', '2026-11-30T12:00:00.250']) {
    assert.match(refused(value), /needs its zone: add Z for UTC, or an offset such as \+02:00/, value);
  }
});

parse('other shapes are refused with examples', () => {
  for (const value of ['yesterday', '', '2026-1-01', '2026-01-01 12:00:00Z', '2026-01-01T12Z', '2026-01-01T12:00:00+0200', '1714564800000', '2026-01-01T12:00:00ZZ']) {
    assert.match(refused(value), /expected a date such as 2024-05-01 \(midnight UTC\)/, value);
  }
});

parse.run();
