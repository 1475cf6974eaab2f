/**
 * Faults on the running stack through its own supervisor: kill -9 a program,
 * stop and start one, and a watch of every program's state (FATAL, restarts).
 *
 * @module
 */
import { programStates, supervisorctl } from "../stack/supervisor.ts";

/** The pid supervisord runs `name` under, or 0. */
export async function programPid(name: string): Promise<number> {
  return Number((await supervisorctl("pid", name)).output.trim()) || 0;
}

/**
 * Sends SIGKILL to program `name`'s whole process group (supervisord starts each program in its own; a
 * `deno task` program's script is a child that would outlive its parent), and supervisord restarts it.
 * Returns the pid killed.
 *
 * @throws {Error} When it does not run.
 */
export async function kill9(name: string): Promise<number> {
  const pid = await programPid(name);
  if (pid === 0) {
    throw new Error(`Cannot kill "${name}": supervisord runs no such process; is the stack up ("task up")?`);
  }
  const { code, stderr } = await new Deno.Command("kill", { args: ["-9", "--", `-${pid}`], stderr: "piped" }).output();
  if (code !== 0) throw new Error(`kill -9 ${pid} (${name}) failed: ${new TextDecoder().decode(stderr).trim()}`);
  return pid;
}

/** `supervisorctl stop|start name`. @throws {Error} With supervisorctl's output when it fails. */
export async function control(action: "stop" | "start", name: string): Promise<void> {
  const { code, output } = await supervisorctl(action, name);
  if (code !== 0 && !/already started|not running/.test(output)) {
    throw new Error(`supervisorctl ${action} ${name} failed (exit ${code}): ${output.trim()}`);
  }
}

/** Waits until every program that ran at the start runs again, or `timeoutMs` passed. @returns Whether they do. */
export async function waitAllRunning(names: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const states = await programStates();
    if (states && names.every((n) => states.get(n) === "RUNNING")) return true;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return false;
}

/** Each program's state and pid from one `supervisorctl status`. */
export async function programTable(): Promise<Map<string, { state: string; pid: number }>> {
  const table = new Map<string, { state: string; pid: number }>();
  for (const line of (await supervisorctl("status")).output.split("\n")) {
    const m = /^(\S+)\s+(\S+)(?:\s+pid (\d+))?/.exec(line.trim());
    if (m) table.set(m[1]!, { state: m[2]!, pid: Number(m[3] ?? 0) });
  }
  return table;
}

/** Samples every program's state every 2 s: which reached FATAL, and how often each one's pid changed. */
export class StateWatch {
  readonly fatal = new Set<string>();
  readonly restarts = new Map<string, number>();
  #pids = new Map<string, number>();
  #stop = false;
  #done: Promise<void>;

  /** Starts watching. */
  constructor() {
    this.#done = this.#loop();
  }

  async #loop(): Promise<void> {
    while (!this.#stop) {
      const table = await programTable().catch(() => new Map());
      for (const [name, { state, pid }] of table) {
        if (state === "FATAL") this.fatal.add(name);
        const last = this.#pids.get(name);
        if (pid !== 0 && last !== undefined && last !== pid) {
          this.restarts.set(name, (this.restarts.get(name) ?? 0) + 1);
        }
        if (pid !== 0) this.#pids.set(name, pid);
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }
}
