// A template's inputs (and the models to ask), checked by the API before anything runs; errors shown by field.
import { ApiError, get, post } from "./api.js";
import { h, notify, replace } from "./dom.js";

function control(spec) {
  const props = { id: `input-${spec.key}`, name: spec.key, required: spec.required || null,
    "aria-describedby": `error-${spec.key}${spec.help ? ` help-${spec.key}` : ""}` };
  if (spec.type === "choice") {
    return h("select", props, spec.required ? null : h("option", { value: "" }, "—"),
      spec.options.map((o) => h("option", { value: o, selected: o === spec.default || null }, o)));
  }
  if (spec.type === "boolean") return h("input", { ...props, type: "checkbox", checked: Boolean(spec.default) });
  const tag = spec.type === "textarea" ? "textarea" : "input";
  const el = h(tag, { ...props, type: spec.type === "number" ? "number" : tag === "input" ? "text" : null,
    step: spec.type === "number" ? "any" : null, placeholder: spec.placeholder || null,
    maxlength: spec.max_length || null, rows: tag === "textarea" ? "6" : null });
  if (spec.default !== null && spec.default !== undefined) el.value = String(spec.default);
  return el;
}

function row(key, label, el, help = "") {
  return h("div", { class: "field", dataset: { field: key } },
    h("label", { for: el.id }, label),
    el,
    help ? h("small", { id: `help-${key}` }, help) : null,
    h("p", { class: "error", id: `error-${key}`, "aria-live": "polite" }));
}

function value(spec, el) {
  if (spec.type === "boolean") return el.checked;
  if (el.value === "") return null;
  return spec.type === "number" ? Number(el.value) : el.value;
}

/** Put each problem under its field (the last part of a field path names the input); the rest on top. */
function showErrors(form, errors, detail) {
  form.querySelectorAll(".error").forEach((p) => { p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const general = [];
  for (const e of errors) {
    const key = String(e.field || "").split(".").pop();
    const slot = form.querySelector(`#error-${CSS.escape(key === "models" ? "model" : key)}`);
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent}; ${e.message}` : e.message;
      form.querySelector(`[name="${CSS.escape(key === "models" ? "model" : key)}"]`)?.setAttribute("aria-invalid", "true");
    } else general.push(e.line ? `line ${e.line}: ${e.message}` : e.message);
  }
  replace(form.querySelector("#form-errors"), general.length ? `${detail}: ${general.join("; ")}` : errors.length ? detail : "");
  form.querySelector("[aria-invalid]")?.focus();
}

export async function renderForm(main, name, go) {
  const template = await get(`/api/templates/${encodeURIComponent(name)}`);
  const controls = template.inputs.map((spec) => [spec, control(spec)]);
  const models = h("input", { id: "input-model", name: "model", placeholder: "e.g. markov, echo (empty: the template's)",
    "aria-describedby": "error-model help-model" });
  const form = h("form", { id: "start-form", novalidate: true },
    h("h1", {}, template.title || name), h("p", {}, template.description),
    h("p", { class: "error", id: "form-errors", role: "alert" }),
    controls.map(([spec, el]) => row(spec.key, `${spec.label || spec.key}${spec.required ? " (required)" : ""}`, el, spec.help)),
    row("model", "Models for every step (comma-separated)", models, "Recorded with the pipeline; each answers every step."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Start"), h("a", { href: "#/" }, "Back")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const inputs = Object.fromEntries(controls.map(([spec, el]) => [spec.key, value(spec, el)]).filter(([, v]) => v !== null));
    const chosen = models.value.split(",").map((m) => m.trim()).filter(Boolean);
    try {
      const state = await post("/api/pipelines", { template: name, inputs, ...(chosen.length ? { models: chosen } : {}) });
      go(`#/p/${state.id}`, { generate: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) showErrors(form, error.errors, error.message);
      else notify(error.message, "error");
    }
  });
  replace(main, form);
  form.querySelector("input, textarea, select")?.focus();
  return () => {};
}
