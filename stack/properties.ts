/**
 * Java `.properties` templates (stack/kafka/): filling in `@NAME@` placeholders
 * and overriding keys, so a node of the cluster profile is the single node's
 * file with what differs set.
 *
 * @module
 */

/**
 * Returns `template` with every `@NAME@` replaced by `vars[NAME]`.
 *
 * @throws {RangeError} When the template names a placeholder `vars` lacks.
 */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replaceAll(/@([A-Z0-9_]+)@/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new RangeError(`Template placeholder "@${name}@" has no value; pass ${name}`);
    return value;
  });
}

/**
 * Returns `text` with each key of `overrides` set: its line replaced in place, or appended when missing;
 * `null` removes the key.
 */
export function overrideProperties(text: string, overrides: Readonly<Record<string, string | null>>): string {
  const pending = new Map(Object.entries(overrides));
  const lines = text.split("\n").flatMap((line) => {
    const key = /^([\w.-]+)=/.exec(line)?.[1];
    if (key === undefined || !pending.has(key)) return [line];
    const value = pending.get(key);
    pending.delete(key);
    return value === null ? [] : [`${key}=${value}`];
  });
  const added = [...pending].filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`);
  return [...lines.join("\n").trimEnd().split("\n"), ...(added.length ? ["", "# cluster profile", ...added] : [])]
    .join("\n") + "\n";
}
