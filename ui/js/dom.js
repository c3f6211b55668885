// A small helper to build DOM elements without innerHTML (so no text is ever parsed as markup) and to
// apply the current language to static texts marked with data-i18n attributes.

/**
 * `h("button", {testid: "x", class: "primary", onclick: f}, "text", child)`.
 * `testid` sets data-testid; keys starting with "on" add event listeners; `dataset` sets data-*.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "testid") el.dataset.testid = v;
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Sets the text of every `[data-i18n]` below `root`, and placeholders of `[data-i18n-placeholder]`. */
export function applyTexts(root, t) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}
