/**
 * When a demo stack expires. One parser for config validation and the reaper, so a value the
 * stack accepts is always a value the reaper understands. Pure.
 *
 * A date without time (2026-12-31) means the END of that day in UTC; a date-time without an
 * offset is read as UTC.
 */

export const ISO_DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * The instant from which a stack counts as expired, or undefined when `text` is not a real ISO
 * 8601 date or date-time (2026-02-30 and 25:00 are refused, not rolled over).
 */
export function expiryInstant(text: string): Date | undefined {
  const trimmed = text.trim();
  const dateOnly = ISO_DATE_ONLY.exec(trimmed);
  if (dateOnly) {
    const [y, m, d] = dateOnly.slice(1).map(Number);
    if (!isCalendarDate(y, m, d)) return undefined;
    return new Date(Date.UTC(y, m - 1, d + 1)); // end of that day = start of the next
  }
  const dt = DATE_TIME.exec(trimmed);
  if (!dt) return undefined;
  const [y, m, d, hh, mm] = dt.slice(1, 6).map(Number);
  const ss = dt[6] === undefined ? 0 : Number(dt[6]);
  const ms = dt[7] === undefined ? 0 : Number(dt[7].slice(0, 3).padEnd(3, "0"));
  if (!isCalendarDate(y, m, d) || hh > 23 || mm > 59 || ss > 59) return undefined;
  const offset = dt[8];
  let offsetMinutes = 0;
  if (offset !== undefined && offset !== "Z") {
    const sign = offset.startsWith("-") ? -1 : 1;
    const [oh, om] = offset.slice(1).split(":").map(Number);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return new Date(Date.UTC(y, m - 1, d, hh, mm, ss, ms) - offsetMinutes * 60_000);
}

/** Earlier years are typos (0026 for 2026), and Date.UTC would read 0-99 as 1900-1999. */
export const EARLIEST_EXPIRY_YEAR = 2000;

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (y < EARLIEST_EXPIRY_YEAR || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}
