// The 名录库 page (entities, inspectors, departments, as tabs) and the 抽查事项 page (the item list).

import { call } from "../api.js";
import { h } from "../dom.js";
import { formatCount } from "../format.js";
import { registerTable } from "../table.js";

const TABS = ["entities", "inspectors", "departments"];
let currentTab = "entities";

export async function registersPage(ctx) {
  const { t } = ctx;
  let counts = null;
  try {
    counts = await call("register_counts");
  } catch (e) {
    ctx.showError(e);
  }
  const body = h("div", { class: "tab-body" });
  const tabs = h("div", { class: "tabs", role: "tablist" });
  let loaded = Promise.resolve();
  const select = (name) => {
    currentTab = name;
    for (const b of tabs.children) b.setAttribute("aria-selected", String(b.dataset.tab === name));
    const table = registerTable(name, ctx);
    body.replaceChildren(table.element);
    loaded = table.loaded;
    return loaded;
  };
  for (const name of TABS) {
    tabs.append(
      h(
        "button",
        { type: "button", role: "tab", class: "tab", testid: `tab-${name}`, dataset: { tab: name }, onclick: () => select(name) },
        t(`register.${name}`),
        counts ? h("span", { class: "count", testid: `count-${name}` }, formatCount(counts[name])) : null,
      ),
    );
  }
  const element = h(
    "div",
    { class: "page", testid: "page-registers" },
    h("header", { class: "page-head" }, h("h1", {}, t("registers.heading")), h("p", { class: "lead" }, t("registers.lead"))),
    tabs,
    body,
  );
  await select(currentTab);
  return element;
}

export async function itemsPage(ctx) {
  const { t } = ctx;
  const table = registerTable("items", ctx);
  const element = h(
    "div",
    { class: "page", testid: "page-items" },
    h("header", { class: "page-head" }, h("h1", {}, t("items.heading")), h("p", { class: "lead" }, t("items.lead"))),
    table.element,
  );
  await table.loaded;
  return element;
}
