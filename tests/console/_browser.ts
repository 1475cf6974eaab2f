/**
 * Helpers of the console's browser tests: Debian's chromium driven by
 * puppeteer-core, logged in with the console user from .env, recording
 * console errors and every request's origin, writing screenshots under
 * .data/test-output/console/; and a second console process on its own port
 * and topic for tests that must not touch the pipeline's data.
 *
 * @module
 */
// the page's document, inside functions puppeteer runs in the browser (tests do not load the DOM types)
// deno-lint-ignore no-explicit-any
declare const document: any;
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Sanitizers off: puppeteer and kafkajs keep sockets and timers beyond a test. */
export const options = { sanitizeOps: false, sanitizeResources: false };

/** The supervised console. */
export const CONSOLE_URL = "http://127.0.0.1:8080";
/** Where screenshots go (git-ignored). */
export const OUTPUT = new URL("../../.data/test-output/console/", import.meta.url).pathname;
// the binary itself: Debian's /usr/bin/chromium is a shell script, and killing it would leave the browser running
const CHROMIUM = "/usr/lib/chromium/chromium";
const CONSOLE_NET = (JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url))) as {
  permissions: { console: { net: string[] } };
}).permissions.console.net;

/** The console login from .env. */
export function credentials(): { username: string; password: string } {
  const password = Deno.env.get("CONSOLE_PASSWORD");
  if (!password) throw new Error('CONSOLE_PASSWORD is not set; run the tests with --env-file=.env ("task test")');
  return { username: Deno.env.get("CONSOLE_USERNAME") || "tickpipe", password };
}

/** The Authorization header of the console login. */
export function authHeader(): string {
  const { username, password } = credentials();
  return `Basic ${btoa(`${username}:${password}`)}`;
}

/** Closes `browser` and makes sure its process is gone. */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  await browser?.close().catch(() => {});
  browser?.process()?.kill("SIGKILL");
}

/** Starts headless chromium. */
export async function launch(): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: await Deno.makeTempDir({ prefix: "tickpipe-chromium-" }),
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--window-size=1400,900"],
    defaultViewport: { width: 1400, height: 900 },
    // waits for a service to come back may outlast puppeteer's 180 s default for one call into the page
    protocolTimeout: 600_000,
    // not process.env: reading all of it would need every variable's permission
    env: { HOME: Deno.env.get("HOME") ?? "/tmp", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  });
}

/** A logged-in page that records console errors, page errors and the origin of each request. */
export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
  readonly origins: Set<string>;
}

/** Opens a tab logged in to the console. */
export async function openPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage();
  await page.authenticate(credentials());
  const errors: string[] = [];
  const origins = new Set<string>();
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("request", (request) => {
    const url = request.url();
    origins.add(url.startsWith("data:") ? "data:" : new URL(url).origin);
  });
  return { page, errors, origins };
}

/** Writes a full-page screenshot to `.data/test-output/console/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path: path as `${string}.png`, fullPage: true });
  return path;
}

/** What {@linkcode waitForAttribute} waits for: this exact value, a number above this one, or any value. */
export type AttributeTest = { readonly equals: string } | { readonly above: number } | { readonly present: true };

/** The value of attribute `name` of the element matching `selector`, once it passes `test`. */
export async function waitForAttribute(
  page: Page,
  selector: string,
  name: string,
  test: AttributeTest,
  timeout = 30_000,
): Promise<string> {
  const handle = await page.waitForFunction(
    (sel: string, attr: string, t: { equals?: string; above?: number; present?: true }) => {
      const value = document.querySelector(sel)?.getAttribute(attr);
      if (value === null || value === undefined || value === "") return false;
      if (t.equals !== undefined) return value === t.equals ? value : false;
      if (t.above !== undefined) return Number(value) > t.above ? value : false;
      return value;
    },
    { timeout, polling: 100 },
    selector,
    name,
    test as { equals?: string; above?: number; present?: true },
  );
  return await handle.jsonValue() as string;
}

/** A console process of the test's own, on `port` and reading `topic` (same permissions as `deno task console`). */
export class OwnConsole {
  readonly url: string;
  readonly child: Deno.ChildProcess;
  readonly #log: string[] = [];

  /** Starts it; await {@linkcode OwnConsole.ready}. */
  constructor(port: number, env: Record<string, string>) {
    this.url = `http://127.0.0.1:${port}`;
    // --allow-net replaces the set's net list rather than adding to it: name them all (8080 too, which the
    // Pipeline page probes for the supervised console), plus this port
    const net = [...CONSOLE_NET, `127.0.0.1:${port}`];
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-P=console", `--allow-net=${net.join(",")}`, "console/server/main.ts"],
      env: { CONSOLE_PORT: String(port), ...env },
      cwd: new URL("../..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    for (const stream of [this.child.stdout, this.child.stderr]) {
      (async () => {
        for await (const chunk of stream.pipeThrough(new TextDecoderStream())) this.#log.push(chunk);
      })();
    }
  }

  /** Resolves once it answers (401 without credentials). */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(this.url);
        await response.body?.cancel();
        if (response.status === 401) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    throw new Error(`The test's console on ${this.url} did not start: ${this.#log.join("")}`);
  }

  /** Stops it (SIGTERM) and waits for its exit. */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.child.status;
  }
}
