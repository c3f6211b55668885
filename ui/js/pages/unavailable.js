// The honest placeholder of a part of the workflow that is not built yet: it says so and offers nothing.

import { h } from "../dom.js";

export function unavailablePage(id, labelKey) {
  return async (ctx) => {
    const { t } = ctx;
    return h(
      "div",
      { class: "page", testid: `page-${id}` },
      h("header", { class: "page-head" }, h("h1", {}, t(labelKey))),
      h(
        "div",
        { class: "notice", testid: "unavailable" },
        h("strong", {}, t("unavailable.title")),
        h("p", {}, t("unavailable.body", { page: t(labelKey) })),
      ),
    );
  };
}
