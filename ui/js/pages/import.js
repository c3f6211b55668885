// The 导入名录 page: choose a register and a file, preview what the importer reads (sheet, header row, the
// column of each field, the first rows and their problems), correct the mapping where detection is unsure,
// then import in the background with a progress bar, and read the report: counts and a problem table.
// All-or-nothing is the default; "only the valid rows" is an explicit choice that needs a rejected-rows file.

import { call, on } from "../api.js";
import { fill, h } from "../dom.js";
import { filePicker } from "../filepicker.js";
import { formatCount } from "../format.js";
import {
  IMPORT_EXTENSIONS,
  IMPORT_REGISTERS,
  chooseColumn,
  columnLetter,
  columnOptions,
  defaultReportPath,
  importProgress,
  mappingRows,
  mappingsOf,
  problemRows,
  problemsShown,
  reasonText,
  summaryLine,
} from "../importstate.js";

/** Kept while the app runs, so leaving the page and coming back (or switching language) keeps the choice. */
const state = { register: "departments", file: "", overrides: new Map(), preview: null, summary: null, partial: false, writeReport: false, report: "" };

function labelled(label, control, testid) {
  return h("div", { class: "field", testid }, h("label", {}, label), h("div", { class: "control" }, control));
}

function select(testid, options, selected, onchange) {
  const el = h("select", { testid, onchange: (e) => onchange(e.target.value) });
  for (const [value, label] of options) {
    const o = h("option", { value }, label);
    if (value === selected) o.selected = true;
    el.append(o);
  }
  return el;
}

function table(testid, headers, rows, className = "grid") {
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: className, testid }, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))), h("tbody", {}, rows)),
  );
}

export async function importPage(ctx) {
  const { t } = ctx;
  const previewCard = h("section", { class: "card wide", testid: "import-preview", hidden: true });
  const resultCard = h("section", { class: "card wide", testid: "import-result", hidden: true });

  const picker = filePicker(ctx, {
    testid: "import-file",
    extensions: IMPORT_EXTENSIONS,
    value: state.file,
  });
  const previewButton = h("button", { type: "button", class: "primary", testid: "import-preview-start" }, t("import.preview"));
  const previewStatus = h("span", { class: "progress-text", testid: "import-preview-status" });

  async function loadPreview() {
    state.file = picker.value();
    if (!state.file) return;
    previewButton.disabled = true;
    previewStatus.textContent = t("import.previewing");
    try {
      state.preview = await call("import_preview", {
        register: state.register,
        path: state.file,
        request: { sheet: state.preview?.sheet ?? null, mappings: mappingsOf(state.overrides) },
      });
      if (!state.report) state.report = defaultReportPath(state.file, t);
      renderPreview();
    } catch (e) {
      state.preview = null;
      previewCard.hidden = true;
      ctx.showError(e);
    } finally {
      previewButton.disabled = false;
      previewStatus.textContent = "";
    }
  }

  const restart = () => {
    // A new register or file starts from detection again.
    state.overrides = new Map();
    state.preview = null;
    state.summary = null;
    state.report = "";
    previewCard.hidden = true;
    resultCard.hidden = true;
  };
  previewButton.addEventListener("click", () => {
    if (picker.value() !== state.file) restart();
    loadPreview();
  });

  function renderPreview() {
    const p = state.preview;
    const info = [
      [t("import.file"), p.file, "import-info-file"],
      p.sheet ? [t("import.sheet"), p.sheet, "import-info-sheet"] : null,
      p.encoding ? [t("import.encoding"), p.encoding === "gb18030" ? "GBK/GB18030" : p.encoding === "utf8_bom" ? "UTF-8 (BOM)" : "UTF-8", "import-info-encoding"] : null,
      [t("import.headerRow"), p.header_row === null ? t("import.noHeader") : String(p.header_row), "import-info-header"],
    ].filter(Boolean);
    const sheetChoice =
      p.sheets.length > 1
        ? labelled(
            t("import.sheet"),
            select("import-sheet", p.sheets.map((s) => [s, s]), p.sheet ?? "", (v) => {
              state.overrides = new Map();
              state.preview = { ...state.preview, sheet: v };
              loadPreview();
            }),
          )
        : null;

    const mapping = mappingRows(p, state.overrides);
    const options = columnOptions(p, t);
    const mappingTable = table(
      "import-mapping",
      [t("import.field"), t("import.column"), t("import.status")],
      mapping.map((m) =>
        h(
          "tr",
          { testid: `mapping-${m.key}`, class: m.unsure ? "unsure" : undefined },
          h("td", {}, m.header, h("span", { class: "key" }, ` ${m.key}`), m.required ? h("span", { class: "required" }, t("import.required")) : null),
          h(
            "td",
            {},
            select(`map-${m.key}`, options, m.column === null ? "" : String(m.column), (v) => {
              state.overrides = chooseColumn(state.overrides, p, m.key, v);
              loadPreview();
            }),
          ),
          h("td", { class: `match ${m.status}`, testid: `match-${m.key}` }, t(`match.${m.status}`)),
        ),
      ),
    );
    const missing =
      p.missing_required.length > 0
        ? h(
            "div",
            { class: "notice warn", testid: "import-missing" },
            t("import.missingRequired", {
              fields: p.missing_required.map((k) => p.fields.find((f) => f.key === k)?.header ?? k).join("、"),
            }),
          )
        : null;
    const headers = [t("import.rowNumber"), ...p.columns.map((c) => `${columnLetter(c.index)} ${c.header}`), t("import.rowProblems")];
    const rows = p.rows.map((r) =>
      h(
        "tr",
        { testid: "preview-row", class: r.problems.some((x) => x.severity === "error") ? "has-error" : undefined },
        h("td", { class: "mono" }, String(r.row)),
        p.columns.map((c) => h("td", { class: r.problems.some((x) => x.column_index === c.index) ? "bad" : undefined }, r.values[c.index] ?? "")),
        h("td", { class: "reasons" }, r.problems.map((x) => reasonText(x.reason, t)).join("；")),
      ),
    );

    const partial = h("input", { type: "checkbox", testid: "import-partial", id: "import-partial" });
    partial.checked = state.partial;
    const report = h("input", { type: "text", class: "path", testid: "import-report", value: state.report, spellcheck: "false" });
    report.addEventListener("change", () => {
      state.report = report.value.trim();
    });
    // The rejected rows are written only when asked for, and always with "only the valid rows" (as the
    // command line's --partial requires --report): a clean import leaves no empty file behind.
    const writeReport = h("input", { type: "checkbox", testid: "import-write-report", id: "import-write-report" });
    const syncReport = () => {
      writeReport.checked = state.partial || state.writeReport;
      writeReport.disabled = state.partial;
      report.disabled = !writeReport.checked;
    };
    syncReport();
    partial.addEventListener("change", () => {
      state.partial = partial.checked;
      syncReport();
    });
    writeReport.addEventListener("change", () => {
      state.writeReport = writeReport.checked;
      syncReport();
    });
    const start = h("button", { type: "button", class: "primary", testid: "import-start" }, t("import.start"));
    start.disabled = p.missing_required.length > 0;
    const progress = h("progress", { testid: "import-progress", max: "100", hidden: true });
    const progressText = h("span", { class: "progress-text", testid: "import-status" });
    start.addEventListener("click", () => runImport(start, progress, progressText));

    fill(previewCard,
      h("h2", {}, t("import.previewHeading")),
      h("dl", { class: "facts" }, info.map(([k, v, testid]) => [h("dt", {}, k), h("dd", { testid }, v)])),
      sheetChoice,
      h("h3", {}, t("import.mapping")),
      h("p", { class: "hint" }, t("import.mappingLead")),
      mappingTable,
      missing,
      h("h3", {}, t("import.firstRows")),
      table("import-rows", headers, rows),
      h("h3", {}, t("import.options")),
      h("p", { class: "hint" }, t("import.allOrNothing")),
      h("div", { class: "check" }, partial, h("label", { for: "import-partial" }, t("import.partial"))),
      h("div", { class: "check" }, writeReport, h("label", { for: "import-write-report" }, t("import.writeReport"))),
      labelled(t("import.report"), report, "import-report-field"),
      h("div", { class: "actions" }, start, progress, progressText),
    );
    previewCard.hidden = false;
    if (state.summary) renderResult();
  }

  async function runImport(start, progress, progressText) {
    start.disabled = true;
    resultCard.hidden = true;
    progress.hidden = false;
    progress.removeAttribute("value");
    progressText.textContent = t("import.runningRows");
    const stop = await on("job", (job) => {
      if (job.kind !== "import" || job.state !== "progress") return;
      const view = importProgress(job, t);
      if (view.percent === null) progress.removeAttribute("value");
      else progress.value = view.percent;
      progressText.textContent = view.text;
    });
    try {
      state.summary = await call("import_register", {
        register: state.register,
        path: state.file,
        request: {
          sheet: state.preview.sheet ?? null,
          mappings: mappingsOf(state.overrides),
          partial: state.partial,
          report: (state.partial || state.writeReport) && state.report ? state.report : null,
        },
      });
      progress.value = 100;
      progressText.textContent = "";
      renderResult();
    } catch (e) {
      progressText.textContent = "";
      ctx.showError(e);
    } finally {
      progress.hidden = true;
      start.disabled = false;
      stop();
    }
  }

  function renderResult() {
    const s = state.summary;
    const counts = [
      ["rows", s.rows],
      ["added", s.added],
      ["updated", s.updated],
      ["unchanged", s.unchanged],
      ["rejected", s.rejected],
      ["warnings", s.warnings],
    ];
    const shown = problemsShown(s);
    const problems = problemRows(s.problems, t);
    fill(resultCard,
      h("h2", {}, t("import.result")),
      h("div", { class: `outcome ${s.committed ? "ok" : "refused"}`, testid: "import-outcome" }, summaryLine(s, t)),
      h(
        "div",
        { class: "counts" },
        counts.map(([k, v]) =>
          h("div", { class: `count-box ${k}` }, h("div", { class: "n", testid: `report-${k}` }, formatCount(v)), h("div", { class: "label" }, t(`import.${k}`))),
        ),
      ),
      s.report && s.report_rows > 0 ? h("p", { class: "hint", testid: "import-report-written" }, t("import.reportWritten", { rows: formatCount(s.report_rows), path: s.report })) : null,
      h("h3", {}, t("import.problems")),
      problems.length === 0
        ? h("p", { class: "hint", testid: "import-no-problems" }, t("import.noProblems"))
        : table(
            "import-problems",
            [t("col.file"), t("col.sheet"), t("col.row"), t("col.column"), t("col.value"), t("col.severity"), t("col.reason")],
            problems.map((r) =>
              h(
                "tr",
                { testid: "problem-row" },
                [r.file, r.sheet, r.row, r.column, r.value, r.severity, r.reason].map((x, i) => h("td", { class: i === 6 ? "reasons" : undefined }, x)),
              ),
            ),
          ),
      shown.truncated ? h("p", { class: "hint", testid: "import-problems-truncated" }, t("import.problemsTruncated", { shown: formatCount(shown.shown), total: formatCount(shown.total) })) : null,
    );
    resultCard.hidden = false;
  }

  const registerChoice = select(
    "import-register",
    IMPORT_REGISTERS.map((r) => [r, t(`register.${r}`)]),
    state.register,
    (v) => {
      state.register = v;
      restart();
    },
  );

  const element = h(
    "div",
    { class: "page", testid: "page-import" },
    h("header", { class: "page-head" }, h("h1", {}, t("import.heading")), h("p", { class: "lead" }, t("import.lead"))),
    h(
      "section",
      { class: "card wide" },
      h("h2", {}, t("import.choose")),
      labelled(t("import.register"), registerChoice, "import-register-field"),
      labelled(t("import.file"), picker.element, "import-file-field"),
      h("div", { class: "actions" }, previewButton, previewStatus),
    ),
    previewCard,
    resultCard,
  );
  if (state.preview) renderPreview();
  return element;
}
