// The 摇号记录 page: every ceremony (task, attempt, state, record hash) and, for a sealed one, the export of its
// record bundle to a chosen folder (`fairdraw ceremony export`). The PDF record is not wired in yet: the page
// says so rather than offering a button that does nothing.

import { call } from "../api.js";
import { fill, h } from "../dom.js";
import { filePicker } from "../filepicker.js";
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
    const start = h("button", { type: "button", class: "primary", testid: "records-export-start" }, t("records.exportStart"));
    const status = h("span", { class: "progress-text", testid: "records-export-status" });
    start.addEventListener("click", async () => {
      const folder = picker.value();
      if (!folder || !name.value.trim()) return;
      const out = joinPath(folder, name.value.trim());
      start.disabled = true;
      status.textContent = t("records.exporting");
      try {
        await call("export_bundle", { ceremony: c.id, out });
        lastFolder = folder;
        status.textContent = t("records.exported", { path: out });
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
      h("div", { class: "field" }, h("label", {}, t("records.fileName")), h("div", { class: "control" }, name)),
      h("div", { class: "actions" }, start, status),
      h("p", { class: "hint", testid: "records-pdf-pending" }, t("records.pdfPending")),
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
            disabled: c.state !== "sealed",
            title: c.state === "sealed" ? undefined : t("records.onlySealed"),
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
