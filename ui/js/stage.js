// The projector's stage. It shows only what the `stage_view` command returns — the idle screen, or the
// ceremony on the stage at the step the core has stored — and fetches it again whenever the settings, the
// windows or the ceremony change. It has no controls, only the keyboard: F11 toggles full screen, Escape
// leaves it, and space or → reveal the next target (the same core step as the console's button), so the
// operator may stand at the projector. The reveal animation shows only targets the core has revealed.

import { call, on } from "./api.js";
import { applyTexts, h } from "./dom.js";
import { formatClock, formatCount } from "./format.js";
import { translator } from "./i18n.js";
import { hexLines, rulesInWords } from "./stage-format.js";

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const SVG = "http://www.w3.org/2000/svg";
let view = null;
let t = translator("zh");
// The reveal position last drawn, so that only a newly revealed target is animated.
let shownPosition = null;

function tick() {
  const c = formatClock(new Date(), t);
  $("stage-time").textContent = c.time;
  $("stage-date").textContent = c.date;
}

function heading(c) {
  return h(
    "header",
    { class: "sc-head" },
    h("div", { class: "sc-number", testid: "stage-task-number" }, c.task_number),
    h("div", { class: "sc-name", testid: "stage-task-name" }, c.task_name),
    c.attempt > 1 ? h("div", { class: "sc-attempt" }, t("stage.attempt", { attempt: c.attempt })) : null,
  );
}

function hexBlock(label, value, testid, perLine = 4) {
  return h("div", { class: "sc-hex" }, h("div", { class: "sc-label" }, label), h("div", { class: "sc-mono", testid }, ...hexLines(value, perLine).map((l) => h("div", {}, l))));
}

function witnessList(c, withEntropy) {
  return h(
    "ol",
    { class: "sc-witnesses", testid: "stage-witnesses" },
    ...c.witnesses.map((w) =>
      h(
        "li",
        { testid: `stage-witness-${w.seq}` },
        h("span", { class: "sc-wname" }, w.name),
        h("span", { class: "sc-wrole" }, `${w.role}${w.unit ? ` · ${w.unit}` : ""}`),
        withEntropy
          ? h("span", { class: w.entropy ? "sc-entropy" : "sc-entropy pending", testid: `stage-entropy-${w.seq}` }, w.entropy ?? t("stage.waitingEntropy"))
          : null,
      ),
    ),
  );
}

function qr(code) {
  const svg = document.createElementNS(SVG, "svg");
  const q = 4; // the quiet zone QR readers need around the code, in modules
  svg.setAttribute("viewBox", `${-q} ${-q} ${code.width + 2 * q} ${code.width + 2 * q}`);
  svg.setAttribute("class", "sc-qr");
  svg.dataset.testid = "stage-qr";
  svg.setAttribute("shape-rendering", "crispEdges");
  const bg = document.createElementNS(SVG, "rect");
  for (const [k, v] of Object.entries({ x: -q, y: -q, width: code.width + 2 * q, height: code.width + 2 * q, fill: "#fff" })) bg.setAttribute(k, v);
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", code.path);
  path.setAttribute("fill", "#000");
  svg.append(bg, path);
  return svg;
}

function groupLine(group) {
  if (!group || !group.members) return null;
  const leader = group.leader?.staff_no;
  const names = group.members.map((m) => (m.staff_no === leader ? t("stage.leaderMark", { name: m.name }) : m.name));
  return h("div", { class: "sc-group", testid: "stage-current-group" }, t("stage.groupLine", { group: group.number, members: names.join("、") }));
}

function finalTable(c) {
  const byGroup = new Map((c.groups ?? []).map((g) => [g.number, g]));
  return h(
    "table",
    { class: "sc-table", testid: "stage-final" },
    h("thead", {}, h("tr", {}, ...["stage.colNo", "stage.colEntity", "stage.colRegion", "stage.colGroup"].map((k) => h("th", {}, t(k))))),
    h(
      "tbody",
      {},
      ...c.revealed.map((x, i) => {
        const g = byGroup.get(x.group);
        return h(
          "tr",
          {},
          h("td", {}, String(i + 1)),
          h("td", {}, x.name),
          h("td", {}, x.region),
          h("td", {}, g ? `${x.group}：${g.members.map((m) => m.name).join("、")}` : "—"),
        );
      }),
    ),
  );
}

function phaseBody(phase, c) {
  const names = c.departments.map((d) => d.name).join("、");
  switch (phase) {
    case "task":
      return [
        h("div", { class: "sc-kicker" }, t("stage.taskKicker")),
        h("div", { class: "sc-big", testid: "stage-task-title" }, c.task_name),
        h("div", { class: "sc-line" }, t("stage.departments", { departments: names })),
        h("div", { class: "sc-line" }, t("stage.drawDate", { date: c.draw_date })),
      ];
    case "rules":
      return [
        h("div", { class: "sc-kicker" }, t("stage.rulesHeading")),
        h("ul", { class: "sc-rules", testid: "stage-rules" }, ...rulesInWords(c.summary, c.departments, t).map((l) => h("li", {}, l))),
        hexBlock(t("stage.fpInputs"), c.fingerprints?.inputs, "stage-fp-inputs", 4),
      ];
    case "commitment":
      return [
        h("div", { class: "sc-kicker" }, t("stage.commitmentHeading")),
        hexBlock(t("stage.fpInputs"), c.fingerprints?.inputs, "stage-fp-inputs", 4),
        hexBlock(t("stage.commitment"), c.commitment, "stage-commitment", 4),
        h("div", { class: "sc-note" }, t("stage.commitmentNote")),
      ];
    case "witnesses":
      return [h("div", { class: "sc-kicker" }, t("stage.witnessesHeading")), witnessList(c, false), hexBlock(t("stage.commitment"), c.commitment, "stage-commitment", 4)];
    case "entropy":
      return [
        h("div", { class: "sc-kicker" }, t("stage.entropyHeading")),
        witnessList(c, true),
        h("div", { class: "sc-note", testid: "stage-entropy-bits" }, t("stage.entropyBits", { bits: c.entropy_bits.toFixed(1) })),
      ];
    case "seed":
      return [
        h("div", { class: "sc-kicker" }, t("stage.seedHeading")),
        hexBlock(t("stage.secret"), c.secret, "stage-secret", 4),
        hexBlock(t("stage.seed"), c.seed, "stage-seed", 4),
        h("div", { class: "sc-note", testid: "stage-targets" }, t("stage.targetsToReveal", { targets: formatCount(c.targets ?? 0) })),
      ];
    case "reveal": {
      const x = c.current;
      const fresh = shownPosition !== null && x.position > shownPosition;
      return [
        h("div", { class: "sc-kicker", testid: "stage-reveal-count" }, t("stage.revealCount", { position: x.position, targets: c.targets })),
        h(
          "div",
          { class: fresh ? "sc-card reveal-in" : "sc-card", testid: "stage-current" },
          h("div", { class: "sc-code" }, x.code),
          h("div", { class: "sc-big", testid: "stage-current-name" }, x.name),
          h("div", { class: "sc-line" }, [x.region, x.stratum ? t("stage.stratum", { stratum: x.stratum }) : null].filter(Boolean).join(" · ")),
          groupLine(x.group_detail),
        ),
        c.revealed.length > 1
          ? h("div", { class: "sc-recent", testid: "stage-revealed" }, h("span", { class: "sc-label" }, t("stage.earlier")), ...c.revealed.slice(0, -1).slice(-5).map((r) => h("span", {}, r.name)))
          : null,
        h("div", { class: "sc-note" }, t("stage.revealKeys")),
      ];
    }
    case "final":
      return [h("div", { class: "sc-kicker" }, t("stage.finalHeading", { targets: c.revealed.length })), finalTable(c)];
    case "sealed":
      return [
        h("div", { class: "sc-kicker" }, t("stage.sealedHeading")),
        h("div", { class: "sc-sealed" }, c.qr ? qr(c.qr) : null, hexBlock(t("stage.recordHash"), c.record_hash, "stage-record-hash", 4)),
        h("div", { class: "sc-note" }, t("stage.sealedNote")),
      ];
    case "voided":
      return [h("div", { class: "sc-kicker warn" }, t("stage.voidedHeading")), h("div", { class: "sc-big", testid: "stage-void-reason" }, c.void_reason ?? "")];
    default:
      return [];
  }
}

function render() {
  t = translator(view.lang);
  document.documentElement.lang = view.lang === "zh" ? "zh-CN" : "en";
  document.body.classList.toggle("theme-dark", view.theme === "dark");
  document.body.classList.toggle("theme-light", view.theme !== "dark");
  document.body.dataset.phase = view.phase;
  applyTexts(document, t);
  const dept = $("stage-department");
  dept.textContent = view.department ? view.department.name : "";
  dept.hidden = !view.department;
  const c = view.ceremony;
  $("stage-idle").hidden = c !== null;
  const main = $("stage-ceremony");
  main.hidden = c === null;
  if (c) {
    main.replaceChildren(heading(c), h("section", { class: `sc-body phase-${view.phase}`, testid: `stage-phase-${view.phase}` }, ...phaseBody(view.phase, c)));
    shownPosition = c.current?.position ?? 0;
  } else {
    shownPosition = null;
  }
  tick();
}

async function refresh() {
  try {
    view = await call("stage_view");
    render();
  } catch (e) {
    // The stage shows no error details to the audience; the console reports database problems.
    console.error(e);
  }
}

document.addEventListener("keydown", async (e) => {
  try {
    if (e.key === "F11" || (e.key === "Escape" && view?.fullscreen)) {
      e.preventDefault();
      await call("toggle_stage_fullscreen");
    } else if ((e.key === " " || e.key === "ArrowRight") && (view?.phase === "seed" || view?.phase === "reveal")) {
      e.preventDefault();
      await call("stage_reveal_next");
    }
  } catch (err) {
    console.error(err);
  }
});

await on("settings-changed", refresh);
await on("windows-changed", refresh);
await on("ceremony-changed", refresh);
await refresh();
setInterval(tick, 1000);
document.body.dataset.ready = "1";
