/**
 * Typed readers for environment variables. Each reads one variable by name
 * (so `--allow-env=NAME,...` stays narrow) and throws a `RangeError` naming the
 * variable, the bad value and the fix.
 *
 * @module
 */

/** Returns the variable's value, or `fallback` when it is unset or empty. */
export function envString(name: string, fallback: string): string {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? fallback : value;
}

/** Returns the variable's value, or `undefined` when it is unset or empty. */
export function envOptional(name: string): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Reads an integer variable.
 *
 * @throws {RangeError} When the value is not an integer within `min`..`max`.
 */
export function envInt(
  name: string,
  fallback: number,
  options: { min?: number; max?: number } = {},
): number {
  const raw = envOptional(name);
  if (raw === undefined) return fallback;
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${name}="${raw}" is not a whole number from ${min} to ${max}; set ${name} to such a number or unset it to use ${fallback}`,
    );
  }
  return value;
}

/**
 * Reads a boolean variable: `true`/`false`/`1`/`0`/`yes`/`no`.
 *
 * @throws {RangeError} When the value is none of those.
 */
export function envBool(name: string, fallback: boolean): boolean {
  const raw = envOptional(name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (["true", "1", "yes"].includes(lower)) return true;
  if (["false", "0", "no"].includes(lower)) return false;
  throw new RangeError(`${name}="${raw}" is not a boolean; set ${name} to true or false`);
}

/**
 * Reads a variable that must be one of `choices`.
 *
 * @throws {RangeError} When the value is not one of them.
 */
export function envChoice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const raw = envOptional(name);
  if (raw === undefined) return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new RangeError(`${name}="${raw}" is not one of ${choices.join(", ")}; set ${name} to one of them`);
}

/**
 * Reads an http(s) URL variable; returns it without a trailing slash.
 *
 * @param fallback Used when the variable is unset or empty; `undefined` makes it optional.
 * @param fix How to set it, for the error. @default `set it like "<fallback>"`
 * @throws {RangeError} When the value is not an http(s) URL.
 */
export function envUrl(name: string, fallback: string, fix?: string): string;
export function envUrl(name: string, fallback: undefined, fix: string): string | undefined;
export function envUrl(
  name: string,
  fallback: string | undefined,
  fix = `set it like "${fallback}"`,
): string | undefined {
  const raw = envOptional(name) ?? fallback;
  if (raw === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new RangeError(`${name}="${raw}" is not an http(s) URL; ${fix}`);
  }
  return raw.replace(/\/$/, "");
}
