import { test } from "node:test";
import assert from "node:assert/strict";
import { cell, formatBytes, formatClock, formatCount, pageRange, percent } from "../js/format.js";
import { translator } from "../js/i18n.js";

test("counts are grouped by thousands", () => {
  assert.equal(formatCount(0), "0");
  assert.equal(formatCount(999), "999");
  assert.equal(formatCount(1000), "1,000");
  assert.equal(formatCount(1234567), "1,234,567");
});

test("the stage clock in both languages", () => {
  const d = new Date(2026, 10, 29, 9, 5, 7); // local time: Sunday 29 November 2026
  assert.deepEqual(formatClock(d, translator("zh")), { date: "2026年11月29日 星期日", time: "09:05:07" });
  assert.deepEqual(formatClock(d, translator("en")), { date: "Sunday, 29 November 2026", time: "09:05:07" });
});

test("page ranges are one-based and null for an empty page", () => {
  assert.deepEqual(pageRange(0, 50, 1234), { from: "1", to: "50", total: "1,234" });
  assert.deepEqual(pageRange(1200, 34, 1234), { from: "1,201", to: "1,234", total: "1,234" });
  assert.equal(pageRange(0, 0, 0), null);
});

test("sizes use binary units", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KB");
  assert.equal(formatBytes(20 * 1024 * 1024), "20 MB");
});

test("percentages are whole and bounded", () => {
  assert.equal(percent(0, 0), 0);
  assert.equal(percent(1, 3), 33);
  assert.equal(percent(5, 4), 100);
});

test("empty cells show a dash", () => {
  assert.equal(cell(""), "—");
  assert.equal(cell(null), "—");
  assert.equal(cell(0), "0");
});
