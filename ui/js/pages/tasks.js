// The 抽查任务 page: create a task (joint or not) in a plan — number, name, lead and participating departments,
// items from the item list, method, dates, and the draw rules through a form for the common rules (strata by
// credit risk class with ratios, or a total count; groups of N; leader; recusal by region) that makes the rule
// template JSON the core takes (rules-form.js) — and list and show the tasks.

import { call } from "../api.js";
import { h } from "../dom.js";
import { defaultRulesForm, RISK_CLASSES, rulesFromForm } from "../rules-form.js";
import { departmentChecks, field } from "./plans.js";

function select(testid, options, value) {
  const el = h("select", { testid });
  for (const [v, label] of options) {
    const o = h("option", { value: v }, label);
    if (v === value) o.selected = true;
    el.append(o);
  }
  return el;
}

function input(testid, value = "", attrs = {}) {
  return h("input", { type: "text", value, testid, ...attrs });
}

function checkbox(testid, checked, label) {
  const el = h("input", { type: "checkbox", testid });
  el.checked = checked;
  return { el, label: h("label", { class: "check" }, el, label) };
}

/** The rules part of the form; `read()` gives the form values for rulesFromForm, `showErrors` marks fields. */
function rulesFieldset(ctx) {
  const { t } = ctx;
  const d = defaultRulesForm();
  const c = {
    quotaMode: select("rules-quota-mode", [["ratio", t("rules.modeRatio")], ["count", t("rules.modeCount")]], d.quotaMode),
    ratios: Object.fromEntries(RISK_CLASSES.map((k) => [k, input(`rules-ratio-${k}`, d.ratios[k], { class: "short" })])),
    defaultPercent: input("rules-default-percent", d.defaultPercent, { class: "short" }),
    total: input("rules-total", d.total, { class: "short" }),
    countByRisk: checkbox("rules-count-by-risk", d.countByRisk, t("rules.countByRisk")),
    regions: input("rules-regions", d.regions, { placeholder: t("rules.regionsPlaceholder") }),
    excludedStatuses: input("rules-excluded-statuses", d.excludedStatuses),
    inspectedWithinDays: input("rules-inspected-within", d.inspectedWithinDays, { class: "short" }),
    groupSize: input("rules-group-size", d.groupSize, { class: "short" }),
    groupsMode: select("rules-groups-mode", [["per_targets", t("rules.perTargets")], ["fixed", t("rules.fixedGroups")]], d.groupsMode),
    maxTargets: input("rules-max-targets", d.maxTargets, { class: "short" }),
    groupCount: input("rules-group-count", d.groupCount, { class: "short" }),
    leaderRequired: checkbox("rules-leader", d.leaderRequired, t("rules.leader")),
    expertRequired: checkbox("rules-expert", d.expertRequired, t("rules.expert")),
    recuseSameRegion: checkbox("rules-recuse-region", d.recuseSameRegion, t("rules.recuseRegion")),
    activeStatuses: input("rules-active-statuses", d.activeStatuses),
  };
  const errorSlots = new Map();
  const slot = (name) => {
    const el = h("span", { class: "field-error", testid: `rules-error-${name}` });
    errorSlots.set(name, el);
    return el;
  };
  const withError = (label, control, name) => h("div", { class: "field" }, h("span", { class: "field-label" }, label), control, slot(name));
  const ratioRow = h(
    "div",
    { class: "form-row", testid: "rules-ratio-row" },
    ...RISK_CLASSES.map((k) => withError(t(`risk.${k}`) + " %", c.ratios[k], `ratio${k}`)),
    withError(t("rules.defaultPercent"), c.defaultPercent, "defaultPercent"),
  );
  const countRow = h("div", { class: "form-row", testid: "rules-count-row" }, withError(t("rules.total"), c.total, "total"), c.countByRisk.label);
  const perTargets = withError(t("rules.maxTargets"), c.maxTargets, "maxTargets");
  const fixed = withError(t("rules.groupCount"), c.groupCount, "groupCount");
  const sync = () => {
    ratioRow.hidden = c.quotaMode.value !== "ratio";
    countRow.hidden = c.quotaMode.value !== "count";
    perTargets.hidden = c.groupsMode.value !== "per_targets";
    fixed.hidden = c.groupsMode.value !== "fixed";
  };
  c.quotaMode.addEventListener("change", sync);
  c.groupsMode.addEventListener("change", sync);
  sync();
  const element = h(
    "fieldset",
    { class: "rules", testid: "rules-form" },
    h("legend", {}, t("rules.heading")),
    h("div", { class: "form-row" }, field(t("rules.quotaMode"), c.quotaMode)),
    ratioRow,
    countRow,
    h(
      "div",
      { class: "form-row" },
      withError(t("rules.regions"), c.regions, "regions"),
      withError(t("rules.excludedStatuses"), c.excludedStatuses, "excludedStatuses"),
      withError(t("rules.inspectedWithin"), c.inspectedWithinDays, "inspectedWithinDays"),
    ),
    h(
      "div",
      { class: "form-row" },
      withError(t("rules.groupSize"), c.groupSize, "groupSize"),
      field(t("rules.groupsMode"), c.groupsMode),
      perTargets,
      fixed,
      withError(t("rules.activeStatuses"), c.activeStatuses, "activeStatuses"),
    ),
    h("div", { class: "form-row" }, c.leaderRequired.label, c.expertRequired.label, c.recuseSameRegion.label),
  );
  const read = () => ({
    quotaMode: c.quotaMode.value,
    ratios: Object.fromEntries(RISK_CLASSES.map((k) => [k, c.ratios[k].value])),
    defaultPercent: c.defaultPercent.value,
    total: c.total.value,
    countByRisk: c.countByRisk.el.checked,
    regions: c.regions.value,
    excludedStatuses: c.excludedStatuses.value,
    inspectedWithinDays: c.inspectedWithinDays.value,
    groupSize: c.groupSize.value,
    groupsMode: c.groupsMode.value,
    maxTargets: c.maxTargets.value,
    groupCount: c.groupCount.value,
    leaderRequired: c.leaderRequired.el.checked,
    expertRequired: c.expertRequired.el.checked,
    recuseSameRegion: c.recuseSameRegion.el.checked,
    activeStatuses: c.activeStatuses.value,
  });
  const showErrors = (errors) => {
    for (const el of errorSlots.values()) el.textContent = "";
    for (const e of errors) {
      const el = errorSlots.get(e.field);
      if (el) el.textContent = t(e.key, e.params);
    }
  };
  return { element, read, showErrors };
}

/** Item checkboxes of the chosen departments' item lists. */
function itemPicker(ctx, items) {
  const box = h("div", { class: "checks items", testid: "task-items" });
  const boxes = [];
  const show = (departments) => {
    const keep = new Set(boxes.filter((b) => b.input.checked).map((b) => b.code));
    boxes.length = 0;
    const rows = items.filter((i) => departments.includes(i.department));
    box.replaceChildren(
      ...(rows.length === 0
        ? [h("span", { class: "muted" }, ctx.t("tasks.noItems"))]
        : rows.map((i) => {
            const input = h("input", { type: "checkbox", value: i.code, testid: `task-item-${i.code}` });
            input.checked = keep.has(i.code);
            boxes.push({ code: i.code, input });
            return h("label", { class: "check" }, input, `${i.code} ${i.name}（${ctx.departments.get(i.department) ?? i.department}）`);
          })),
    );
  };
  return { element: box, show, values: () => boxes.filter((b) => b.input.checked).map((b) => b.code) };
}

function createForm(ctx, plans, items, choices, reload) {
  const { t } = ctx;
  const departments = [...ctx.departments];
  const plan = select("task-plan", plans.map((d) => [String(d.plan.id), `${d.plan.year} · ${d.plan.title}`]), plans[0] ? String(plans[0].plan.id) : "");
  const number = input("task-number", "", { placeholder: t("tasks.numberPlaceholder") });
  const name = input("task-name");
  const lead = select("task-lead", departments, ctx.settingsDepartment ?? departments[0]?.[0]);
  const participating = departmentChecks(ctx, "task-participating");
  const picker = itemPicker(ctx, items);
  const method = select("task-method", choices.methods.map((m) => [m, m]), choices.methods[0]);
  const start = h("input", { type: "date", testid: "task-start" });
  const end = h("input", { type: "date", testid: "task-end" });
  const handling = input("task-result-handling");
  const operator = input("task-operator");
  const rules = rulesFieldset(ctx);
  const formError = h("p", { class: "field-error", testid: "task-form-error" });
  const button = h("button", { type: "submit", class: "primary", testid: "task-create" }, t("tasks.create"));
  const refreshItems = () => picker.show([lead.value, ...participating.values()]);
  lead.addEventListener("change", refreshItems);
  participating.element.addEventListener("change", refreshItems);
  refreshItems();
  return h(
    "form",
    {
      class: "card form",
      testid: "task-form",
      onsubmit: async (e) => {
        e.preventDefault();
        formError.textContent = "";
        const { rules: template, errors } = rulesFromForm(rules.read());
        rules.showErrors(errors);
        if (!template) {
          formError.textContent = t("rules.fix");
          return;
        }
        button.disabled = true;
        try {
          await call("create_task", {
            task: {
              plan: Number(plan.value),
              number: number.value,
              name: name.value,
              lead: lead.value,
              participating: participating.values().filter((c) => c !== lead.value),
              items: picker.values(),
              method: method.value,
              start: start.value || null,
              end: end.value || null,
              result_handling: handling.value,
              rules: template,
            },
            operator: operator.value.trim() === "" ? null : operator.value,
          });
          await reload();
        } catch (err) {
          // Shown next to the button: the core's message names the field that is wrong.
          formError.textContent = err.message;
          button.disabled = false;
        }
      },
    },
    h("h2", {}, t("tasks.new")),
    h("div", { class: "form-row" }, field(t("tasks.plan"), plan), field(t("tasks.number"), number), field(t("tasks.name"), name)),
    h("div", { class: "form-row" }, field(t("tasks.leadDepartment"), lead), field(t("tasks.method"), method), field(t("tasks.start"), start), field(t("tasks.end"), end)),
    field(t("tasks.participating"), participating.element),
    field(t("tasks.items"), picker.element),
    h("div", { class: "form-row" }, field(t("tasks.resultHandling"), handling), field(t("tasks.operator"), operator)),
    h("p", { class: "muted" }, t("tasks.operatorHint")),
    rules.element,
    h("div", { class: "actions" }, button, formError),
  );
}

function taskRow(ctx, task) {
  const { t } = ctx;
  const details = h("pre", { class: "mono details", testid: `task-rules-${task.id}`, hidden: true }, JSON.stringify(task.rules, null, 2));
  const names = [task.lead_department, ...task.participating].map((c) => ctx.departments.get(c) ?? c).join("、");
  return [
    h(
      "tr",
      { testid: `task-${task.id}` },
      h("td", {}, task.number),
      h("td", {}, task.name),
      h("td", {}, names),
      h("td", {}, task.items.join("、")),
      h("td", {}, task.method),
      h("td", {}, [task.planned_start, task.planned_end].filter(Boolean).join(" – ") || "—"),
      h("td", {}, task.frozen ? t("tasks.frozen") : t("tasks.editable")),
      h("td", {}, h("button", { type: "button", class: "ghost", testid: `task-show-${task.id}`, onclick: () => (details.hidden = !details.hidden) }, t("tasks.show"))),
    ),
    h("tr", {}, h("td", { colspan: "8" }, details)),
  ];
}

export async function tasksPage(ctx) {
  const { t } = ctx;
  const root = h("div", { class: "page", testid: "page-tasks" });
  const [choices, itemsPage] = await Promise.all([call("choices"), call("list_items", { page: { offset: 0, limit: 500, filter: "" } })]);
  const reload = async () => {
    const [plans, tasks] = await Promise.all([call("list_plans"), call("list_tasks", { plan: null })]);
    root.replaceChildren(
      h("header", { class: "page-head" }, h("h1", {}, t("tasks.heading"))),
      h("p", { class: "lead" }, t("tasks.lead")),
      plans.length === 0 ? h("p", { class: "notice warn", testid: "tasks-no-plan" }, t("tasks.noPlan")) : createForm(ctx, plans, itemsPage.rows, choices, reload),
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("tasks.list")),
        tasks.length === 0
          ? h("p", { class: "muted", testid: "tasks-empty" }, t("tasks.none"))
          : h(
              "table",
              { class: "grid", testid: "tasks-table" },
              h(
                "thead",
                {},
                h("tr", {}, ...["tasks.number", "tasks.name", "tasks.departments", "tasks.items", "tasks.method", "tasks.dates", "tasks.state", ""].map((k) => h("th", {}, k ? t(k) : ""))),
              ),
              h("tbody", {}, ...tasks.flatMap((task) => taskRow(ctx, task))),
            ),
      ),
    );
  };
  await reload();
  return root;
}
