// Which columns each register's table shows and how a stored row becomes cell texts. Pure: the page
// module builds the DOM from what these functions return.

import { cell } from "./format.js";

const dept = (code, ctx) => (code ? (ctx.departments.get(code) ?? code) : "");

export const COLUMNS = Object.freeze({
  entities: [
    { key: "code", label: "col.code", value: (r) => r.code, mono: true },
    { key: "name", label: "col.name", value: (r) => r.name, wide: true },
    { key: "entity_type", label: "col.entityType", value: (r) => r.entity_type },
    { key: "industry", label: "col.industry", value: (r) => r.industry },
    { key: "region", label: "col.region", value: (r) => r.region },
    { key: "status", label: "col.status", value: (r) => r.status },
    { key: "risk_class", label: "col.risk", value: (r, ctx) => (r.risk_class ? ctx.t(`risk.${r.risk_class}`) : "") },
    { key: "last_inspected", label: "col.lastInspected", value: (r) => r.last_inspected, mono: true },
  ],
  inspectors: [
    { key: "staff_no", label: "col.staffNo", value: (r) => r.staff_no, mono: true },
    { key: "name", label: "col.personName", value: (r) => r.name },
    { key: "department", label: "col.department", value: (r, ctx) => dept(r.department, ctx) },
    { key: "certificate_no", label: "col.certificateNo", value: (r) => r.certificate_no, mono: true },
    { key: "certificate_valid_until", label: "col.certificateValid", value: (r) => r.certificate_valid_until, mono: true },
    { key: "qualifications", label: "col.qualifications", value: (r) => (r.qualifications ?? []).join("、") },
    { key: "expert", label: "col.expert", value: (r, ctx) => ctx.t(r.expert ? "yes" : "no") },
    { key: "region", label: "col.area", value: (r) => r.region },
    { key: "status", label: "col.personStatus", value: (r) => r.status },
  ],
  departments: [
    { key: "code", label: "col.departmentCode", value: (r) => r.code, mono: true },
    { key: "name", label: "col.departmentName", value: (r) => r.name, wide: true },
  ],
  items: [
    { key: "code", label: "col.itemCode", value: (r) => r.code, mono: true },
    { key: "name", label: "col.itemName", value: (r) => r.name, wide: true },
    { key: "department", label: "col.itemDepartment", value: (r, ctx) => dept(r.department, ctx) },
    { key: "method", label: "col.method", value: (r) => r.method },
    { key: "ratio_frequency", label: "col.ratio", value: (r) => r.ratio_frequency },
  ],
});

/** The command that reads a page of each register. */
export const LIST_COMMANDS = Object.freeze({
  entities: "list_entities",
  inspectors: "list_inspectors",
  departments: "list_departments",
  items: "list_items",
});

/**
 * The cell texts of one row. `ctx` is `{t, departments}`: the translator and a Map from department code to
 * name (inspectors and items store the code).
 */
export function rowCells(register, row, ctx) {
  return COLUMNS[register].map((c) => cell(c.value(row, ctx)));
}
