// The rules form of the tasks page → the rule template the core takes (the protocol's §4.4 rules without
// `task` and `draw_date`; the core adds `algorithm` and `inspectors.departments`). Pure: the form's values in,
// `{rules, errors}` out, every error naming its field with an i18n key. The core validates the result again
// when the task is written; this only spares the operator a round trip and puts the message next to the field.

export const RISK_CLASSES = Object.freeze(["A", "B", "C", "D"]);
export const DEFAULT_EXCLUDED_STATUSES = Object.freeze(["吊销", "撤销", "注销", "迁出"]);

/** The form's starting values: 1 % of every class, 5 % of class D, groups of 2 for at most 10 targets. */
export function defaultRulesForm() {
  return {
    regions: "",
    excludedStatuses: DEFAULT_EXCLUDED_STATUSES.join("、"),
    inspectedWithinDays: "",
    quotaMode: "ratio",
    ratios: { A: "", B: "", C: "", D: "5" },
    defaultPercent: "1",
    total: "",
    countByRisk: true,
    groupSize: "2",
    groupsMode: "per_targets",
    maxTargets: "10",
    groupCount: "",
    leaderRequired: true,
    expertRequired: false,
    recuseSameRegion: false,
    activeStatuses: "在岗",
  };
}

/** Compares by Unicode code point, as the core sorts its lists (UTF-8 byte order), not by UTF-16 units. */
export function codePointCompare(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** "零陵区、冷水滩区, 零陵区" → ["冷水滩区", "零陵区"]: split on commas (either width) and 、, trimmed, sorted, unique. */
export function parseList(text) {
  const parts = String(text ?? "")
    .split(/[,，、;；\n]/)
    .map((s) => s.trim().normalize("NFC"))
    .filter((s) => s !== "");
  return [...new Set(parts)].sort(codePointCompare);
}

/** "2.5" → 250 basis points; null for an empty value; NaN when it is not a percentage with at most 2 decimals. */
export function percentToBp(text) {
  const s = String(text ?? "").trim().replace(/[%％]$/, "");
  if (s === "") return null;
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return Number.NaN;
  const [whole, frac = ""] = s.split(".");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
}

/** A whole number ≥ min, or NaN; null for an empty value. */
export function parseCount(text, min) {
  const s = String(text ?? "").trim();
  if (s === "") return null;
  if (!/^\d+$/.test(s)) return Number.NaN;
  const n = Number(s);
  return n >= min && n <= 4294967295 ? n : Number.NaN;
}

/** Turns the form's values into `{rules, errors}`; `rules` is null when there is an error. */
export function rulesFromForm(form) {
  const errors = [];
  const fail = (field, key, params = {}) => errors.push({ field, key, params });
  const required = (field, value, min) => {
    const n = parseCount(value, min);
    if (n === null) fail(field, "rules.errRequired");
    else if (Number.isNaN(n)) fail(field, "rules.errWhole", { min });
    return n;
  };

  let inspectedWithin = parseCount(form.inspectedWithinDays, 0);
  if (Number.isNaN(inspectedWithin)) {
    fail("inspectedWithinDays", "rules.errWhole", { min: 0 });
    inspectedWithin = null;
  }

  let strata;
  let quota;
  if (form.quotaMode === "count") {
    strata = form.countByRisk ? "risk_class" : "none";
    quota = { mode: "count", total: required("total", form.total, 1) };
  } else {
    strata = "risk_class";
    const ratios = [];
    for (const k of RISK_CLASSES) {
      const bp = percentToBp(form.ratios?.[k]);
      if (Number.isNaN(bp)) fail(`ratio${k}`, "rules.errPercent");
      else if (bp !== null) ratios.push({ stratum: k, bp });
    }
    const defaultBp = percentToBp(form.defaultPercent);
    if (Number.isNaN(defaultBp)) fail("defaultPercent", "rules.errPercent");
    if (ratios.length === 0 && defaultBp === null) fail("defaultPercent", "rules.errNoRatio");
    quota = { mode: "ratio", ratios, default_bp: Number.isNaN(defaultBp) ? null : defaultBp };
  }

  const groupSize = required("groupSize", form.groupSize, 2);
  const groups =
    form.groupsMode === "fixed"
      ? { mode: "fixed", count: required("groupCount", form.groupCount, 1) }
      : { mode: "per_targets", max_targets: required("maxTargets", form.maxTargets, 1) };
  const activeStatuses = parseList(form.activeStatuses);
  if (activeStatuses.length === 0) fail("activeStatuses", "rules.errRequired");

  if (errors.length > 0) return { rules: null, errors };
  return {
    errors,
    rules: {
      scope: { regions: parseList(form.regions), industries: [], entity_types: [], risk_classes: [], tags_any: [] },
      exclusions: { statuses: parseList(form.excludedStatuses), inspected_within_days: inspectedWithin, entities: [] },
      strata,
      quota,
      reserve_per_stratum: null,
      inspectors: {
        group_size: groupSize,
        groups,
        leader: { required: Boolean(form.leaderRequired), qualification: "" },
        expert_required: Boolean(form.expertRequired),
        required_qualifications: [],
        active_statuses: activeStatuses,
        recuse_same_region: Boolean(form.recuseSameRegion),
      },
    },
  };
}
