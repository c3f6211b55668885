import { test } from "node:test";
import assert from "node:assert/strict";
import { codePointCompare, defaultRulesForm, parseList, percentToBp, rulesFromForm } from "../js/rules-form.js";

test("percentages become basis points exactly", () => {
  assert.equal(percentToBp("5"), 500);
  assert.equal(percentToBp("0.5"), 50);
  assert.equal(percentToBp("2.25%"), 225);
  assert.equal(percentToBp(" 100 "), 10000);
  assert.equal(percentToBp(""), null);
  assert.ok(Number.isNaN(percentToBp("2.555")));
  assert.ok(Number.isNaN(percentToBp("-1")));
  assert.ok(Number.isNaN(percentToBp("abc")));
});

test("lists are split on either comma and 、, trimmed, unique and sorted by code point", () => {
  assert.deepEqual(parseList("零陵区、冷水滩区, 零陵区，道县"), ["冷水滩区", "道县", "零陵区"].sort(codePointCompare));
  assert.deepEqual(parseList("  "), []);
  // U+FF5E sorts before U+1F600 by code point, although UTF-16 units would put the emoji (D83D…) first.
  assert.deepEqual(parseList("😀,～"), ["～", "😀"]);
});

test("the default form gives the template of the core's example: ratio by credit risk class", () => {
  const { rules, errors } = rulesFromForm(defaultRulesForm());
  assert.deepEqual(errors, []);
  assert.deepEqual(rules, {
    scope: { regions: [], industries: [], entity_types: [], risk_classes: [], tags_any: [] },
    exclusions: { statuses: ["吊销", "撤销", "注销", "迁出"].sort(codePointCompare), inspected_within_days: null, entities: [] },
    strata: "risk_class",
    quota: { mode: "ratio", ratios: [{ stratum: "D", bp: 500 }], default_bp: 100 },
    reserve_per_stratum: null,
    inspectors: {
      group_size: 2,
      groups: { mode: "per_targets", max_targets: 10 },
      leader: { required: true, qualification: "" },
      expert_required: false,
      required_qualifications: [],
      active_statuses: ["在岗"],
      recuse_same_region: false,
    },
  });
});

test("a total count, fixed groups, recusal by region and recently inspected", () => {
  const form = {
    ...defaultRulesForm(),
    quotaMode: "count",
    total: "20",
    countByRisk: false,
    groupsMode: "fixed",
    groupCount: "4",
    groupSize: "3",
    recuseSameRegion: true,
    inspectedWithinDays: "365",
    regions: "道县，零陵区",
  };
  const { rules, errors } = rulesFromForm(form);
  assert.deepEqual(errors, []);
  assert.equal(rules.strata, "none");
  assert.deepEqual(rules.quota, { mode: "count", total: 20 });
  assert.deepEqual(rules.inspectors.groups, { mode: "fixed", count: 4 });
  assert.equal(rules.inspectors.group_size, 3);
  assert.equal(rules.inspectors.recuse_same_region, true);
  assert.equal(rules.exclusions.inspected_within_days, 365);
  assert.deepEqual(rules.scope.regions, ["道县", "零陵区"].sort(codePointCompare));
});

test("bad values are reported per field and give no rules", () => {
  const form = { ...defaultRulesForm(), ratios: { A: "1.234", B: "", C: "", D: "" }, defaultPercent: "", groupSize: "1", maxTargets: "", inspectedWithinDays: "x" };
  const { rules, errors } = rulesFromForm(form);
  assert.equal(rules, null);
  assert.deepEqual(
    errors.map((e) => [e.field, e.key]),
    [
      ["inspectedWithinDays", "rules.errWhole"],
      ["ratioA", "rules.errPercent"],
      ["defaultPercent", "rules.errNoRatio"],
      ["groupSize", "rules.errWhole"],
      ["maxTargets", "rules.errRequired"],
    ],
  );
  assert.deepEqual(errors[3].params, { min: 2 });
});
