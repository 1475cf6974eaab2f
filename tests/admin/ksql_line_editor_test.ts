/**
 * Unit tests of the `deno task ksql` line editor (admin/ksql_line_editor.ts):
 * key splitting, editing, history browsing and its file; no services needed.
 */
import assert from "node:assert/strict";
import { type EditResult, History, LineEditor, splitKeys } from "../../admin/ksql_line_editor.ts";

const UP = "\x1b[A";
const DOWN = "\x1b[B";
const LEFT = "\x1b[D";

function type(editor: LineEditor, input: string): EditResult[] {
  return splitKeys(input).map((k) => editor.key(k)).filter((r) => r.kind !== "edit");
}

Deno.test("splitKeys() keeps escape sequences whole", () => {
  assert.deepEqual(splitKeys(`ab${UP}\x1bOH\x1b[3~é\r`), ["a", "b", UP, "\x1bOH", "\x1b[3~", "é", "\r"]);
});

Deno.test("LineEditor edits at the cursor and returns the line on Enter", async (t) => {
  await t.step("left arrow, insert, backspace, Ctrl-A, Ctrl-E", () => {
    const editor = new LineEditor(new History());
    type(editor, `SHOW STREAM;${LEFT}S`);
    assert.equal(editor.text, "SHOW STREAMS;");
    assert.equal(editor.cursor, 12);
    type(editor, "\x01X\x7f\x05\x7f;");
    assert.equal(editor.text, "SHOW STREAMS;");
    assert.deepEqual(type(editor, "\r"), [{ kind: "line", line: "SHOW STREAMS;" }]);
    assert.equal(editor.text, "");
  });
  await t.step("Ctrl-C interrupts; Ctrl-D on an empty line is the end", () => {
    const editor = new LineEditor(new History());
    assert.deepEqual(type(editor, "SELECT\x03"), [{ kind: "interrupt" }]);
    assert.deepEqual(type(editor, "\x04"), [{ kind: "eof" }]);
  });
  await t.step("render puts the cursor back where it is", () => {
    const editor = new LineEditor(new History());
    type(editor, `abc${LEFT}${LEFT}`);
    assert.equal(editor.render("ksql> "), "\rksql> abc\x1b[K\x1b[2D");
  });
});

Deno.test("LineEditor browses the history with up and down, keeping the line being typed", () => {
  const history = new History(["SHOW STREAMS;", "SHOW TABLES;"]);
  const editor = new LineEditor(history);
  type(editor, "SEL");
  type(editor, UP);
  assert.equal(editor.text, "SHOW TABLES;");
  type(editor, UP + UP);
  assert.equal(editor.text, "SHOW STREAMS;", "stops at the oldest");
  type(editor, DOWN);
  assert.equal(editor.text, "SHOW TABLES;");
  type(editor, DOWN);
  assert.equal(editor.text, "SEL", "back to the draft");
  type(editor, UP);
  assert.deepEqual(type(editor, "\r"), [{ kind: "line", line: "SHOW TABLES;" }]);
});

Deno.test("History folds statements to one line, skips repeats and persists to a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/cli_history`;
    const history = await History.load(file);
    assert.deepEqual(history.entries, []);
    history.add("SELECT *\n  FROM s\n  EMIT CHANGES;");
    history.add("SELECT * FROM s EMIT CHANGES;");
    history.add("SHOW STREAMS;");
    assert.equal(await history.save(file), true);
    assert.deepEqual((await History.load(file)).entries, ["SELECT * FROM s EMIT CHANGES;", "SHOW STREAMS;"]);
    assert.equal(await history.save(`${dir}/missing/cli_history`), false);
    const small = new History([], 2);
    for (const s of ["a;", "b;", "c;"]) small.add(s);
    assert.deepEqual(small.entries, ["b;", "c;"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
