/**
 * Parses the `timestamp_utc` field the producer stamps on every record.
 *
 * @module
 */

/**
 * Parses an ISO-8601 date-time (`2024-10-01T14:30:00Z`, `2024-10-01T14:30:00.123456`,
 * `2024-10-01 14:30:00+02:00`, `2024-10-01`) into epoch milliseconds. A value
 * without a zone is taken as UTC, as the field's name says.
 *
 * @returns Epoch milliseconds, or `undefined` when the text is not such a date
 * or names an impossible date (month 13, 31 February).
 */
export function parseTimestampUtc(text: string): number | undefined {
  // Self-contained (no module scope) so that archive_pool.ts can ship it to its workers.
  // Fast path, 5x quicker than the regex, for what the producer writes: "YYYY-MM-DDTHH:MM:SS[.fraction][Z]".
  const digit = (at: number) => {
    const d = text.charCodeAt(at) - 48;
    return d >= 0 && d <= 9 ? d : NaN;
  };
  const end = text.endsWith("Z") ? text.length - 1 : text.length;
  if (
    (end === 19 || (end > 20 && end <= 29 && text[19] === ".")) && text[4] === "-" && text[7] === "-" &&
    text[10] === "T" && text[13] === ":" && text[16] === ":"
  ) {
    const two = (at: number) => digit(at) * 10 + digit(at + 1);
    const year = two(0) * 100 + two(2), month = two(5), day = two(8);
    const hour = two(11), minute = two(14), second = two(17);
    let ms = 0;
    for (let at = 20; at < end; at++) ms += digit(at) * (at === 20 ? 100 : at === 21 ? 10 : at === 22 ? 1 : 0);
    // Days up to 28 exist in every month; NaN (a non-digit) fails every comparison.
    if (
      year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23 && minute <= 59 &&
      second <= 59 && ms >= 0
    ) {
      return Date.UTC(year, month - 1, day, hour, minute, second, ms);
    }
  }
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/
      .exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const ms = Number(frac.slice(0, 3).padEnd(3, "0"));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  if (zone === undefined || zone === "Z" || zone === "z") return local;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0);
  return local - sign * minutes * 60_000;
}
