// The page's entry: routes (#/ home, #/new/<template> the form, #/p/<id> a pipeline), the token, the keys.
import { get } from "./api.js";
import { showHelp } from "./dialogs.js";
import { notify, replace, h } from "./dom.js";
import { renderForm } from "./form.js";
import { renderHome } from "./home.js";
import { HELP, installKeys } from "./keys.js";
import { PipelinePage } from "./pipeline.js";

const main = document.getElementById("main");
let leave = () => {};
let current = null;
let options = {};

function go(hash, opts = {}) {
  options = opts;
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  leave();
  leave = () => {};
  current = null;
  document.getElementById("where").textContent = "";
  const [, kind, arg] = (location.hash || "#/").match(/^#\/?([a-z]*)\/?(.*)$/) || [];
  const opts = options;
  options = {};
  try {
    if (kind === "new") leave = await renderForm(main, decodeURIComponent(arg), go);
    else if (kind === "p") {
      current = new PipelinePage(main, decodeURIComponent(arg), opts);
      leave = await current.open();
    } else leave = await renderHome(main);
  } catch (error) {
    const where = (e) => `${e.line ? `line ${e.line}: ` : ""}${e.field ? `${e.field}: ` : ""}`;
    const problems = (error.errors || []).map((e) => h("li", {}, `${where(e)}${e.message}`));
    replace(main, h("p", { class: "error", role: "alert" }, `Could not open this page: ${error.message}`),
      problems.length ? h("ul", { class: "error" }, problems) : null, h("p", {}, h("a", { href: "#/" }, "Home")));
  }
}

document.getElementById("help-button").addEventListener("click", () => showHelp(HELP));

installKeys(() => current, () => go("#/"));
window.addEventListener("hashchange", route);
/** The version and the first screen at once (one round trip, not two); a refused token or a dead server is said. */
function connect() {
  Promise.all([get("/api/health"), route()]).then(([health]) => {
    document.getElementById("version").textContent = `v${health.version}`;
  }).catch((error) => {
    notify(`The API did not answer: ${error.message}`, "error");
    replace(main, h("p", { class: "error", role: "alert" }, `The API did not answer: ${error.message}.`),
      h("button", { type: "button", onclick: connect }, "Try again"));
  });
}

connect();
