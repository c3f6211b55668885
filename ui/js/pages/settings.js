// The settings page: the office shown on the stage, the stage's monitor and colours, where the data is,
// a backup with a progress bar, and the version.

import { call, on } from "../api.js";
import { h } from "../dom.js";
import { formatBytes, percent } from "../format.js";

function row(label, control, testid) {
  return h("div", { class: "field", testid }, h("label", {}, label), h("div", { class: "control" }, control));
}

function choice(testid, options, selected, onchange) {
  const select = h("select", { testid, onchange: (e) => onchange(e.target.value) });
  for (const [value, label] of options) {
    const o = h("option", { value }, label);
    if (value === selected) o.selected = true;
    select.append(o);
  }
  return select;
}

export async function settingsPage(ctx) {
  const { t } = ctx;
  const [view, info, status] = await Promise.all([call("get_settings"), call("app_info"), call("db_status")]);
  const s = view.settings;
  let monitors = [];
  try {
    monitors = await call("list_monitors");
  } catch (e) {
    ctx.showError(e);
  }
  const saved = h("span", { class: "saved", testid: "settings-saved", hidden: true }, t("settings.saved"));
  const save = (command, args) =>
    call(command, args).then(
      () => {
        saved.hidden = false;
      },
      (e) => ctx.showError(e),
    );

  const departments = [["", t("settings.departmentNone")], ...[...ctx.departments].map(([code, name]) => [code, name])];
  const monitorOptions = [["", t("settings.monitorAuto")], ...monitors.map((m) => [m.name, `${m.name}（${m.width}×${m.height}）`])];
  // A chosen projector that is not connected today stays chosen (it is used again when it is plugged in).
  const chosen = s.stage.monitor;
  if (chosen && !monitors.some((m) => m.name === chosen)) {
    monitorOptions.push([chosen, t("settings.monitorAbsent", { name: chosen })]);
  }

  const progress = h("progress", { testid: "backup-progress", max: "100", value: "0", hidden: true });
  const progressText = h("span", { class: "progress-text", testid: "backup-status" });
  const backupButton = h("button", { type: "button", class: "primary", testid: "backup-start" }, t("settings.backup"));
  let stopListening = null;
  backupButton.addEventListener("click", async () => {
    backupButton.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    stopListening = await on("job", (job) => {
      if (job.kind !== "backup") return;
      const p = percent(job.done, job.total);
      progress.value = p;
      if (job.state === "progress") progressText.textContent = t("settings.backupRunning", { percent: p });
    });
    try {
      const summary = await call("backup_database");
      progress.value = 100;
      progressText.textContent = t("settings.backupDone", { path: summary.path, size: formatBytes(summary.bytes) });
    } catch (e) {
      progressText.textContent = "";
      progress.hidden = true;
      ctx.showError(e);
    } finally {
      backupButton.disabled = false;
      if (stopListening) stopListening();
    }
  });

  const schema =
    status.schema_version === null
      ? t("settings.schemaUnknown")
      : t("settings.schemaValue", { found: status.schema_version, supported: status.supported_schema_version });

  return h(
    "div",
    { class: "page", testid: "page-settings" },
    h("header", { class: "page-head" }, h("h1", {}, t("settings.heading")), saved),
    view.warning ? h("div", { class: "notice warn", testid: "settings-warning" }, t("settings.settingsWarning", { warning: view.warning })) : null,
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("settings.office")),
      row(t("settings.department"), choice("settings-department", departments, s.department ?? "", (v) => save("set_department", { code: v || null }))),
      row(t("settings.monitor"), choice("settings-monitor", monitorOptions, s.stage.monitor ?? "", (v) => save("set_stage_monitor", { name: v || null }))),
      row(
        t("settings.theme"),
        choice("settings-theme", [["light", t("settings.themeLight")], ["dark", t("settings.themeDark")]], s.stage.theme, (v) =>
          save("set_stage_theme", { theme: v })),
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("settings.data")),
      row(t("settings.dbPath"), h("code", { testid: "settings-db-path" }, status.path)),
      row(t("settings.schema"), h("span", { testid: "settings-schema" }, schema)),
      row(t("settings.settingsPath"), h("code", {}, view.path)),
      h("div", { class: "actions" }, backupButton, progress, progressText),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("settings.about")),
      h("p", { testid: "settings-version" }, t("settings.version", { version: info.version, tauri: info.tauri_version })),
    ),
  );
}
