import { test } from "node:test";
import assert from "node:assert/strict";
import { COLUMNS, LIST_COMMANDS, rowCells } from "../js/columns.js";
import { DICTIONARIES, translator } from "../js/i18n.js";

const departments = new Map([["D01", "市场监管局"]]);

test("an entity row becomes its cells, risk class in words", () => {
  const row = {
    code: "91330000566997460T",
    name: "祁阳市湘江米业有限公司",
    entity_type: "有限责任公司",
    industry: "",
    region: "祁阳市",
    status: "存续",
    risk_class: "C",
    last_inspected: null,
  };
  assert.deepEqual(rowCells("entities", row, { t: translator("zh"), departments }), [
    "91330000566997460T",
    "祁阳市湘江米业有限公司",
    "有限责任公司",
    "—",
    "祁阳市",
    "存续",
    "C 较高风险",
    "—",
  ]);
  assert.equal(rowCells("entities", row, { t: translator("en"), departments })[6], "C elevated");
});

test("inspectors show the department's name and joined qualifications", () => {
  const row = {
    staff_no: "S001",
    name: "张三",
    department: "D01",
    certificate_no: "43110012345",
    certificate_valid_until: "2027-12-31",
    qualifications: ["食品安全", "特种设备"],
    expert: true,
    region: "冷水滩区",
    status: "在岗",
  };
  const cells = rowCells("inspectors", row, { t: translator("zh"), departments });
  assert.deepEqual(cells, ["S001", "张三", "市场监管局", "43110012345", "2027-12-31", "食品安全、特种设备", "是", "冷水滩区", "在岗"]);
  assert.equal(rowCells("inspectors", { ...row, department: "D99" }, { t: translator("zh"), departments })[2], "D99");
});

test("every column label exists and every register has a command", () => {
  for (const [register, columns] of Object.entries(COLUMNS)) {
    assert.ok(LIST_COMMANDS[register], register);
    for (const c of columns) assert.ok(DICTIONARIES.zh[c.label], `${register} ${c.label}`);
  }
});
