// A paged, filterable table of one register, reading its rows from the core page by page.

import { call } from "./api.js";
import { COLUMNS, LIST_COMMANDS, rowCells } from "./columns.js";
import { h } from "./dom.js";
import { pageRange } from "./format.js";

export const PAGE_SIZE = 50;

/** Remembered per register while the app runs, so switching pages or languages keeps the place. */
const places = new Map();

function place(register) {
  if (!places.has(register)) places.set(register, { offset: 0, filter: "" });
  return places.get(register);
}

/**
 * Builds the table of `register` and starts loading it. `ctx` is `{t, departments, showError}`.
 * Returns `{element, loaded}` where `loaded` settles when the first page is shown.
 */
export function registerTable(register, ctx) {
  const { t } = ctx;
  const state = place(register);
  const columns = COLUMNS[register];
  const tbody = h("tbody");
  const range = h("span", { class: "range", testid: `range-${register}` });
  const prev = h("button", { class: "ghost", testid: `prev-${register}`, type: "button" }, t("table.prev"));
  const next = h("button", { class: "ghost", testid: `next-${register}`, type: "button" }, t("table.next"));
  const empty = h("div", { class: "empty", testid: `empty-${register}`, hidden: true });
  const filter = h("input", {
    type: "search",
    class: "filter",
    testid: `filter-${register}`,
    placeholder: t("table.filter"),
    value: state.filter,
    "aria-label": t("table.filter"),
  });
  const table = h(
    "table",
    { class: "grid", testid: `table-${register}`, dataset: { register } },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.wide ? "wide" : undefined }, t(c.label))))),
    tbody,
  );

  let generation = 0;
  async function load() {
    const mine = ++generation;
    range.textContent = t("table.loading");
    try {
      const page = await call(LIST_COMMANDS[register], {
        page: { offset: state.offset, limit: PAGE_SIZE, filter: state.filter },
      });
      if (mine !== generation) return; // a newer request (typing, paging) superseded this one
      tbody.replaceChildren(
        ...page.rows.map((row) =>
          h("tr", { testid: "row" }, rowCells(register, row, ctx).map((text, i) =>
            h("td", { class: columns[i].mono ? "mono" : undefined }, text))),
        ),
      );
      const r = pageRange(page.offset, page.rows.length, page.total);
      range.textContent = r ? t("table.range", r) : t("table.none");
      empty.hidden = page.rows.length > 0;
      empty.textContent = state.filter.trim() ? t("table.noMatch") : t("table.empty");
      table.hidden = page.rows.length === 0;
      prev.disabled = state.offset === 0;
      next.disabled = state.offset + page.rows.length >= page.total;
    } catch (e) {
      if (mine !== generation) return;
      range.textContent = "";
      tbody.replaceChildren();
      table.hidden = true;
      empty.hidden = false;
      empty.textContent = t("table.unavailable");
      prev.disabled = true;
      next.disabled = true;
      ctx.showError(e);
    }
  }

  prev.addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    load();
  });
  next.addEventListener("click", () => {
    state.offset += PAGE_SIZE;
    load();
  });
  let timer = null;
  filter.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.filter = filter.value;
      state.offset = 0;
      load();
    }, 200);
  });

  const element = h(
    "section",
    { class: "register", testid: `register-${register}` },
    h("div", { class: "toolbar" }, filter, h("div", { class: "pager" }, range, prev, next)),
    h("div", { class: "table-wrap" }, table, empty),
  );
  return { element, loaded: load() };
}
