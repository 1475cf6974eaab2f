/**
 * A fast, allocation-free check for the common shape of an archived value:
 * one JSON object on one line. It replaces `TextDecoder` + `JSON.parse` (which
 * builds the whole object only to drop it) for values it can vouch for, and
 * sends everything else to the exact, slow path.
 *
 * @module
 */

/**
 * Checks that `data[start, end)` is a UTF-8 JSON object (RFC 8259) and finds
 * its top-level `timestamp_utc`. It never accepts what `JSON.parse` would
 * reject, and may give up (-1) on valid input it does not handle: raw CR/LF
 * between tokens, a byte order mark, nesting deeper than 30, and a top-level
 * `timestamp_utc` that is neither null nor a plain ASCII string without escapes,
 * or whose key is written with escapes.
 *
 * Self-contained (no module scope), so `archive_pool.ts` can ship it to its workers.
 *
 * @param out Receives the `timestamp_utc` string's bytes as `[from, to)` when the result is 1.
 * @returns 1: an object with a plain string `timestamp_utc` (at `out`); 0: an
 * object whose last top-level `timestamp_utc` is absent or null; -1: not decided.
 */
export function quickScanJson(data: Uint8Array, start: number, end: number, out: Int32Array): number {
  // Expectations: 0 a value, 1 a key or "}", 2 "," or a close, 3 a key, 4 a value or "]".
  let state = 1;
  let depth = 1;
  let objects = 2; // bit d set: the container at depth d is an object
  let keyIsStamp = false;
  let stampFrom = -1;
  let stampTo = -1;
  let i = start;
  while (i < end && (data[i] === 0x20 || data[i] === 0x09)) i++;
  if (i >= end || data[i] !== 0x7b) return -1;
  i++;
  for (;;) {
    let c = 0;
    for (;;) {
      if (i >= end) return -1;
      c = data[i]!;
      if (c === 0x20 || c === 0x09) i++;
      else if (c === 0x0a || c === 0x0d) return -1;
      else break;
    }
    if (state === 2) {
      const inObject = (objects >>> depth) & 1;
      if (c === 0x2c) {
        state = inObject ? 3 : 0;
        i++;
        continue;
      }
      if (c !== (inObject ? 0x7d : 0x5d)) return -1;
      i++;
      depth--;
      if (depth > 0) continue;
      while (i < end && (data[i] === 0x20 || data[i] === 0x09)) i++;
      if (i !== end) return -1;
      if (stampFrom < 0) return 0;
      out[0] = stampFrom;
      out[1] = stampTo;
      return 1;
    }
    if (state === 4) {
      if (c === 0x5d) {
        state = 2;
        continue;
      }
      state = 0;
    }
    if (state === 1 && c === 0x7d) {
      state = 2;
      continue;
    }
    if (c === 0x22) {
      // A string: a key (states 1, 3) or a value (state 0).
      const from = i + 1;
      let plain = true;
      let j = from;
      for (;;) {
        // Plain ASCII runs first: most bytes of a value are in them.
        let b = 0;
        while (j < end && (b = data[j]!) >= 0x23 && b < 0x80 && b !== 0x5c) j++;
        if (j >= end) return -1;
        if (b === 0x22) break;
        if (b < 0x20) return -1;
        if (b < 0x80 && b !== 0x5c) {
          j++;
          continue;
        }
        plain = false;
        if (b === 0x5c) {
          if (j + 1 >= end) return -1;
          const e = data[j + 1]!;
          if (
            e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 ||
            e === 0x74
          ) {
            j += 2;
          } else if (e === 0x75) {
            if (j + 5 >= end) return -1;
            for (let k = j + 2; k < j + 6; k++) {
              const h = data[k]!;
              const letter = h | 0x20; // lower-cases A-F
              if (!((h >= 0x30 && h <= 0x39) || (letter >= 0x61 && letter <= 0x66))) return -1;
            }
            j += 6;
          } else {
            return -1;
          }
        } else if (b >= 0xc2 && b <= 0xdf) {
          if (j + 1 >= end || (data[j + 1]! & 0xc0) !== 0x80) return -1;
          j += 2;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (j + 2 >= end) return -1;
          const b1 = data[j + 1]!;
          if ((b1 & 0xc0) !== 0x80 || (data[j + 2]! & 0xc0) !== 0x80) return -1;
          if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f)) return -1; // overlong, surrogate
          j += 3;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (j + 3 >= end) return -1;
          const b1 = data[j + 1]!;
          if ((b1 & 0xc0) !== 0x80 || (data[j + 2]! & 0xc0) !== 0x80 || (data[j + 3]! & 0xc0) !== 0x80) return -1;
          if ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return -1; // overlong, above U+10FFFF
          j += 4;
        } else {
          return -1;
        }
      }
      i = j + 1;
      if (state === 0) {
        if (depth === 1 && keyIsStamp) {
          if (!plain) return -1;
          stampFrom = from;
          stampTo = j;
        }
        state = 2;
        continue;
      }
      // A key: then ":".
      if (depth === 1) {
        if (!plain && j - from >= 13) return -1; // might be "timestamp_utc" written with escapes
        keyIsStamp = j - from === 13 && data[from] === 0x74 && data[from + 1] === 0x69 && data[from + 2] === 0x6d &&
          data[from + 3] === 0x65 && data[from + 4] === 0x73 && data[from + 5] === 0x74 && data[from + 6] === 0x61 &&
          data[from + 7] === 0x6d && data[from + 8] === 0x70 && data[from + 9] === 0x5f &&
          data[from + 10] === 0x75 && data[from + 11] === 0x74 && data[from + 12] === 0x63;
      }
      while (i < end && (data[i] === 0x20 || data[i] === 0x09)) i++;
      if (i >= end || data[i] !== 0x3a) return -1;
      i++;
      state = 0;
      continue;
    }
    if (state !== 0) return -1;
    // A value other than a string.
    const stampHere = depth === 1 && keyIsStamp;
    state = 2;
    if (c === 0x7b || c === 0x5b) {
      if (stampHere || depth >= 30) return -1;
      depth++;
      if (c === 0x7b) {
        objects |= 1 << depth;
        state = 1;
      } else {
        objects &= ~(1 << depth);
        state = 4;
      }
      i++;
    } else if (c === 0x6e) {
      if (i + 3 >= end || data[i + 1] !== 0x75 || data[i + 2] !== 0x6c || data[i + 3] !== 0x6c) return -1;
      if (stampHere) stampFrom = stampTo = -1;
      i += 4;
    } else if (stampHere) {
      return -1; // true, false or a number: the exact path names the type
    } else if (c === 0x74) {
      if (i + 3 >= end || data[i + 1] !== 0x72 || data[i + 2] !== 0x75 || data[i + 3] !== 0x65) return -1;
      i += 4;
    } else if (c === 0x66) {
      if (
        i + 4 >= end || data[i + 1] !== 0x61 || data[i + 2] !== 0x6c || data[i + 3] !== 0x73 || data[i + 4] !== 0x65
      ) return -1;
      i += 5;
    } else {
      // A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
      if (c === 0x2d) i++;
      if (i >= end) return -1;
      let d = data[i]!;
      if (d === 0x30) {
        i++;
      } else if (d >= 0x31 && d <= 0x39) {
        i++;
        while (i < end && (d = data[i]!) >= 0x30 && d <= 0x39) i++;
      } else {
        return -1;
      }
      if (i < end && data[i] === 0x2e) {
        i++;
        const digits = i;
        while (i < end && (d = data[i]!) >= 0x30 && d <= 0x39) i++;
        if (i === digits) return -1;
      }
      if (i < end && (data[i] === 0x65 || data[i] === 0x45)) {
        i++;
        if (i < end && (data[i] === 0x2b || data[i] === 0x2d)) i++;
        const digits = i;
        while (i < end && (d = data[i]!) >= 0x30 && d <= 0x39) i++;
        if (i === digits) return -1;
      }
    }
  }
}
