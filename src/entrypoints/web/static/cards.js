// The step view's parts: the step list (with stale marks), the step's heading and its candidates side by side.
// Candidate cards are kept by id and updated in place, so streaming text and keyboard focus survive a refresh.
import { formatCost, h, replace } from "./dom.js";

/** The candidates worth showing, as the TUI shows them: since the last round of several, plus the selection. */
export function visibleCandidates(step, everything) {
  if (everything) return step.candidates;
  const rounds = new Map();
  for (const c of step.candidates) if (c.origin === "generated") rounds.set(c.generation, (rounds.get(c.generation) || 0) + 1);
  const full = [...rounds].filter(([, n]) => n > 1).map(([g]) => g);
  const since = full.length ? Math.max(...full) : Math.max(0, ...rounds.keys());
  return step.candidates.filter((c) => c.generation >= since || c.id === step.selected);
}

export function stepList(state, viewed, open) {
  return h("nav", { "aria-label": "Steps" }, h("ol", { class: "steps" }, state.steps.map((s) =>
    h("li", {}, h("button", {
      type: "button", class: `step ${s.status}${s.stale ? " stale" : ""}`, "aria-current": s.key === viewed ? "step" : null,
      onclick: () => open(s.key), dataset: { step: s.key },
    }, s.name || s.key, h("span", { class: "badge" }, s.stale ? "stale" : s.status))))));
}

export function stepHeading(state, step) {
  const totals = state.totals;
  return h("div", { class: "step-head" },
    h("h1", { id: "step-title" }, `${step.name || step.key}`, h("span", { class: "meta" }, ` · ${step.status} · round ${step.generation}`)),
    step.stale ? h("p", { class: "stale-note", role: "note" },
      "Stale: an earlier step's selection changed since this was made. a keeps it as it is, g regenerates.") : null,
    step.pending_feedback.length
      ? h("p", { class: "hint" }, `Feedback for the next round: ${step.pending_feedback.join(" / ")}`) : null,
    h("p", { class: "meta totals" }, `branch ${state.branch} · ${totals.input_tokens + totals.output_tokens} tokens`
      + `${totals.estimated ? " (some estimated)" : ""} · ${formatCost(totals.cost)}`));
}

export class Card {
  constructor(candidate, handlers) {
    this.id = candidate.id;
    this.body = document.createTextNode("");
    this.meta = h("span", { class: "meta" });
    this.title = h("h2", { class: "card-title", id: `title-${candidate.id}` });
    this.mark = h("input", { type: "checkbox", "aria-label": "Mark for merge or diff", onchange: () => handlers.mark(this.id) });
    this.select = h("button", { type: "button", class: "select", onclick: () => handlers.select(this.id) }, "Select");
    this.cancel = h("button", { type: "button", class: "secondary cancel", onclick: () => handlers.cancel(this.id) }, "Cancel (x)");
    this.error = h("p", { class: "error" });
    this.el = h("article", { class: "candidate", tabindex: "0", "aria-labelledby": `title-${candidate.id}`, dataset: { candidate: candidate.id } },
      h("header", {}, this.title, this.meta),
      h("div", { class: "card-actions" }, h("label", { class: "check" }, this.mark, " mark"), this.select, this.cancel),
      this.error, h("pre", { class: "text", "aria-live": "off" }, this.body));
  }

  update(candidate, number, { selected, marked, liveText }) {
    const pending = candidate.status === "pending";
    const u = candidate.usage;
    replace(this.title, `${number}. ${candidate.model}`, selected ? h("span", { class: "badge selected" }, "selected") : null,
      candidate.origin !== "generated" ? h("span", { class: "badge" }, candidate.origin) : null);
    this.meta.textContent = pending
      ? ` streaming · ${liveText.length} characters`
      : ` ${candidate.status} · ${u.input_tokens} in / ${u.output_tokens} out tokens${u.estimated ? " (estimated)" : ""}`
        + ` · ${formatCost(candidate.cost)}${candidate.cached ? " · cached" : ""}`;
    const text = pending ? liveText : candidate.text;
    if (this.body.data !== text) this.body.data = text;
    this.error.textContent = candidate.error ? `${candidate.status}: ${candidate.error}` : "";
    this.el.className = `candidate ${candidate.status}${selected ? " is-selected" : ""}${marked ? " is-marked" : ""}`;
    this.el.dataset.status = candidate.status;
    this.mark.checked = marked;
    this.select.disabled = candidate.status !== "completed";
    this.select.textContent = `Select (${number})`;
    this.cancel.hidden = !pending;
  }

  streamed(text, reset, length) {
    if (reset) this.body.data = text;
    else this.body.appendData(text);
    this.meta.textContent = ` streaming · ${length} characters`;
  }
}
