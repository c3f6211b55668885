// The 抽查计划 page: create an annual plan, publish it (date and where: "未经公示的随机抽查工作计划不得实施"),
// and list the plans with their adjustments (before/after, operator, publication) and tasks.

import { call } from "../api.js";
import { h } from "../dom.js";

/** Today as YYYY-MM-DD in local time (the default publication date). */
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function field(label, control, testid) {
  return h("label", { class: "field", testid }, h("span", { class: "field-label" }, label), control);
}

/** Checkboxes for departments; returns `{element, values()}`. */
export function departmentChecks(ctx, testid, checked = []) {
  const boxes = [...ctx.departments].map(([code, name]) => {
    const input = h("input", { type: "checkbox", value: code, testid: `${testid}-${code}` });
    input.checked = checked.includes(code);
    return { code, input, label: h("label", { class: "check" }, input, name) };
  });
  return {
    element: h("div", { class: "checks", testid }, ...boxes.map((b) => b.label)),
    values: () => boxes.filter((b) => b.input.checked).map((b) => b.code),
  };
}

function publishForm(ctx, command, idArg, id, testid, reload) {
  const { t } = ctx;
  const on = h("input", { type: "date", value: today(), testid: `${testid}-on` });
  const place = h("input", { type: "text", placeholder: t("plans.wherePlaceholder"), testid: `${testid}-where` });
  const button = h("button", { type: "submit", class: "primary", testid }, t("plans.publish"));
  return h(
    "form",
    {
      class: "inline-form",
      onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        try {
          await call(command, { [idArg]: id, on: on.value, place: place.value });
          await reload();
        } catch (err) {
          ctx.showError(err);
          button.disabled = false;
        }
      },
    },
    field(t("plans.publishedOn"), on),
    field(t("plans.where"), place),
    button,
  );
}

function planCard(ctx, detail, reload) {
  const { t } = ctx;
  const p = detail.plan;
  const names = p.departments.map((c) => ctx.departments.get(c) ?? c).join("、");
  const status =
    p.status === "published"
      ? t("plans.publishedAt", { on: p.published_on, where: p.published_where ?? "" })
      : t("plans.draft");
  const adjustments = detail.adjustments.map((a) =>
    h(
      "tr",
      { testid: `adjustment-${a.id}` },
      h("td", {}, a.made_at.slice(0, 16).replace("T", " ")),
      h("td", {}, a.operator),
      h("td", {}, a.description),
      h("td", { class: "mono" }, JSON.stringify(a.before)),
      h("td", { class: "mono" }, JSON.stringify(a.after)),
      h(
        "td",
        {},
        a.published_on
          ? t("plans.publishedAt", { on: a.published_on, where: a.published_where ?? "" })
          : p.status === "published"
            ? publishForm(ctx, "publish_adjustment", "adjustment", a.id, `adjustment-publish-${a.id}`, reload)
            : t("plans.withPlan"),
      ),
    ),
  );
  return h(
    "section",
    { class: "card", testid: `plan-${p.id}` },
    h("h2", {}, `${p.year} · ${p.title}`),
    h("p", {}, t("plans.departmentsLine", { departments: names })),
    h("p", { testid: `plan-status-${p.id}`, class: p.status === "published" ? "ok" : "warn" }, status),
    p.notes ? h("p", { class: "muted" }, p.notes) : null,
    p.status === "draft" ? publishForm(ctx, "publish_plan", "plan", p.id, `plan-publish-${p.id}`, reload) : null,
    h("h3", {}, t("plans.tasks")),
    detail.tasks.length === 0
      ? h("p", { class: "muted" }, t("plans.noTasks"))
      : h("ul", {}, ...detail.tasks.map((task) => h("li", { testid: `plan-task-${task.id}` }, `${task.number} ${task.name}`))),
    h("h3", {}, t("plans.adjustments")),
    detail.adjustments.length === 0
      ? h("p", { class: "muted" }, t("plans.noAdjustments"))
      : h(
          "table",
          { class: "grid", testid: `adjustments-${p.id}` },
          h(
            "thead",
            {},
            h("tr", {}, ...["plans.madeAt", "plans.operator", "plans.description", "plans.before", "plans.after", "plans.publication"].map((k) => h("th", {}, t(k)))),
          ),
          h("tbody", {}, ...adjustments),
        ),
  );
}

function createForm(ctx, reload) {
  const { t } = ctx;
  const year = h("input", { type: "number", value: String(new Date().getFullYear()), min: "2000", max: "2100", testid: "plan-year" });
  const title = h("input", { type: "text", testid: "plan-title", placeholder: t("plans.titlePlaceholder") });
  const notes = h("input", { type: "text", testid: "plan-notes" });
  const deps = departmentChecks(ctx, "plan-departments", ctx.settingsDepartment ? [ctx.settingsDepartment] : []);
  const button = h("button", { type: "submit", class: "primary", testid: "plan-create" }, t("plans.create"));
  return h(
    "form",
    {
      class: "card form",
      testid: "plan-form",
      onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        try {
          await call("create_plan", { year: Number(year.value), title: title.value, departments: deps.values(), notes: notes.value });
          await reload();
        } catch (err) {
          ctx.showError(err);
          button.disabled = false;
        }
      },
    },
    h("h2", {}, t("plans.new")),
    h("div", { class: "form-row" }, field(t("plans.year"), year), field(t("plans.title"), title)),
    field(t("plans.departments"), deps.element),
    field(t("plans.notes"), notes),
    h("div", { class: "actions" }, button),
  );
}

export async function plansPage(ctx) {
  const { t } = ctx;
  const root = h("div", { class: "page", testid: "page-plans" });
  const reload = async () => {
    const plans = await call("list_plans");
    root.replaceChildren(
      h("header", { class: "page-head" }, h("h1", {}, t("plans.heading"))),
      h("p", { class: "lead" }, t("plans.lead")),
      createForm(ctx, reload),
      ...(plans.length === 0 ? [h("p", { class: "muted", testid: "plans-empty" }, t("plans.none"))] : plans.map((d) => planCard(ctx, d, reload))),
    );
  };
  await reload();
  return root;
}
