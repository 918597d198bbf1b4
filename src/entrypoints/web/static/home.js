// The first screen: the template picker and the list of pipelines to resume.
import { get } from "./api.js";
import { h, replace } from "./dom.js";

export async function renderHome(main) {
  const [templates, pipelines] = await Promise.all([get("/api/templates"), get("/api/pipelines")]);
  const picker = h("section", { "aria-labelledby": "templates-title" },
    h("h1", { id: "templates-title" }, "Start from a template"),
    h("ul", { class: "cards", id: "templates" }, templates.map((t) => h("li", {},
      h("a", { href: `#/new/${encodeURIComponent(t.name)}`, class: `card${t.valid ? "" : " invalid"}` },
        h("strong", {}, t.title || t.name), h("span", { class: "meta" }, ` ${t.name} · ${t.origin}`),
        h("span", { class: "desc" }, t.description),
        t.valid ? h("span", { class: "meta" }, t.steps.map((s) => s.name || s.key).join(" → "))
          : h("span", { class: "error" }, "invalid template: open it to see why"))))));
  const list = h("section", { "aria-labelledby": "pipelines-title" },
    h("h2", { id: "pipelines-title" }, "Resume a pipeline"),
    pipelines.length === 0 ? h("p", {}, "No pipeline yet.") : h("ul", { class: "list", id: "pipelines" },
      [...pipelines].reverse().map((p) => h("li", {},
        h("a", { href: `#/p/${encodeURIComponent(p.id)}` }, p.title || p.id.slice(0, 8)),
        h("span", { class: "meta" }, ` ${p.template} · ${p.branch} at ${p.current_step}`
          + `${p.completed ? " · complete" : ""} · ${p.updated_at.slice(0, 16).replace("T", " ")}`)))));
  replace(main, picker, list);
  main.querySelector("#templates a")?.focus();
  return () => {};
}
