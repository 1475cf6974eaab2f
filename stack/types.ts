/**
 * Types the stack's modules share: a supervised service and its readiness
 * probe (kept here so services, probes and the supervisor need not import
 * each other).
 *
 * @module
 */

/** How to tell that a service is ready; `running`: the supervisor has kept it up for its start seconds. */
export type Probe =
  | { readonly kind: "tcp"; readonly port: number }
  | { readonly kind: "http"; readonly url: string; readonly expect: readonly number[] }
  | { readonly kind: "running"; readonly name: string };

/** One supervised process. */
export interface Service {
  /** Supervisor program name. */
  readonly name: string;
  /** What a person calls it. */
  readonly title: string;
  /** `infra` services start first; `pipeline` ones (producer, consumer) after topics, bucket and connector exist. */
  readonly group: "infra" | "pipeline";
  /** Services of its group that must be ready before it starts; the others start alongside. */
  readonly dependsOn: readonly string[];
  /** Host ports it binds on 127.0.0.1; checked free before it starts. */
  readonly ports: readonly number[];
  /** argv; run from the repository root. */
  readonly command: readonly string[];
  /** The user it runs as when the supervisor runs as root (for a program that refuses root); else the supervisor's own. */
  readonly rootUser?: string;
  /** Extra, non-secret environment (secrets come from .env through the supervisor). */
  readonly env?: Readonly<Record<string, string>>;
  /** Readiness probe. */
  readonly probe: Probe;
  /** Seconds to wait for the probe on start: an upper bound, generous for a busy 2-core machine (JVMs restoring state). */
  readonly startSeconds: number;
  /** Quick exits in a row (each under a second) before supervisord gives up (FATAL); it waits 1 s more after each. @default 3 */
  readonly startRetries?: number;
  /** Where a person reaches it. */
  readonly url: string;
}
