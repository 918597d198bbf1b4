// The TUI's keys, on the page: they act when no text field has focus and no dialog is open.
import { dialogOpen, showHelp } from "./dialogs.js";
import { serial } from "./dom.js";

export const HELP = [
  ["1–9", "select a candidate"], ["Enter", "select the focused candidate"], ["e", "edit a candidate (saved as a new version)"],
  ["f", "feedback, then regenerate the step"], ["r / g", "regenerate this candidate / all"],
  ["Space, m", "mark candidates, merge them (by hand or by a model)"], ["x", "cancel a running candidate (its text so far is kept)"],
  ["n / p", "next / previous step"], ["b", "branch tree: switch, or k to fork here"], ["d", "diff of two candidates"],
  ["s", "export (Markdown, JSON, YAML, JSON lines)"], ["a", "keep a stale step as it is"], ["c", "copy the text"],
  ["h", "show earlier rounds"], ["← / →", "previous / next candidate"], ["Esc", "home"], ["?", "help"],
];

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/** Install the keys; `page()` is the step view now open (or null on other screens). */
export function installKeys(page, home) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || dialogOpen() || typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const onControl = event.target instanceof HTMLElement && /^(BUTTON|A)$/.test(event.target.tagName);
    if (event.key === "?") return run(event, () => showHelp(HELP));
    const current = page();
    if (!current?.state) return;
    const c = current.commands;
    const onCard = event.target instanceof HTMLElement && event.target.matches("[data-candidate]");
    const table = {
      e: c.edit, f: c.feedback, r: c.regenerate, g: c.generateAll, m: c.merge, x: () => c.cancel(), n: c.next, p: c.previous,
      b: c.branches, d: c.diff, s: c.export, a: c.keep, c: c.copy, h: c.history, Escape: home,
      ArrowLeft: () => c.focusCandidate(-1), ArrowRight: () => c.focusCandidate(1),
    };
    if (/^[1-9]$/.test(event.key)) return run(event, () => c.select(Number(event.key)));
    if (event.key === " " && !onControl) return run(event, c.mark);
    if (event.key === "Enter" && onCard) {
      const number = current.visible().findIndex((x) => x.id === event.target.dataset.candidate) + 1;
      return run(event, () => c.select(number));
    }
    if (table[event.key]) run(event, table[event.key]);
  });
}

function run(event, action) {
  event.preventDefault();
  serial(action);
}
