import { test } from "node:test";
import assert from "node:assert/strict";
import { ERROR_CODES, errorTitleKey, toUiError } from "../js/error-codes.js";
import { DICTIONARIES } from "../js/i18n.js";

test("core errors keep their code and message", () => {
  assert.deepEqual(toUiError({ code: "newer_schema", message: "数据库版本过新" }), {
    code: "newer_schema",
    message: "数据库版本过新",
  });
});

test("anything else is an unexpected error with code null", () => {
  assert.deepEqual(toUiError("Command list_entities not allowed by ACL"), {
    code: null,
    message: "Command list_entities not allowed by ACL",
  });
  assert.deepEqual(toUiError({ code: "made_up", message: "x" }), { code: null, message: '{"code":"made_up","message":"x"}' });
  assert.equal(toUiError(new Error("boom")).message, "boom");
});

test("every code has a title in every language", () => {
  for (const code of ERROR_CODES) {
    const key = errorTitleKey(code);
    assert.equal(key, `error.${code}`);
    for (const [lang, dict] of Object.entries(DICTIONARIES)) assert.ok(dict[key], `${lang} ${key}`);
  }
  assert.equal(errorTitleKey(null), "error.unexpected");
  assert.equal(errorTitleKey("nope"), "error.unexpected");
});

test("the list is closed", () => {
  assert.ok(Object.isFrozen(ERROR_CODES));
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
});
