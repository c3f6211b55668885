import { test } from "node:test";
import assert from "node:assert/strict";
import { DICTIONARIES, LANGS, translate, translator } from "../js/i18n.js";

test("every language has exactly the same keys", () => {
  const zh = Object.keys(DICTIONARIES.zh).sort();
  for (const lang of LANGS) {
    assert.deepEqual(Object.keys(DICTIONARIES[lang]).sort(), zh, lang);
  }
});

test("every text is a non-empty string", () => {
  for (const lang of LANGS) {
    for (const [key, text] of Object.entries(DICTIONARIES[lang])) {
      assert.equal(typeof text, "string", `${lang} ${key}`);
      assert.ok(text.trim().length > 0, `${lang} ${key}`);
    }
  }
});

test("placeholders are the same in both languages", () => {
  const names = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(DICTIONARIES.zh)) {
    // Dates are laid out differently; each language uses its own subset of the date parameters.
    if (key === "date.full") continue;
    assert.deepEqual(names(DICTIONARIES.en[key]), names(DICTIONARIES.zh[key]), key);
  }
});

test("lookup fills parameters and defaults to Chinese", () => {
  assert.equal(translate("zh", "table.range", { from: 1, to: 50, total: "1,234" }), "第 1–50 条，共 1,234 条");
  assert.equal(translate("en", "table.range", { from: 1, to: 50, total: "1,234" }), "Rows 1–50 of 1,234");
  assert.equal(translate("fr", "nav.registers"), "名录库");
  assert.equal(translator("xx").lang, "zh");
  assert.equal(translator("en")("nav.verify"), "Verify");
});

test("unknown keys and missing parameters stay visible", () => {
  assert.equal(translate("zh", "no.such.key"), "no.such.key");
  assert.equal(translate("en", "table.range", { from: 1 }), "Rows 1–{to} of {total}");
});
