import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

// The style sheets are plain CSS without nesting: every rule closes before the next one opens, except inside
// an at-rule (@keyframes, @media). A lost closing brace does not stop the page from loading: WebKit reads
// what follows as rules nested in the open one, so they style nothing, silently (a merge once lost two and
// left most of console.css dead, the 核验 verdict unstyled among them).

const folder = new URL("../css/", import.meta.url);

/** Where the braces of `text` open and close, comments and strings left out: an error names the first fault. */
function braceFaults(text) {
  const plain = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).replace(/"[^"\n]*"/g, '""');
  const open = []; // for each open block: its line and whether it is an at-rule
  let line = 1;
  let start = 0; // where the current prelude (selector or at-rule) starts
  for (let i = 0; i < plain.length; i++) {
    const c = plain[i];
    if (c === "\n") line++;
    if (c === "{") {
      const prelude = plain.slice(start, i).trim();
      const inRule = open.length > 0 && !open[open.length - 1].at;
      if (inRule) {
        return `line ${line}: "${prelude.split("\n").pop()} {" opens inside the rule of line ${open[open.length - 1].line}, which is not closed`;
      }
      open.push({ line, at: prelude.startsWith("@") });
      start = i + 1;
    } else if (c === "}") {
      if (open.length === 0) return `line ${line}: "}" closes nothing`;
      open.pop();
      start = i + 1;
    } else if (c === ";" && (open.length === 0 || open[open.length - 1].at)) {
      start = i + 1;
    }
  }
  if (open.length > 0) return `line ${open[open.length - 1].line}: the block opened here is never closed`;
  return null;
}

test("every style sheet closes each rule before the next one opens", () => {
  const sheets = readdirSync(folder).filter((f) => f.endsWith(".css"));
  assert.deepEqual(sheets.sort(), ["base.css", "console.css", "stage.css"]);
  for (const sheet of sheets) {
    assert.equal(braceFaults(readFileSync(new URL(sheet, folder), "utf8")), null, sheet);
  }
});

test("a lost closing brace is found and named by its line", () => {
  assert.equal(braceFaults(".a {\n  color: red;\n}\n\n.b {\n  margin: 0;\n.c {\n  padding: 0;\n}\n"), 'line 7: ".c {" opens inside the rule of line 5, which is not closed');
  assert.equal(braceFaults(".a {\n  color: red;\n"), "line 1: the block opened here is never closed");
  assert.equal(braceFaults(".a { color: red; }\n}\n"), 'line 2: "}" closes nothing');
  assert.equal(braceFaults("@keyframes k {\n  from { opacity: 0; }\n  to { opacity: 1; }\n}\n/* { */ .a { content: \"{\"; }\n"), null);
});
