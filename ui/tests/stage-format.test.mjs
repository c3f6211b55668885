import { test } from "node:test";
import assert from "node:assert/strict";
import { translator } from "../js/i18n.js";
import { hexLines, rulesInWords } from "../js/stage-format.js";
import { canRevealNext, enterStep, nextEntropyWitness, stepIndex } from "../js/ceremony-steps.js";

const summary = {
  population: 5000,
  excluded: [{ reason: "explicit", count: 0 }, { reason: "status", count: 120 }, { reason: "recently_inspected", count: 3 }],
  strata_by: "risk_class",
  strata: [
    { key: "A", size: 1200, quota: 3, reserve: 3 },
    { key: "D", size: 40, quota: 2, reserve: 2 },
  ],
  targets: 5,
  groups: 2,
  group_size: 3,
  eligible_inspectors: 57,
  leader_required: true,
  expert_required: false,
  recuse_same_region: true,
  recusals: 2,
};
const departments = [{ code: "D01", name: "市场监管局" }, { code: "D13", name: "卫健委" }];

test("the rules in plain words, in Chinese", () => {
  assert.deepEqual(rulesInWords(summary, departments, translator("zh")), [
    "检查对象 5,000 户（其中按规则排除 123 户）",
    "按信用风险分类分层抽取：A 低风险 1,200 户抽 3 户；D 高风险 40 户抽 2 户",
    "共抽取检查对象 5 户",
    "联合抽查，执法检查人员：市场监管局；卫健委 符合条件 57 人",
    "随机分为 2 个检查组，每组 3 人",
    "组长由市场监管局人员担任",
    "同地区回避；回避名单 2 条",
  ]);
});

test("the rules in plain words, in English, without strata or a leader", () => {
  const s = { ...summary, strata_by: "none", leader_required: false, recuse_same_region: false };
  const lines = rulesInWords(s, departments.slice(0, 1), translator("en"));
  assert.deepEqual(lines, [
    "5,000 entities in scope (123 excluded by the rules)",
    "5 targets in total",
    "Inspectors: 57 eligible from 市场监管局",
    "2 groups of 3, drawn at random",
    "2 recusals listed",
  ]);
  assert.deepEqual(rulesInWords(null, [], translator("en")), []);
});

test("hashes are shown in groups of eight", () => {
  const h = "0123456789abcdef".repeat(4);
  assert.deepEqual(hexLines(h, 4), ["01234567 89abcdef 01234567 89abcdef", "01234567 89abcdef 01234567 89abcdef"]);
  assert.deepEqual(hexLines(null), []);
});

test("Enter performs the next step that needs no typing", () => {
  assert.equal(enterStep({ state: "prepared" }), "ceremony_freeze");
  assert.equal(enterStep({ state: "frozen" }), "ceremony_commit");
  assert.equal(enterStep({ state: "committed", witnesses: [] }), null);
  assert.equal(enterStep({ state: "committed", witnesses: [{ seq: 1 }] }), "ceremony_close_witnesses");
  assert.equal(enterStep({ state: "witnessed" }), null);
  assert.equal(enterStep({ state: "entropy_collected" }), "ceremony_seed");
  assert.equal(enterStep({ state: "revealing" }), "ceremony_reveal");
  assert.equal(enterStep({ state: "revealed" }), "ceremony_seal");
  assert.equal(enterStep({ state: "sealed" }), null);
  assert.equal(enterStep(null), null);
  assert.ok(canRevealNext({ state: "seeded" }) && !canRevealNext({ state: "revealed" }));
});

test("entropy is asked of the witnesses in their order; steps are in the machine's order", () => {
  const s = { witnesses: [{ seq: 1, entropy: "314159" }, { seq: 2, entropy: null }, { seq: 3, entropy: null }] };
  assert.equal(nextEntropyWitness(s).seq, 2);
  assert.equal(nextEntropyWitness({ witnesses: [{ seq: 1, entropy: "1" }] }), null);
  assert.ok(stepIndex("frozen") < stepIndex("sealed"));
  assert.equal(stepIndex("voided"), -1);
});
