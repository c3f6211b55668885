// Formatting the stage's view model (see `stage_view`) for the audience: the rules in plain words and long
// hexadecimal values in readable groups. Pure functions, tested in ui/tests/stage-format.test.mjs.

import { formatCount } from "./format.js";

/** "a1b2c3d4e5…" → ["a1b2c3d4 e5f6a7b8 …", …]: groups of 8 digits, `perLine` groups a line. */
export function hexLines(hex, perLine = 4) {
  const groups = String(hex ?? "").match(/.{1,8}/g) ?? [];
  const lines = [];
  for (let i = 0; i < groups.length; i += perLine) lines.push(groups.slice(i, i + perLine).join(" "));
  return lines;
}

/** The label of a stratum key: credit risk classes by name, regions as they are, "" as the whole population. */
export function stratumLabel(strataBy, key, t) {
  if (strataBy === "risk_class") return ["A", "B", "C", "D"].includes(key) ? t(`risk.${key}`) : t("stageRules.unclassified");
  if (strataBy === "region") return key;
  return t("stageRules.all");
}

/**
 * 本次摇号规则 in plain words, one sentence a line, from the freeze summary (`summary`) and the task's
 * departments (`[{code, name}]`, lead first).
 */
export function rulesInWords(summary, departments, t) {
  if (!summary) return [];
  const excluded = (summary.excluded ?? []).reduce((n, x) => n + x.count, 0);
  const lines = [t("stageRules.population", { population: formatCount(summary.population), excluded: formatCount(excluded) })];
  if (summary.strata_by !== "none") {
    const parts = (summary.strata ?? []).map((s) =>
      t("stageRules.stratum", { label: stratumLabel(summary.strata_by, s.key, t), size: formatCount(s.size), quota: formatCount(s.quota) }),
    );
    lines.push(t(summary.strata_by === "risk_class" ? "stageRules.byRisk" : "stageRules.byRegion", { strata: parts.join(t("stageRules.sep")) }));
  }
  lines.push(t("stageRules.targets", { targets: formatCount(summary.targets) }));
  const names = (departments ?? []).map((d) => d.name);
  lines.push(
    t(names.length > 1 ? "stageRules.jointInspectors" : "stageRules.inspectors", {
      eligible: formatCount(summary.eligible_inspectors),
      departments: names.join(t("stageRules.sep")),
    }),
  );
  lines.push(t("stageRules.groups", { groups: formatCount(summary.groups), size: summary.group_size }));
  if (summary.leader_required) lines.push(t("stageRules.leader", { lead: names[0] ?? "" }));
  if (summary.expert_required) lines.push(t("stageRules.expert"));
  lines.push(
    summary.recuse_same_region
      ? t("stageRules.recusalRegion", { recusals: formatCount(summary.recusals) })
      : t("stageRules.recusal", { recusals: formatCount(summary.recusals) }),
  );
  return lines;
}
