// The pure logic of the import, records and verify pages: paths for the file chooser and default file names,
// the column mapping chosen on the preview, the problem table of an import report, the wording of problem
// reasons (the core's closed `Reason` list), and the verdict of a bundle check. No DOM here: unit tests in
// ui/tests/importstate.test.mjs.

import { formatCount } from "./format.js";

/** The file types the importer reads. */
export const IMPORT_EXTENSIONS = Object.freeze(["xlsx", "xlsm", "xls", "csv", "tsv", "txt"]);
/** The registers, in the order they should be imported (departments first: the others refer to them). */
export const IMPORT_REGISTERS = Object.freeze(["departments", "items", "entities", "inspectors"]);

/** The separator a path uses: `\` for a Windows path without `/`, else `/`. */
export function separator(path) {
  return path.includes("\\") && !path.includes("/") ? "\\" : "/";
}

/** The folder part of a path ("" for a bare name). */
export function dirname(path) {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (i < 0) return "";
  return i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

/** The last part of a path. */
export function basename(path) {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/** `dir` + `name`, with the separator `dir` already uses. */
export function joinPath(dir, name) {
  if (!dir) return name;
  const sep = separator(dir);
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/** The default report of an import of `file`: beside it, `<stem>-问题行.xlsx` (the suffix is translated). */
export function defaultReportPath(file, t) {
  const name = basename(file);
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return joinPath(dirname(file), `${stem}-${t("import.reportSuffix")}.xlsx`);
}

/** Characters that no file system accepts in a name, replaced by "_". */
export function safeFileName(s) {
  return s.replace(/[\\/:*?"<>|\u0000-\u001f]/g, "_").trim();
}

/** The default file name of a ceremony's record bundle: `<task number>-第<attempt>次.fairdraw.zip`. */
export function bundleFileName(ceremony, t) {
  return `${safeFileName(`${ceremony.task_number}-${t("records.attemptFile", { attempt: ceremony.attempt })}`)}.fairdraw.zip`;
}

/** "A", "B", …, "Z", "AA": the column letter Excel shows for a 0-based column index. */
export function columnLetter(index) {
  let n = index + 1;
  let s = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Mapping

/**
 * The mapping shown on the preview: one entry per register field with the column it reads (or null), how
 * sure that is, and whether the user chose it. `overrides` is a Map field key → header ("" = no column).
 */
export function mappingRows(preview, overrides = new Map()) {
  return preview.fields.map((f) => {
    const column = preview.columns.find((c) => c.field === f.key) ?? null;
    const status = column ? column.matched : f.required ? "missing" : "unmapped";
    return {
      key: f.key,
      header: f.header,
      required: f.required,
      column: column ? column.index : null,
      status,
      chosen: overrides.has(f.key),
      // Detection is unsure when it matched by another name or found nothing for a required field.
      unsure: status === "synonym" || status === "missing",
    };
  });
}

/** The options of a field's dropdown: "no column", then every column as "B · 部门". */
export function columnOptions(preview, t) {
  return [
    ["", t("import.noColumn")],
    ...preview.columns.filter((c) => c.header !== "").map((c) => [String(c.index), `${columnLetter(c.index)} · ${c.header}`]),
  ];
}

/** A new overrides Map after the user picked `value` (a column index as text, or "") for field `key`. */
export function chooseColumn(overrides, preview, key, value) {
  const next = new Map(overrides);
  const column = value === "" ? null : preview.columns.find((c) => String(c.index) === value);
  next.set(key, column ? column.header : "");
  return next;
}

/** The `mappings` argument of the import commands: `[field, header]` pairs. */
export function mappingsOf(overrides) {
  return [...overrides].map(([key, header]) => [key, header]);
}

// ---------------------------------------------------------------------------------------------------------
// Problems and reports

/** The explanation of a problem's reason (the core's closed `Reason` list, `{kind, ...params}`). */
export function reasonText(reason, t) {
  const params = { ...reason };
  if (reason.kind === "code_character") params.character = reason.character;
  return t(`reason.${reason.kind}`, params);
}

/** The rows of the problem table: file, sheet, row, column, value, severity, reason. */
export function problemRows(problems, t) {
  return problems.map((p) => ({
    file: p.file,
    sheet: p.sheet ?? "—",
    row: String(p.row),
    column: p.column ?? "—",
    value: p.value === "" ? "—" : p.value,
    severity: t(`severity.${p.severity}`),
    reason: reasonText(p.reason, t),
  }));
}

/** The one-line outcome of an import summary. */
export function summaryLine(s, t) {
  const counts = {
    rows: formatCount(s.rows),
    added: formatCount(s.added),
    updated: formatCount(s.updated),
    unchanged: formatCount(s.unchanged),
    rejected: formatCount(s.rejected),
  };
  if (s.committed) return t(s.rejected > 0 ? "import.committedPartial" : "import.committed", counts);
  return t("import.refused", counts);
}

/** How many problems the table shows, and whether there are more than the summary kept. */
export function problemsShown(s) {
  return { shown: s.problems.length, total: s.problem_count, truncated: s.problem_count > s.problems.length };
}

/** What the progress bar shows for a `job` event: percent, or null while the total is unknown. */
export function jobPercent(job) {
  if (!job.total) return null;
  return Math.min(100, Math.floor((job.done * 100) / job.total));
}

/**
 * The import's progress bar and text for a `job` event: `{percent, text}`, `percent` null for a bar that
 * only shows activity. The events count the file read, and reach 100 % only once all of it is read
 * (`ImportProgress::units` in the core); the rows are then still being written to the database (for a fresh
 * million entities 2.5 s of 4.6 s), which is said instead of a bar standing at 100 %.
 */
export function importProgress(job, t) {
  const percent = jobPercent(job);
  if (percent === null) return { percent: null, text: t("import.runningRows") };
  if (percent >= 100) return { percent: null, text: t("import.writing") };
  return { percent, text: t("import.running", { percent }) };
}

// ---------------------------------------------------------------------------------------------------------
// Verify

/** The verify page's view of a verdict: `{match, title, lines: [[label, value]]}`. */
export function verdictView(v, t) {
  if (v.result === "match") {
    return {
      match: true,
      title: t("verify.match"),
      lines: [
        [t("verify.fpInputs"), v.fp_inputs],
        [t("verify.seed"), v.seed],
        [t("verify.fpOutcome"), v.fp_outcome],
      ],
    };
  }
  return {
    match: false,
    title: t("verify.mismatch"),
    lines: [
      [t("verify.field"), v.field],
      [t("verify.recorded"), v.recorded],
      [t("verify.recomputed"), v.recomputed],
    ],
  };
}
