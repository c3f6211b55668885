// The 摇号记录 page: every ceremony (task, attempt, state, record hash) and the export to a chosen folder of
// its PDF record with the record bundle (`fairdraw record export`; an unsealed attempt gives a PDF marked as a
// draft), or of a sealed one's bundle alone under a chosen name (`fairdraw ceremony export`).

import { call, on } from "../api.js";
import { fill, h } from "../dom.js";
import { filePicker } from "../filepicker.js";
import { formatBytes } from "../format.js";
import { bundleFileName, joinPath } from "../importstate.js";

/** The folder last exported to, kept while the app runs. */
let lastFolder = "";

export async function recordsPage(ctx) {
  const { t } = ctx;
  const ceremonies = await call("list_ceremonies");
  const exportCard = h("section", { class: "card wide", testid: "records-export", hidden: true });

  function openExport(c) {
    const picker = filePicker(ctx, { testid: "records-folder", mode: "folder", value: lastFolder });
    const name = h("input", { type: "text", class: "path", testid: "records-file-name", value: bundleFileName(c, t), spellcheck: "false" });
    const start = h("button", { type: "button", class: "ghost", testid: "records-export-start", disabled: c.state !== "sealed", title: c.state === "sealed" ? undefined : t("records.onlySealed") }, t("records.exportBundleOnly"));
    const status = h("span", { class: "progress-text", testid: "records-export-status" });
    const startRecord = h("button", { type: "button", class: "primary", testid: "records-export-record" }, t("records.exportRecord"));
    const recordStatus = h("span", { class: "progress-text", testid: "records-record-status" });
    startRecord.addEventListener("click", async () => {
      const dir = picker.value();
      if (!dir) return;
      startRecord.disabled = true;
      recordStatus.textContent = t("records.exporting");
      const stop = await on("job", (job) => {
        if (job.kind === "record" && job.state === "progress") recordStatus.textContent = t("records.exportingStep", { step: job.done, total: job.total });
      });
      try {
        const done = await call("export_record", { ceremony: c.id, dir });
        lastFolder = dir;
        recordStatus.textContent = done.draft
          ? t("records.draftExported", { pdf: done.pdf, pages: done.pages })
          : t("records.recordExported", { pdf: done.pdf, pages: done.pages, bundle: done.bundle }) + sizeNote(done.bundle_bytes, t);
      } catch (e) {
        recordStatus.textContent = "";
        ctx.showError(e);
      } finally {
        stop();
        startRecord.disabled = false;
      }
    });
    start.addEventListener("click", async () => {
      const folder = picker.value();
      if (!folder || !name.value.trim()) return;
      const out = joinPath(folder, name.value.trim());
      start.disabled = true;
      status.textContent = t("records.exporting");
      try {
        const done = await call("export_bundle", { ceremony: c.id, out });
        lastFolder = folder;
        status.textContent = t("records.exported", { path: out }) + sizeNote(done.bytes, t);
      } catch (e) {
        status.textContent = "";
        ctx.showError(e);
      } finally {
        start.disabled = false;
      }
    });
    fill(exportCard,
      h("h2", {}, t("records.exportHeading", { task: c.task_number, attempt: c.attempt })),
      h("div", { class: "field" }, h("label", {}, t("records.folder")), h("div", { class: "control" }, picker.element)),
      h("div", { class: "actions" }, startRecord, recordStatus),
      h("h3", {}, t("records.bundleOnly")),
      h("div", { class: "field" }, h("label", {}, t("records.fileName")), h("div", { class: "control" }, name)),
      h("div", { class: "actions" }, start, status),
    );
    exportCard.hidden = false;
  }

  const rows = ceremonies.map((c) =>
    h(
      "tr",
      { testid: "ceremony-row", dataset: { id: String(c.id) } },
      h("td", { class: "mono" }, String(c.id)),
      h("td", {}, c.task_number),
      h("td", {}, c.task_name),
      h("td", { class: "mono" }, String(c.attempt)),
      h("td", { class: `state ${c.state}` }, t(`state.${c.state}`)),
      h("td", { class: "mono" }, c.draw_date),
      h("td", { class: "mono hash", title: c.record_hash ?? "" }, c.record_hash ?? "—"),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            class: "ghost",
            testid: `records-export-${c.id}`,
            onclick: () => openExport(c),
          },
          t("records.export"),
        ),
      ),
    ),
  );
  const headers = ["col.ceremonyId", "col.taskNumber", "col.taskName", "col.attempt", "col.state", "col.drawDate", "col.recordHash", "col.actions"];
  return h(
    "div",
    { class: "page", testid: "page-records" },
    h("header", { class: "page-head" }, h("h1", {}, t("records.heading")), h("p", { class: "lead" }, t("records.lead"))),
    ceremonies.length === 0
      ? h("div", { class: "empty", testid: "records-empty" }, t("records.none"))
      : h(
          "div",
          { class: "table-wrap records" },
          h("table", { class: "grid", testid: "records-table" }, h("thead", {}, h("tr", {}, headers.map((k) => h("th", {}, t(k))))), h("tbody", {}, rows)),
        ),
    exportCard,
  );
}

/** The size of a written bundle after its path — a million entities make about 236 MB, worth knowing before
 * copying it — or nothing when it is not known (a bundle written as a folder). */
function sizeNote(bytes, t) {
  return typeof bytes === "number" ? t("records.bundleSize", { size: formatBytes(bytes) }) : "";
}
