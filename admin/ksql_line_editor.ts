/**
 * The line editor of `deno task ksql` on a terminal: left/right/home/end,
 * backspace/delete, Ctrl-A/E/U/K, and up/down through a history that persists
 * to a file (one statement per line), like the ksql CLI's `~/.ksql-history`.
 *
 * @module
 */

/** What the editor did with a key. */
export type EditResult =
  | { readonly kind: "edit" }
  | { readonly kind: "line"; readonly line: string }
  | { readonly kind: "interrupt" }
  | { readonly kind: "eof" };

/** Splits terminal input into keys: one escape sequence, control byte or character each. */
export function splitKeys(input: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < input.length;) {
    if (input[i] === "\x1b") {
      // CSI `ESC [ params final` or SS3 `ESC O x`
      // deno-lint-ignore no-control-regex
      const m = /^\x1b(?:\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(input.slice(i));
      const key = m ? m[0] : "\x1b";
      keys.push(key);
      i += key.length;
    } else {
      const cp = input.codePointAt(i)!;
      const key = String.fromCodePoint(cp);
      keys.push(key);
      i += key.length;
    }
  }
  return keys;
}

/** Whether `name` access to `path` is granted, without prompting for it. */
function granted(name: "read" | "write", path: string): boolean {
  return Deno.permissions.querySync({ name, path }).state === "granted";
}

/** Statements entered before, oldest first, without consecutive duplicates. */
export class History {
  readonly #entries: string[];
  readonly #max: number;

  /** @param max Entries kept. @default 1000 */
  constructor(entries: readonly string[] = [], max = 1000) {
    this.#max = max;
    this.#entries = entries.filter((e) => e.trim() !== "").slice(-max);
  }

  /** The entries, oldest first. */
  get entries(): readonly string[] {
    return this.#entries;
  }

  /** Adds `entry` (newlines folded to spaces) unless it repeats the last one. */
  add(entry: string): void {
    const line = entry.replace(/\s*\n\s*/g, " ").trim();
    if (line === "" || this.#entries.at(-1) === line) return;
    this.#entries.push(line);
    if (this.#entries.length > this.#max) this.#entries.splice(0, this.#entries.length - this.#max);
  }

  /**
   * Reads the history in `file`; an empty history when the file is missing or
   * cannot be read (no permission: it does not prompt), so the shell works without it.
   */
  static async load(file: string): Promise<History> {
    if (!granted("read", file)) return new History();
    try {
      return new History((await Deno.readTextFile(file)).split("\n"));
    } catch {
      return new History();
    }
  }

  /**
   * Writes the history to `file`.
   *
   * @returns false when it cannot (missing folder, no permission: it does not prompt); history then lasts for the session only.
   */
  async save(file: string): Promise<boolean> {
    if (!granted("write", file)) return false;
    try {
      await Deno.writeTextFile(file, `${this.#entries.join("\n")}\n`, { mode: 0o600 });
      return true;
    } catch {
      return false;
    }
  }
}

/** One line being edited, with the cursor and a position in the history. */
export class LineEditor {
  #history: History;
  #text = "";
  #cursor = 0;
  /** Index into the history while browsing it; `entries.length` is the line being typed. */
  #index: number;
  #draft = "";

  constructor(history: History) {
    this.#history = history;
    this.#index = history.entries.length;
  }

  /** The line so far. */
  get text(): string {
    return this.#text;
  }

  /** The cursor position in {@link text}, in UTF-16 units. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Starts a new, empty line at the end of the history. */
  reset(): void {
    this.#text = "";
    this.#cursor = 0;
    this.#draft = "";
    this.#index = this.#history.entries.length;
  }

  #set(text: string): void {
    this.#text = text;
    this.#cursor = text.length;
  }

  /** Applies one key (see {@link splitKeys}). */
  key(key: string): EditResult {
    const entries = this.#history.entries;
    switch (key) {
      case "\r":
      case "\n": {
        const line = this.#text;
        this.reset();
        return { kind: "line", line };
      }
      case "\x03":
        this.reset();
        return { kind: "interrupt" };
      case "\x04":
        if (this.#text === "") return { kind: "eof" };
        this.#text = this.#text.slice(0, this.#cursor) + this.#text.slice(this.#cursor + 1);
        break;
      case "\x7f":
      case "\b":
        if (this.#cursor > 0) {
          this.#text = this.#text.slice(0, this.#cursor - 1) + this.#text.slice(this.#cursor);
          this.#cursor--;
        }
        break;
      case "\x1b[3~":
        this.#text = this.#text.slice(0, this.#cursor) + this.#text.slice(this.#cursor + 1);
        break;
      case "\x1b[A":
      case "\x1bOA":
      case "\x10":
        if (this.#index > 0) {
          if (this.#index === entries.length) this.#draft = this.#text;
          this.#index--;
          this.#set(entries[this.#index]!);
        }
        break;
      case "\x1b[B":
      case "\x1bOB":
      case "\x0e":
        if (this.#index < entries.length) {
          this.#index++;
          this.#set(this.#index === entries.length ? this.#draft : entries[this.#index]!);
        }
        break;
      case "\x1b[D":
      case "\x1bOD":
      case "\x02":
        this.#cursor = Math.max(0, this.#cursor - 1);
        break;
      case "\x1b[C":
      case "\x1bOC":
      case "\x06":
        this.#cursor = Math.min(this.#text.length, this.#cursor + 1);
        break;
      case "\x1b[H":
      case "\x1bOH":
      case "\x1b[1~":
      case "\x01":
        this.#cursor = 0;
        break;
      case "\x1b[F":
      case "\x1bOF":
      case "\x1b[4~":
      case "\x05":
        this.#cursor = this.#text.length;
        break;
      case "\x15":
        this.#text = this.#text.slice(this.#cursor);
        this.#cursor = 0;
        break;
      case "\x0b":
        this.#text = this.#text.slice(0, this.#cursor);
        break;
      case "\t":
        this.#insert("  ");
        break;
      default:
        // other escape sequences and control bytes are ignored
        if (key.startsWith("\x1b") || key.codePointAt(0)! < 0x20) break;
        this.#insert(key);
    }
    return { kind: "edit" };
  }

  #insert(text: string): void {
    this.#text = this.#text.slice(0, this.#cursor) + text + this.#text.slice(this.#cursor);
    this.#cursor += text.length;
  }

  /** The terminal output that redraws `prompt` and the line with the cursor in place. */
  render(prompt: string): string {
    const back = this.#text.length - this.#cursor;
    return `\r${prompt}${this.#text}\x1b[K${back > 0 ? `\x1b[${back}D` : ""}`;
  }
}

/**
 * Reads lines from a terminal in raw mode with a {@link LineEditor}; between
 * lines the terminal is back in normal mode, so Ctrl-C during a query is SIGINT.
 */
export class TerminalReader {
  #editor: LineEditor;
  #pending: string[] = [];
  #decoder = new TextDecoder();
  #write: (text: string) => void;

  constructor(history: History, write: (text: string) => void) {
    this.#editor = new LineEditor(history);
    this.#write = write;
  }

  /** Reads one line after showing `prompt`; Ctrl-C gives "interrupt", Ctrl-D on an empty line or end of input "eof". */
  async read(prompt: string): Promise<EditResult & { kind: "line" | "interrupt" | "eof" }> {
    this.#editor.reset();
    this.#write(this.#editor.render(prompt));
    Deno.stdin.setRaw(true);
    try {
      const buffer = new Uint8Array(4096);
      for (;;) {
        while (this.#pending.length > 0) {
          const result = this.#editor.key(this.#pending.shift()!);
          if (result.kind === "edit") {
            this.#write(this.#editor.render(prompt));
            continue;
          }
          this.#write(result.kind === "interrupt" ? "^C\r\n" : "\r\n");
          return result;
        }
        const n = await Deno.stdin.read(buffer);
        if (n === null) return { kind: "eof" };
        this.#pending.push(...splitKeys(this.#decoder.decode(buffer.subarray(0, n), { stream: true })));
      }
    } finally {
      Deno.stdin.setRaw(false);
    }
  }
}
