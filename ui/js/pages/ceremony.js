// The 摇号 page: the operator's controls of the ceremony on the stage, one step at a time as the core's state
// machine allows — start → freeze → commit → witnesses → close → entropy per witness → seed → reveal → seal —
// plus void (reason and operator, at any step before the seal), recording start/stop, markers and, after the
// seal, the video file (hashed in the background with a progress bar).
//
// Keyboard (when the focus is not in a text field): Enter performs the next step that needs no typing;
// space or → reveals the next target. Every step calls one command and re-renders from the status it returns;
// the stage follows through the `ceremony-changed` event.

import { call, on } from "../api.js";
import { h } from "../dom.js";
import { formatBytes, percent } from "../format.js";
import { canRevealNext, enterStep, nextEntropyWitness, STEP_STATES, stepIndex } from "../ceremony-steps.js";
import { hexLines, rulesInWords } from "../stage-format.js";
import { field } from "./plans.js";

function input(testid, attrs = {}) {
  return h("input", { type: "text", testid, ...attrs });
}

function progressLine(t, state) {
  const at = stepIndex(state);
  return h(
    "ol",
    { class: "steps", testid: "ceremony-steps" },
    ...STEP_STATES.map((s, i) => h("li", { class: i < at ? "done" : i === at ? "current" : "" }, t(`state.${s}`))),
  );
}

function hex(label, value, testid) {
  return h("div", { class: "hex" }, h("span", { class: "field-label" }, label), h("code", { testid }, hexLines(value, 8).join(" ")));
}

function targetsTable(t, targets) {
  return h(
    "table",
    { class: "grid", testid: "ceremony-revealed" },
    h("thead", {}, h("tr", {}, ...["ceremony.position", "col.code", "col.name", "col.region", "ceremony.stratum", "ceremony.group"].map((k) => h("th", {}, t(k))))),
    h(
      "tbody",
      {},
      ...targets.map((x, i) =>
        h("tr", {}, h("td", {}, String(i + 1)), h("td", { class: "mono" }, x.code), h("td", {}, x.name), h("td", {}, x.region), h("td", {}, x.stratum ?? ""), h("td", {}, x.group ?? "—")),
      ),
    ),
  );
}

export async function ceremonyPage(ctx) {
  const { t } = ctx;
  const root = h("div", { class: "page ceremony", testid: "page-ceremony" });
  let status = null;
  let busy = false;
  let videoProgress = null;

  const run = async (command, args = {}, errorSlot = null) => {
    if (busy) return;
    busy = true;
    root.dataset.busy = "1";
    try {
      status = await call(command, { id: status.id, ...args });
      await render();
    } catch (e) {
      if (errorSlot) errorSlot.textContent = e.message;
      else ctx.showError(e);
    } finally {
      busy = false;
      delete root.dataset.busy;
    }
  };

  const stepButton = (command, label, args = {}) =>
    h("button", { type: "button", class: "primary", testid: `step-${command.replace("ceremony_", "")}`, onclick: () => run(command, args) }, label);

  function startSection(tasks, ceremonies) {
    const task = h("select", { testid: "ceremony-task" }, ...tasks.map((x) => h("option", { value: x.number }, `${x.number} ${x.name}`)));
    const operator = input("ceremony-operator");
    const digits = h("input", { type: "number", min: "1", max: "64", value: String(ctx.choices.min_entropy_digits), testid: "ceremony-min-digits", class: "short" });
    const error = h("p", { class: "field-error", testid: "ceremony-start-error" });
    const form = h(
      "form",
      {
        class: "card form",
        testid: "ceremony-start-form",
        onsubmit: async (e) => {
          e.preventDefault();
          error.textContent = "";
          try {
            status = await call("ceremony_start", { task: task.value, operator: operator.value, minDigits: Number(digits.value) || null });
            await render();
          } catch (err) {
            error.textContent = err.message;
          }
        },
      },
      h("h2", {}, t("ceremony.start")),
      tasks.length === 0 ? h("p", { class: "muted" }, t("ceremony.noTasks")) : null,
      h("div", { class: "form-row" }, field(t("ceremony.task"), task), field(t("ceremony.operator"), operator), field(t("ceremony.minDigits"), digits)),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", testid: "ceremony-start" }, t("ceremony.startButton")), error),
    );
    const list = h(
      "section",
      { class: "card" },
      h("h2", {}, t("ceremony.list")),
      ceremonies.length === 0
        ? h("p", { class: "muted" }, t("ceremony.none"))
        : h(
            "table",
            { class: "grid", testid: "ceremony-list" },
            h("tbody", {}, ...ceremonies.map((c) =>
              h(
                "tr",
                {},
                h("td", {}, `${c.task_number} ${c.task_name}`),
                h("td", {}, t("ceremony.attempt", { attempt: c.attempt })),
                h("td", {}, t(`state.${c.state}`)),
                h("td", {}, h("button", { type: "button", class: "ghost", testid: `ceremony-open-${c.id}`, onclick: () => open(c.id) }, t("ceremony.showOnStage"))),
              ),
            )),
          ),
    );
    return [form, list];
  }

  async function open(id) {
    try {
      await call("set_stage_ceremony", { id });
      status = id === null ? null : await call("ceremony_status", { id });
      await render();
    } catch (e) {
      ctx.showError(e);
    }
  }

  function witnessSection() {
    const name = input("witness-name");
    const role = h("select", { testid: "witness-role" }, ...ctx.choices.witness_roles.map((r) => h("option", { value: r }, r)));
    const unit = input("witness-unit");
    const error = h("p", { class: "field-error", testid: "witness-error" });
    return h(
      "form",
      {
        class: "form",
        testid: "witness-form",
        onsubmit: (e) => {
          e.preventDefault();
          error.textContent = "";
          run("ceremony_add_witness", { name: name.value, role: role.value, unit: unit.value }, error);
        },
      },
      h("div", { class: "form-row" }, field(t("witness.name"), name), field(t("witness.role"), role), field(t("witness.unit"), unit)),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", testid: "witness-add" }, t("witness.add")), error),
    );
  }

  function witnessesTable() {
    const next = nextEntropyWitness(status);
    const entropyCell = (w) => {
      if (w.entropy !== null) return h("code", { testid: `entropy-${w.seq}` }, w.entropy);
      if (status.state !== "witnessed") return "—";
      const digits = input(`entropy-input-${w.seq}`, { inputmode: "numeric", class: "entropy", placeholder: t("entropy.placeholder", { min: status.min_entropy_digits }) });
      const error = h("span", { class: "field-error", testid: `entropy-error-${w.seq}` });
      const form = h(
        "form",
        {
          class: "inline-form",
          onsubmit: (e) => {
            e.preventDefault();
            error.textContent = "";
            run("ceremony_add_entropy", { witness: String(w.seq), digits: digits.value }, error);
          },
        },
        digits,
        h("button", { type: "submit", class: "primary", testid: `entropy-submit-${w.seq}` }, t("entropy.submit")),
        error,
      );
      if (next && next.seq === w.seq) queueMicrotask(() => digits.focus());
      return form;
    };
    return h(
      "table",
      { class: "grid", testid: "witnesses" },
      h("thead", {}, h("tr", {}, ...["witness.seq", "witness.name", "witness.role", "witness.unit", "entropy.heading"].map((k) => h("th", {}, t(k))))),
      h("tbody", {}, ...status.witnesses.map((w) => h("tr", { testid: `witness-${w.seq}` }, h("td", {}, String(w.seq)), h("td", {}, w.name), h("td", {}, w.role), h("td", {}, w.unit), h("td", {}, entropyCell(w))))),
    );
  }

  function mainControls() {
    const s = status;
    // The step to take now comes first; what is already fixed (rules, fingerprints) follows.
    const step = h("section", { class: "card step" }, h("h2", {}, t("ceremony.nextStep")));
    const parts = [step];
    switch (s.state) {
      case "prepared":
        step.append(h("p", {}, t("ceremony.freezeHint")), stepButton("ceremony_freeze", t("ceremony.freeze")));
        break;
      case "frozen":
        step.append(h("p", {}, t("ceremony.commitHint")), stepButton("ceremony_commit", t("ceremony.commit")));
        break;
      case "committed":
        step.append(h("p", {}, t("ceremony.witnessHint")), witnessSection());
        if (s.witnesses.length > 0) step.append(stepButton("ceremony_close_witnesses", t("ceremony.closeWitnesses")));
        break;
      case "witnessed":
        step.append(h("p", {}, t("ceremony.entropyHint", { min: s.min_entropy_digits })));
        break;
      case "entropy_collected":
        step.append(h("p", {}, t("ceremony.seedHint", { bits: s.entropy_bits.toFixed(1) })), stepButton("ceremony_seed", t("ceremony.seed")));
        break;
      case "seeded":
      case "revealing":
        step.append(
          h("p", { testid: "ceremony-reveal-count" }, t("ceremony.revealCount", { done: s.reveal_position, total: s.targets ?? 0 })),
          h("div", { class: "actions" }, stepButton("ceremony_reveal", t("ceremony.revealNext"), { all: false }), h("button", { type: "button", class: "outline", testid: "step-reveal-all", onclick: () => run("ceremony_reveal", { all: true }) }, t("ceremony.revealAll"))),
        );
        break;
      case "revealed":
        step.append(h("p", {}, t("ceremony.sealHint")), stepButton("ceremony_seal", t("ceremony.seal")));
        break;
      case "sealed":
        step.append(hex(t("ceremony.recordHash"), s.record_hash, "ceremony-record-hash"), videoSection());
        break;
      case "voided":
        step.append(h("p", { class: "warn", testid: "ceremony-voided" }, t("ceremony.voidedLine", { reason: s.void_reason ?? "", operator: s.void_operator ?? "" })));
        break;
      default:
        break;
    }
    if (s.revealed.length > 0) parts.push(h("section", { class: "card" }, h("h2", {}, t("ceremony.revealed")), targetsTable(t, s.revealed)));
    if (s.witnesses.length > 0) parts.push(h("section", { class: "card" }, h("h2", {}, t("witness.heading")), witnessesTable()));
    if (s.seed) parts.push(h("section", { class: "card" }, hex(t("ceremony.secret"), s.secret, "ceremony-secret"), hex(t("ceremony.seedValue"), s.seed, "ceremony-seed")));
    if (s.summary) {
      const departments = (s.summary.departments ?? []).map((code) => ({ code, name: ctx.departments.get(code) ?? code }));
      parts.push(h("section", { class: "card" }, h("h2", {}, t("stage.rulesHeading")), h("ul", { testid: "ceremony-rules" }, ...rulesInWords(s.summary, departments, t).map((l) => h("li", {}, l)))));
    }
    if (s.fingerprints) parts.push(h("section", { class: "card" }, h("h2", {}, t("ceremony.fingerprints")), hex(t("ceremony.fpInputs"), s.fingerprints.inputs, "ceremony-fp-inputs"), s.commitment ? hex(t("ceremony.commitment"), s.commitment, "ceremony-commitment") : null));

    return parts;
  }

  function videoSection() {
    const path = input("video-path", { placeholder: t("video.pathPlaceholder") });
    const bar = h("progress", { max: "100", value: "0", testid: "video-progress", hidden: true });
    const text = h("span", { class: "progress-text", testid: "video-status" });
    const button = h("button", { type: "submit", class: "primary", testid: "video-attach" }, t("video.attach"));
    videoProgress = (job) => {
      bar.hidden = false;
      bar.value = percent(job.done, job.total);
      text.textContent = t("video.hashing", { done: formatBytes(job.done), total: formatBytes(job.total) });
    };
    return h(
      "form",
      {
        class: "form",
        testid: "video-form",
        onsubmit: async (e) => {
          e.preventDefault();
          button.disabled = true;
          try {
            const v = await call("ceremony_attach_video", { id: status.id, path: path.value });
            bar.value = 100;
            text.textContent = t("video.done", { name: v.file_name, size: formatBytes(v.size), sha: v.sha256 });
          } catch (err) {
            text.textContent = err.message;
          } finally {
            button.disabled = false;
          }
        },
      },
      h("h3", {}, t("video.heading")),
      h("div", { class: "form-row" }, field(t("video.path"), path)),
      h("div", { class: "actions" }, button, bar, text),
    );
  }

  function sideControls() {
    const s = status;
    if (s.state === "voided") return [];
    const device = input("recording-device", { value: t("recording.defaultDevice") });
    const running = s.recordings.filter((r) => !r.stopped_at);
    const marker = input("marker-text");
    const parts = [
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("recording.heading")),
        ...running.map((r) => h("p", { class: "ok", testid: `recording-${r.id}` }, t("recording.running", { device: r.device, since: r.started_at.slice(11, 19) }))),
        h(
          "div",
          { class: "form-row" },
          field(t("recording.device"), device),
          h("button", { type: "button", class: "outline", testid: "recording-start", onclick: () => run("ceremony_record_start", { device: device.value }) }, t("recording.start")),
          h("button", { type: "button", class: "outline", testid: "recording-stop", onclick: () => run("ceremony_record_stop", { device: device.value }) }, t("recording.stop")),
        ),
        h(
          "form",
          {
            class: "form-row",
            onsubmit: (e) => {
              e.preventDefault();
              run("ceremony_mark", { text: marker.value });
            },
          },
          field(t("marker.text"), marker),
          h("button", { type: "submit", class: "outline", testid: "marker-add" }, t("marker.add")),
        ),
      ),
    ];
    if (s.state !== "sealed") {
      const reason = input("void-reason");
      const operator = input("void-operator", { value: s.operator });
      const error = h("p", { class: "field-error", testid: "void-error" });
      parts.push(
        h(
          "form",
          {
            class: "card danger",
            testid: "void-form",
            onsubmit: (e) => {
              e.preventDefault();
              error.textContent = "";
              run("ceremony_void", { reason: reason.value, operator: operator.value }, error);
            },
          },
          h("h2", {}, t("void.heading")),
          h("p", { class: "muted" }, t("void.hint")),
          h("div", { class: "form-row" }, field(t("void.reason"), reason), field(t("void.operator"), operator)),
          h("div", { class: "actions" }, h("button", { type: "submit", class: "danger", testid: "void-submit" }, t("void.submit")), error),
        ),
      );
    }
    return parts;
  }

  async function render() {
    if (status === null) {
      const [tasks, ceremonies] = await Promise.all([call("list_tasks", { plan: null }), call("ceremony_list")]);
      root.replaceChildren(h("header", { class: "page-head" }, h("h1", {}, t("ceremony.heading"))), ...startSection(tasks, ceremonies), keysHelp());
      return;
    }
    const s = status;
    root.dataset.state = s.state;
    root.replaceChildren(
      h(
        "header",
        { class: "page-head" },
        h("h1", { testid: "ceremony-title" }, `${s.task_number} ${s.task_name}`),
        h("span", { class: "badge", testid: "ceremony-state" }, t(`state.${s.state}`)),
        h("span", { class: "muted" }, t("ceremony.attempt", { attempt: s.attempt })),
        h("button", { type: "button", class: "ghost", testid: "ceremony-leave", onclick: () => open(null) }, t("ceremony.leave")),
      ),
      progressLine(t, s.state),
      h("div", { class: "ceremony-grid" }, h("div", { class: "ceremony-main" }, ...mainControls()), h("div", { class: "ceremony-side" }, ...sideControls(), keysHelp())),
    );
  }

  function keysHelp() {
    return h("section", { class: "card keys", testid: "ceremony-keys" }, h("h2", {}, t("keys.heading")), h("ul", {}, h("li", {}, t("keys.enter")), h("li", {}, t("keys.reveal")), h("li", {}, t("keys.stage"))));
  }

  const onKey = (e) => {
    if (!root.isConnected) {
      document.removeEventListener("keydown", onKey);
      return;
    }
    if (status === null || busy) return;
    const tag = e.target?.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || tag === "BUTTON") return;
    if (e.key === "Enter") {
      const command = enterStep(status);
      if (command) {
        e.preventDefault();
        run(command, command === "ceremony_reveal" ? { all: false } : {});
      }
    } else if ((e.key === " " || e.key === "ArrowRight") && canRevealNext(status)) {
      e.preventDefault();
      run("ceremony_reveal", { all: false });
    }
  };
  document.addEventListener("keydown", onKey);

  const stopChanged = await on("ceremony-changed", async (change) => {
    if (!root.isConnected) {
      stopChanged();
      return;
    }
    // A step taken elsewhere (space on the projector): read the status again. The page's own steps already
    // rendered the status they returned; re-rendering the same status would only drop what is being typed.
    if (status && change.id === status.id && !busy) {
      const fresh = await call("ceremony_status", { id: status.id });
      if (JSON.stringify(fresh) !== JSON.stringify(status)) {
        status = fresh;
        await render();
      }
    }
  });
  const stopJob = await on("job", (job) => {
    if (!root.isConnected) {
      stopJob();
      return;
    }
    if (job.kind === "video" && job.state === "progress" && videoProgress) videoProgress(job);
  });

  ctx.choices = await call("choices");
  const onStage = (await call("get_settings")).settings.stage.ceremony;
  if (onStage !== null && onStage !== undefined) {
    try {
      status = await call("ceremony_status", { id: onStage });
    } catch {
      status = null; // the ceremony is not in this database
    }
  }
  await render();
  return root;
}
