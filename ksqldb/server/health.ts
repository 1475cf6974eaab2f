/**
 * Measured health for `GET /healthcheck`: Kafka answers a cheap admin call
 * (describe cluster) and the Flink engine its `/health`, each within a short
 * timeout; results are cached for a few seconds so probes cost little.
 *
 * @module
 */
import type { KafkaConnection } from "./kafka_connection.ts";
import type { FlinkEngineClient } from "./flink_engine_client.ts";

/** One dependency's health. */
export interface DependencyHealth {
  readonly isHealthy: boolean;
  /** Why it is unhealthy. */
  readonly error?: string;
}

/** Options of {@link HealthProbe}. */
export interface HealthProbeOptions {
  /** How long a result is reused. @default 5000 */
  readonly cacheMs?: number;
  /** How long a check may take before it counts as failed. @default 2000 */
  readonly timeoutMs?: number;
}

/**
 * A check whose result is kept for `cacheMs`; a call that outlasts `timeoutMs`
 * counts as failed, and no second call starts while it still runs.
 */
class CachedCheck {
  #what: string;
  #check: () => Promise<unknown>;
  #cacheMs: number;
  #timeoutMs: number;
  #last: { at: number; result: DependencyHealth } | undefined;
  #call: Promise<unknown> | undefined;

  constructor(what: string, check: () => Promise<unknown>, options: Required<HealthProbeOptions>) {
    this.#what = what;
    this.#check = check;
    this.#cacheMs = options.cacheMs;
    this.#timeoutMs = options.timeoutMs;
  }

  async get(): Promise<DependencyHealth> {
    if (this.#last && performance.now() - this.#last.at < this.#cacheMs) return this.#last.result;
    this.#call ??= this.#check().finally(() => this.#call = undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.#what} did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    let result: DependencyHealth;
    try {
      await Promise.race([this.#call, timeout]);
      result = { isHealthy: true };
    } catch (error) {
      result = { isHealthy: false, error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
    this.#last = { at: performance.now(), result };
    return result;
  }
}

/** Checks Kafka through `kafka` and the Flink engine through `engine`. */
export class HealthProbe {
  #kafka: CachedCheck;
  #engine: CachedCheck;

  constructor(kafka: KafkaConnection, engine: FlinkEngineClient, options: HealthProbeOptions = {}) {
    const settings = { cacheMs: options.cacheMs ?? 5000, timeoutMs: options.timeoutMs ?? 2000 };
    this.#kafka = new CachedCheck("Kafka", async () => {
      await (await kafka()).describeCluster();
    }, settings);
    this.#engine = new CachedCheck("The Flink engine", () => engine.health(), settings);
  }

  /** Kafka's health, measured at most `cacheMs` ago. */
  kafka(): Promise<DependencyHealth> {
    return this.#kafka.get();
  }

  /** The Flink engine's health, measured at most `cacheMs` ago. */
  engine(): Promise<DependencyHealth> {
    return this.#engine.get();
  }
}
