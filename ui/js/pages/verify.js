// The 核验 page: choose a record bundle (.zip or folder), verify it off the window's thread exactly as
// `fairdraw verify` does, and say plainly MATCH (with the seed and fingerprints) or the first difference.

import { call } from "../api.js";
import { fill, h } from "../dom.js";
import { filePicker } from "../filepicker.js";
import { verdictView } from "../importstate.js";

let lastBundle = "";

export async function verifyPage(ctx) {
  const { t } = ctx;
  const picker = filePicker(ctx, { testid: "verify-file", extensions: ["zip"], value: lastBundle });
  const start = h("button", { type: "button", class: "primary", testid: "verify-start" }, t("verify.start"));
  const status = h("span", { class: "progress-text", testid: "verify-status" });
  const result = h("section", { class: "verdict", testid: "verify-result", hidden: true });

  start.addEventListener("click", async () => {
    const path = picker.value();
    if (!path) return;
    lastBundle = path;
    start.disabled = true;
    result.hidden = true;
    status.textContent = t("verify.running");
    try {
      const view = verdictView(await call("verify_bundle", { path }), t);
      result.className = `verdict ${view.match ? "match" : "mismatch"}`;
      fill(result,
        h("div", { class: "verdict-title", testid: "verify-verdict" }, view.title),
        h("p", {}, t(view.match ? "verify.matchLead" : "verify.mismatchLead")),
        h(
          "dl",
          { class: "facts" },
          view.lines.map(([k, v], i) => [h("dt", {}, k), h("dd", { class: "mono", testid: `verify-line-${i}` }, v)]),
        ),
      );
      result.hidden = false;
    } catch (e) {
      ctx.showError(e);
    } finally {
      status.textContent = "";
      start.disabled = false;
    }
  });

  return h(
    "div",
    { class: "page", testid: "page-verify" },
    h("header", { class: "page-head" }, h("h1", {}, t("verify.heading")), h("p", { class: "lead" }, t("verify.lead"))),
    h(
      "section",
      { class: "card wide" },
      h("div", { class: "field" }, h("label", {}, t("verify.bundle")), h("div", { class: "control" }, picker.element)),
      h("div", { class: "actions" }, start, status),
    ),
    result,
  );
}
