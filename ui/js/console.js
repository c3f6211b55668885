// The operator's console: header (office, stage controls, language), sidebar, pages, and the error banner.
// Every value shown comes from a command; every change goes through one and comes back as an event.

import { call, on } from "./api.js";
import { errorTitleKey } from "./error-codes.js";
import { applyTexts, h } from "./dom.js";
import { translator } from "./i18n.js";
import { itemsPage, registersPage } from "./pages/registers.js";
import { settingsPage } from "./pages/settings.js";
import { unavailablePage } from "./pages/unavailable.js";

const NAV = [
  ["registers", "nav.registers", registersPage],
  ["items", "nav.items", itemsPage],
  ["plans", "nav.plans", null],
  ["tasks", "nav.tasks", null],
  ["ceremony", "nav.ceremony", null],
  ["results", "nav.results", null],
  ["records", "nav.records", null],
  ["verify", "nav.verify", null],
  ["settings", "nav.settings", settingsPage],
].map(([id, label, page]) => ({ id, label, page: page ?? unavailablePage(id, label), available: page !== null }));

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

const ui = {
  t: translator("zh"),
  settings: null,
  departments: new Map(),
  page: "registers",
  windows: { stage_open: false, stage_fullscreen: false },
  lastError: null,
};

function showError(err) {
  ui.lastError = err;
  const { t } = ui;
  $("error-title").textContent = t(errorTitleKey(err.code));
  $("error-message").textContent = err.message;
  $("error-code").textContent = err.code ?? "—";
  $("error-banner").hidden = false;
}

function hideError() {
  ui.lastError = null;
  $("error-banner").hidden = true;
}

function renderHeader() {
  const { t } = ui;
  document.documentElement.lang = t.lang === "zh" ? "zh-CN" : "en";
  document.title = t("app.title");
  applyTexts(document, t);
  const code = ui.settings?.department;
  $("header-department").textContent = code ? (ui.departments.get(code) ?? code) : t("app.noDepartment");
  for (const b of document.querySelectorAll(".langs button")) b.setAttribute("aria-pressed", String(b.dataset.lang === t.lang));
  const toggle = $("stage-toggle");
  toggle.textContent = t(ui.windows.stage_open ? "stage.close" : "stage.open");
  toggle.setAttribute("aria-pressed", String(ui.windows.stage_open));
  const full = $("stage-fullscreen");
  full.hidden = !ui.windows.stage_open;
  full.textContent = t(ui.windows.stage_fullscreen ? "stage.windowed" : "stage.fullscreen");
  if (ui.lastError) showError(ui.lastError);
}

function renderSidebar() {
  const { t } = ui;
  $("sidebar").replaceChildren(
    ...NAV.map((item) =>
      h(
        "button",
        {
          type: "button",
          class: item.available ? "nav" : "nav unavailable",
          testid: `nav-${item.id}`,
          "aria-current": item.id === ui.page ? "page" : undefined,
          onclick: () => showPage(item.id),
        },
        t(item.label),
      ),
    ),
  );
}

let pageGeneration = 0;
async function showPage(id) {
  ui.page = id;
  renderSidebar();
  const mine = ++pageGeneration;
  const item = NAV.find((n) => n.id === id);
  const ctx = { t: ui.t, departments: ui.departments, showError };
  try {
    const element = await item.page(ctx);
    if (mine === pageGeneration) $("page").replaceChildren(element);
  } catch (e) {
    showError(e);
  }
}

async function loadDepartments() {
  try {
    const page = await call("list_departments", { page: { offset: 0, limit: 500, filter: "" } });
    ui.departments = new Map(page.rows.map((d) => [d.code, d.name]));
  } catch {
    ui.departments = new Map(); // the database status banner already says why
  }
}

async function setLanguage(lang) {
  try {
    await call("set_language", { lang });
  } catch (e) {
    showError(e);
  }
}

async function toggleStage() {
  try {
    ui.windows = await call(ui.windows.stage_open ? "close_stage" : "open_stage");
    renderHeader();
  } catch (e) {
    showError(e);
  }
}

async function toggleStageFullscreen() {
  try {
    ui.windows = await call("toggle_stage_fullscreen");
    renderHeader();
  } catch (e) {
    showError(e);
  }
}

async function start() {
  $("error-dismiss").addEventListener("click", hideError);
  $("stage-toggle").addEventListener("click", toggleStage);
  $("stage-fullscreen").addEventListener("click", toggleStageFullscreen);
  for (const b of document.querySelectorAll(".langs button")) b.addEventListener("click", () => setLanguage(b.dataset.lang));

  const view = await call("get_settings");
  ui.settings = view.settings;
  ui.t = translator(view.settings.lang);
  const status = await call("db_status");
  if (status.error) showError(status.error);
  else await loadDepartments();
  ui.windows = await call("windows_state");
  renderHeader();

  await on("settings-changed", async (settings) => {
    const relabel = settings.lang !== ui.settings.lang;
    ui.settings = settings;
    ui.t = translator(settings.lang);
    renderHeader();
    if (relabel) await showPage(ui.page);
  });
  await on("windows-changed", (w) => {
    ui.windows = w;
    renderHeader();
  });

  await showPage(ui.page);
  document.body.dataset.ready = "1";
  await call("ui_ready");
}

start().catch(showError);
