// What the operator's Enter key does on the ceremony page: the one step that comes next in the core's state
// machine, if it needs no typed input. Pure, tested in ui/tests/ceremony-steps.test.mjs. The core decides
// again whether the step is allowed; this only chooses which button Enter presses.

/** The command of the next step for a ceremony status (`ceremony_status`), or null when the next step needs
 *  typed input (a witness, entropy) or there is none. */
export function enterStep(status) {
  switch (status?.state) {
    case "prepared":
      return "ceremony_freeze";
    case "frozen":
      return "ceremony_commit";
    case "committed":
      return status.witnesses?.length > 0 ? "ceremony_close_witnesses" : null;
    case "entropy_collected":
      return "ceremony_seed";
    case "seeded":
    case "revealing":
      return "ceremony_reveal";
    case "revealed":
      return "ceremony_seal";
    default:
      return null;
  }
}

/** Whether space / → reveal the next target now. */
export function canRevealNext(status) {
  return status?.state === "seeded" || status?.state === "revealing";
}

/** The first witness who has not contributed entropy yet (the order in which they were recorded), or null. */
export function nextEntropyWitness(status) {
  return (status?.witnesses ?? []).find((w) => w.entropy === null || w.entropy === undefined) ?? null;
}

/** The steps of the ceremony as the page's progress line shows them, and which are done for a state. */
export const STEP_STATES = Object.freeze([
  "prepared",
  "frozen",
  "committed",
  "witnessed",
  "entropy_collected",
  "seeded",
  "revealing",
  "revealed",
  "sealed",
]);

/** 0-based index of a state in STEP_STATES (voided: -1). */
export function stepIndex(state) {
  return STEP_STATES.indexOf(state);
}
