// The app's file chooser: a path field the operator can type or paste into, and a browser of the local folders
// (the `list_folder` command) below it. There is no native dialog (see docs/ARCHITECTURE.md): this works the
// same on every platform, offline, and in the end-to-end tests, which type paths or click through folders.

import { call } from "./api.js";
import { h } from "./dom.js";
import { formatBytes } from "./format.js";
import { dirname } from "./importstate.js";

/**
 * `filePicker(ctx, {testid, mode: "file" | "folder", extensions, value, onchange})` → `{element, value()}`.
 * In "file" mode clicking a file chooses it; in "folder" mode "choose this folder" chooses the folder shown.
 */
export function filePicker(ctx, { testid, mode = "file", extensions = [], value = "", onchange = () => {} }) {
  const { t } = ctx;
  const input = h("input", { type: "text", class: "path", testid: `${testid}-path`, value, spellcheck: "false" });
  const browse = h("button", { type: "button", class: "ghost", testid: `${testid}-browse` }, t("picker.browse"));
  const current = h("code", { class: "current", testid: `${testid}-folder` });
  const list = h("ul", { class: "entries", testid: `${testid}-entries` });
  const up = h("button", { type: "button", class: "ghost", testid: `${testid}-up` }, t("picker.up"));
  const close = h("button", { type: "button", class: "ghost", testid: `${testid}-close` }, t("picker.close"));
  const chooseFolder =
    mode === "folder" ? h("button", { type: "button", class: "primary", testid: `${testid}-choose` }, t("picker.chooseFolder")) : null;
  const panel = h("div", { class: "browser", testid: `${testid}-browser`, hidden: true }, h("div", { class: "browser-head" }, up, current, chooseFolder, close), list);
  let shown = null;

  const choose = (path) => {
    input.value = path;
    panel.hidden = true;
    onchange(path);
  };

  async function open(path) {
    try {
      const folder = await call("list_folder", { path: path || null, extensions });
      shown = folder;
      current.textContent = folder.path;
      up.disabled = !folder.parent;
      const entries = folder.entries.filter((e) => mode === "file" || e.kind === "folder");
      list.replaceChildren(
        ...entries.map((e) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: `entry ${e.kind}`,
                testid: `${testid}-entry`,
                dataset: { name: e.name, kind: e.kind },
                onclick: () => (e.kind === "folder" ? open(e.path) : choose(e.path)),
              },
              h("span", { class: "icon", "aria-hidden": "true" }, e.kind === "folder" ? "📁" : "📄"),
              h("span", { class: "name" }, e.name),
              e.size === null ? null : h("span", { class: "size" }, formatBytes(e.size)),
            ),
          ),
        ),
      );
      if (entries.length === 0) list.append(h("li", { class: "none" }, t("picker.empty")));
      panel.hidden = false;
    } catch (e) {
      ctx.showError(e);
    }
  }

  browse.addEventListener("click", () => {
    const typed = input.value.trim();
    // Start where the typed path is: the folder itself in folder mode, the file's folder otherwise.
    open(mode === "folder" ? typed : dirname(typed));
  });
  up.addEventListener("click", () => shown?.parent && open(shown.parent));
  close.addEventListener("click", () => {
    panel.hidden = true;
  });
  chooseFolder?.addEventListener("click", () => shown && choose(shown.path));
  input.addEventListener("change", () => onchange(input.value.trim()));

  const element = h("div", { class: "picker", testid }, h("div", { class: "picker-row" }, input, browse), panel);
  return { element, value: () => input.value.trim() };
}
