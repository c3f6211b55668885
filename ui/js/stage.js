// The projector's stage. It shows only what the `stage_view` command returns and fetches it again whenever
// the settings or the windows change; it has no controls, only the keyboard: F11 toggles full screen,
// Escape leaves it.

import { call, on } from "./api.js";
import { applyTexts } from "./dom.js";
import { formatClock } from "./format.js";
import { translator } from "./i18n.js";

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
let view = null;
let t = translator("zh");

function tick() {
  const c = formatClock(new Date(), t);
  $("stage-time").textContent = c.time;
  $("stage-date").textContent = c.date;
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
  if (e.key === "F11" || (e.key === "Escape" && view?.fullscreen)) {
    e.preventDefault();
    try {
      await call("toggle_stage_fullscreen");
    } catch (err) {
      console.error(err);
    }
  }
});

await on("settings-changed", refresh);
await on("windows-changed", refresh);
await refresh();
setInterval(tick, 1000);
document.body.dataset.ready = "1";
