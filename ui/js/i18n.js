// Looking up interface texts in the current language. Texts live in one module per language
// (i18n/zh.js, i18n/en.js) with identical keys; `{name}` in a text is replaced by the parameter `name`.

import zh from "./i18n/zh.js";
import en from "./i18n/en.js";

export const LANGS = Object.freeze(["zh", "en"]);
export const DICTIONARIES = Object.freeze({ zh, en });
export const DEFAULT_LANG = "zh";

/** The text for `key` in `lang`, with `{param}`s filled in. An unknown key is returned as is, visibly. */
export function translate(lang, key, params = {}) {
  const dict = DICTIONARIES[lang] ?? DICTIONARIES[DEFAULT_LANG];
  const text = dict[key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A `t(key, params)` function bound to `lang`. */
export function translator(lang) {
  const l = LANGS.includes(lang) ? lang : DEFAULT_LANG;
  const t = (key, params) => translate(l, key, params);
  t.lang = l;
  return t;
}
