import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { translator } from "../js/i18n.js";
import {
  basename,
  bundleFileName,
  chooseColumn,
  columnLetter,
  columnOptions,
  defaultReportPath,
  dirname,
  importProgress,
  jobPercent,
  joinPath,
  mappingRows,
  mappingsOf,
  problemRows,
  problemsShown,
  reasonText,
  summaryLine,
  verdictView,
} from "../js/importstate.js";

const zh = translator("zh");
const en = translator("en");

// The shape `import_preview` returns (src/import/mod.rs `Preview`), for an inspectors file.
const preview = {
  register: "inspectors",
  fields: [
    { key: "staff_no", header: "工号", required: true },
    { key: "name", header: "姓名", required: true },
    { key: "department", header: "所在部门", required: true },
    { key: "certificate_no", header: "执法证编号", required: false },
    { key: "expert", header: "是否专家", required: false },
  ],
  file: "人员.csv",
  sheets: [],
  sheet: null,
  encoding: "gb18030",
  header_row: 2,
  columns: [
    { index: 0, header: "工号", field: "staff_no", matched: "canonical" },
    { index: 1, header: "姓名", field: "name", matched: "explicit" },
    { index: 2, header: "部门", field: "department", matched: "synonym" },
    { index: 3, header: "", field: null, matched: null },
    { index: 4, header: "证号", field: null, matched: null },
  ],
  missing_required: [],
  rows: [],
};

test("paths are split and joined with the separator they use", () => {
  assert.equal(dirname("/home/a/名录.xlsx"), "/home/a");
  assert.equal(dirname("/x.csv"), "/");
  assert.equal(dirname("x.csv"), "");
  assert.equal(dirname("C:\\数据\\x.csv"), "C:\\数据");
  assert.equal(basename("C:\\数据\\x.csv"), "x.csv");
  assert.equal(joinPath("C:\\数据", "y.zip"), "C:\\数据\\y.zip");
  assert.equal(joinPath("/tmp/", "y.zip"), "/tmp/y.zip");
  assert.equal(joinPath("", "y.zip"), "y.zip");
});

test("the default report sits beside the imported file, named in the UI language", () => {
  assert.equal(defaultReportPath("/data/检查对象.2026.csv", zh), "/data/检查对象.2026-问题行.xlsx");
  assert.equal(defaultReportPath("C:\\d\\entities.xlsx", en), "C:\\d\\entities-rejected.xlsx");
});

test("a bundle's default file name is safe on every file system", () => {
  const c = { task_number: "永市监抽〔2026〕3号", attempt: 2 };
  assert.equal(bundleFileName(c, zh), "永市监抽〔2026〕3号-第2次.fairdraw.zip");
  assert.equal(bundleFileName({ task_number: "A/B:C", attempt: 1 }, en), "A_B_C-attempt1.fairdraw.zip");
});

test("column letters follow Excel", () => {
  assert.deepEqual([0, 1, 25, 26, 27, 701, 702].map(columnLetter), ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]);
});

test("the mapping lists every field with its column, how sure it is and whether it needs a look", () => {
  const rows = mappingRows(preview, new Map([["name", "姓名"]]));
  assert.deepEqual(
    rows.map((r) => [r.key, r.column, r.status, r.unsure, r.chosen]),
    [
      ["staff_no", 0, "canonical", false, false],
      ["name", 1, "explicit", false, true],
      ["department", 2, "synonym", true, false],
      ["certificate_no", null, "unmapped", false, false],
      ["expert", null, "unmapped", false, false],
    ],
  );
  const missing = mappingRows({ ...preview, columns: preview.columns.map((c) => (c.index === 0 ? { ...c, field: null, matched: null } : c)) });
  assert.equal(missing[0].status, "missing");
  assert.equal(missing[0].unsure, true);
});

test("the dropdown offers 'not imported' and the named columns; a choice becomes an explicit mapping", () => {
  assert.deepEqual(columnOptions(preview, zh), [
    ["", "（不导入）"],
    ["0", "A · 工号"],
    ["1", "B · 姓名"],
    ["2", "C · 部门"],
    ["4", "E · 证号"],
  ]);
  let o = chooseColumn(new Map(), preview, "certificate_no", "4");
  o = chooseColumn(o, preview, "department", "");
  assert.deepEqual(mappingsOf(o), [
    ["certificate_no", "证号"],
    ["department", ""],
  ]);
  // Choosing again replaces the earlier choice of that field.
  o = chooseColumn(o, preview, "certificate_no", "2");
  assert.deepEqual(mappingsOf(o)[0], ["certificate_no", "部门"]);
});

test("problems become table rows with the reason in the UI language", () => {
  const problems = [
    { file: "人员.csv", sheet: null, row: 5, column: "部门", column_index: 2, field: "department", value: "宣传部", severity: "error", reason: { kind: "unknown_department" } },
    { file: "名录.xlsx", sheet: "名录", row: 7, column: "信用代码", column_index: 0, field: "code", value: "91330000566997460X", severity: "warning", reason: { kind: "check_character", expected: "T", found: "X" } },
    { file: "名录.xlsx", sheet: "名录", row: 9, column: null, column_index: null, field: null, value: "", severity: "error", reason: { kind: "duplicate_key", first_row: 4 } },
  ];
  assert.deepEqual(problemRows(problems, zh), [
    { file: "人员.csv", sheet: "—", row: "5", column: "部门", value: "宣传部", severity: "错误", reason: "未知部门（既不是已有部门的编码也不是其名称；请先导入部门）" },
    { file: "名录.xlsx", sheet: "名录", row: "7", column: "信用代码", value: "91330000566997460X", severity: "警告", reason: "校验位错误：应为 T，实为 X（警告：该行仍会导入，请核对代码）" },
    { file: "名录.xlsx", sheet: "名录", row: "9", column: "—", value: "—", severity: "错误", reason: "与本文件第 4 行重复" },
  ]);
  assert.equal(reasonText({ kind: "code_character", position: 3, character: "I" }, en), "malformed code: character 'I' at position 3 is not allowed in a code");
  assert.equal(reasonText({ kind: "too_long", length: 1200, max: 1000 }, zh), "内容过长：1200 个字符，最多允许 1000 个");
});

test("every reason of the core's closed list has a text in both languages", () => {
  const rust = readFileSync(new URL("../../src/import/problem.rs", import.meta.url), "utf8");
  const body = rust.slice(rust.indexOf("pub enum Reason {"), rust.indexOf("impl Reason"));
  const kinds = [...body.matchAll(/^\s{4}([A-Z]\w*)/gm)].map((m) => m[1].replace(/(?<!^)([A-Z])/g, "_$1").toLowerCase());
  assert.equal(kinds.length, 13, kinds.join(","));
  for (const kind of kinds) {
    for (const t of [zh, en]) assert.notEqual(t(`reason.${kind}`), `reason.${kind}`, `${t.lang}: reason.${kind}`);
  }
});

test("the summary line says whether the database changed", () => {
  const base = { rows: 1200, added: 1000, updated: 150, unchanged: 49, rejected: 1, committed: true, problems: [], problem_count: 0 };
  assert.equal(summaryLine(base, zh), "已导入无误的行：新增 1,000，更新 150，未变 49；1 行有错误，未导入。");
  assert.equal(summaryLine({ ...base, rejected: 0 }, en), "Imported: 1,200 data rows, 1,000 added, 150 updated, 49 unchanged.");
  assert.equal(summaryLine({ ...base, committed: false, added: 0 }, zh), "未导入：1 行有错误，数据库未作任何改动。请改正文件后重新导入，或选择“只导入无误的行”。");
  assert.deepEqual(problemsShown({ problems: [1, 2], problem_count: 5 }), { shown: 2, total: 5, truncated: true });
});

test("progress is a percentage only when the total is known", () => {
  assert.equal(jobPercent({ done: 50, total: 200 }), 25);
  assert.equal(jobPercent({ done: 300, total: 0 }), null);
  assert.equal(jobPercent({ done: 210, total: 200 }), 100);
});

test("the import's bar says when the file is read and the rows are being written", () => {
  assert.deepEqual(importProgress({ done: 50, total: 200 }, zh), { percent: 25, text: "正在导入… 25%" });
  assert.deepEqual(importProgress({ done: 199, total: 200 }, en), { percent: 99, text: "Importing… 99%" });
  assert.deepEqual(importProgress({ done: 300, total: 0 }, zh), { percent: null, text: "正在导入…" });
  assert.deepEqual(importProgress({ done: 200, total: 200 }, zh), { percent: null, text: "文件已读完，正在写入名录库…" });
  assert.deepEqual(importProgress({ done: 200, total: 200 }, en), { percent: null, text: "File read; writing to the register…" });
});

test("a verdict is shown as MATCH with the seed, or the first difference", () => {
  const m = verdictView({ result: "match", fp_inputs: "aa", seed: "bb", fp_outcome: "cc" }, en);
  assert.deepEqual(m, { match: true, title: "MATCH", lines: [["Input fingerprint", "aa"], ["Seed", "bb"], ["Outcome fingerprint", "cc"]] });
  const d = verdictView({ result: "mismatch", field: "seed", recorded: "01", recomputed: "02" }, zh);
  assert.deepEqual(d, { match: false, title: "不一致", lines: [["差异位置", "seed"], ["记录值", "01"], ["重新计算值", "02"]] });
});
