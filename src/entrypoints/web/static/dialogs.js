// Modal dialogs (the native <dialog>: focus is trapped inside, Escape closes it). Each resolves with the answer,
// or null when dismissed.
import { h, replace } from "./dom.js";
import { renderDiff } from "./diff.js";

let current = null;

export function dialogOpen() {
  return current !== null;
}

/** Show `body` under `title`; `form` buttons submit with their value; resolves with `read(value)` or null. */
function open(title, body, buttons, read = (value) => value) {
  const dialog = document.getElementById("dialog");
  const heading = h("h2", { id: "dialog-title" }, title);
  const actions = h("div", { class: "actions" }, buttons.map(([value, label]) =>
    h("button", { type: "submit", value, class: value === "cancel" ? "secondary" : "", formnovalidate: value === "cancel" || null }, label)));
  const form = h("form", { method: "dialog" }, heading, body, actions);
  dialog.setAttribute("aria-labelledby", "dialog-title");
  replace(dialog, form);
  return new Promise((resolve) => {
    current = resolve;
    const finish = (value) => {
      current = null;
      resolve(value === null || value === "cancel" || value === "" ? null : read(value));
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = event.submitter?.value ?? buttons[0][0];
      dialog.close();
      finish(value);
    });
    dialog.addEventListener("cancel", () => finish(null), { once: true });
    dialog.showModal();
    (form.querySelector("[autofocus]") || form.querySelector("textarea, input, select, button"))?.focus();
  });
}

function field(label, control) {
  return h("label", { class: "field" }, h("span", {}, label), control);
}

export function askToken(problem = "") {
  const input = h("input", { type: "password", name: "token", autocomplete: "off", required: true, autofocus: true });
  const body = h("div", {},
    h("p", {}, "This server needs its API token (WRITEIT_API_TOKEN). It is kept for this tab only."),
    problem ? h("p", { class: "error", role: "alert" }, problem) : null,
    field("API token", input));
  return open("API token", body, [["ok", "Use token"], ["cancel", "Cancel"]], () => input.value.trim() || null);
}

export function askText({ title, label, value = "", submit = "Save", hint = "" }) {
  const area = h("textarea", { name: "text", rows: "14", autofocus: true });
  area.value = value;
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) area.form.requestSubmit();
  });
  const body = h("div", {}, hint ? h("p", { class: "hint" }, hint) : null, field(label, area));
  return open(title, body, [["ok", `${submit} (Ctrl+Enter)`], ["cancel", "Cancel"]], () => area.value.trim() ? area.value : null);
}

export function askMerge(count) {
  const instruction = h("input", { name: "instruction", placeholder: "e.g. keep the first's structure and the second's examples", autofocus: true });
  const model = h("input", { name: "model", placeholder: "empty: the default model" });
  const body = h("div", {}, h("p", {}, `Merge ${count} marked candidates.`),
    field("Instruction for the merging model", instruction), field("Merging model", model));
  return open("Merge", body, [["model", "Ask the model"], ["hand", "Merge by hand"], ["cancel", "Cancel"]],
    (value) => value === "hand" ? { byHand: true }
      : { byHand: false, instruction: instruction.value.trim() || "Keep the best of each.", model: model.value.trim() });
}

export function askExport() {
  const format = h("select", { name: "format", autofocus: true },
    ["markdown", "json", "yaml", "jsonl"].map((f) => h("option", { value: f }, f)));
  const appendix = h("input", { type: "checkbox", name: "appendix" });
  const body = h("div", {}, field("Format", format),
    h("label", { class: "check" }, appendix, " Markdown: add the candidates not taken, and the feedback"));
  return open("Export", body, [["ok", "Download"], ["cancel", "Cancel"]], () => ({ format: format.value, appendix: appendix.checked }));
}

export function showDiff(labelA, a, labelB, b) {
  const body = h("div", {}, h("p", { class: "legend" }, h("del", {}, labelA), " → ", h("ins", {}, labelB)), renderDiff(a, b));
  return open(`Diff: ${labelA} → ${labelB}`, body, [["cancel", "Close"]]);
}

export function showHelp(keys) {
  const rows = keys.map(([key, what]) => h("tr", {}, h("th", { scope: "row" }, h("kbd", {}, key)), h("td", {}, what)));
  const body = h("table", { class: "keys" }, h("caption", {}, "Keys work when no text field has focus."), h("tbody", {}, rows));
  return open("Keys", body, [["cancel", "Close"]]);
}

/** The branch tree: switch to a branch, or fork a new one at `step`. */
export function chooseBranch(state, step) {
  const children = (parent) => state.branches.filter((b) => b.parent === parent);
  const item = (b) => h("li", {},
    h("button", { type: "submit", value: `switch:${b.name}`, "aria-current": b.name === state.branch ? "true" : null },
      `${b.name}${b.name === state.branch ? " (current)" : ""}`),
    h("span", { class: "meta" },
      ` ${b.fork_step ? `forked at ${b.fork_step}, ` : ""}at ${b.current_step}${b.completed ? ", complete" : ""}`),
    children(b.name).length ? h("ul", {}, children(b.name).map(item)) : null);
  const body = h("div", {}, h("ul", { class: "tree", "aria-label": "Branches" }, children(null).map(item)));
  const answer = open("Branches", body, [[`fork:${step}`, `Fork a branch here (at ${step}) (k)`], ["cancel", "Close"]], (value) => {
    const [kind, name] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
    return kind === "fork" ? { fork: name } : { switch: name };
  });
  const form = document.querySelector("#dialog form");
  form.addEventListener("keydown", (event) => {
    if (event.key === "k") form.requestSubmit(form.querySelector('button[value^="fork:"]'));
  });
  return answer;
}
