// One pipeline: its state from the API (refetched whenever the WebSocket reports a stored event, whoever stored
// it), token chunks streamed into the candidates, and the writer's commands, each sent with the version seen.
import { ApiError, get, post } from "./api.js";
import { Card, stepHeading, stepList, visibleCandidates } from "./cards.js";
import { h, notify, replace, serial } from "./dom.js";
import { PipelineStream } from "./stream.js";
import { commands } from "./commands.js";
import { judgementTable } from "./judgement.js";

export class PipelinePage {
  constructor(main, id, { generate = false } = {}) {
    this.main = main;
    this.id = id;
    this.generateOnOpen = generate;
    this.state = null;
    this.viewed = null;
    this.marked = new Set();
    this.everything = false;
    this.live = new Map(); // candidate id -> text streamed so far
    this.queued = new Map(); // candidate id -> [text, reset] not drawn yet (drawn once per animation frame)
    this.cards = new Map();
    this.streamState = "connecting";
    this.commands = commands(this);
  }

  async open() {
    const state = await get(`/api/pipelines/${encodeURIComponent(this.id)}`);
    this.id = state.id;
    this.apply(state);
    this.stream = new PipelineStream(this.id, state.version, {
      onEvent: () => this.refresh(),
      onToken: (cid, text, reset) => this.token(cid, text, reset),
      onState: (s) => { this.streamState = s; this.where(); },
    });
    const step = this.step();
    if (this.generateOnOpen && step && step.candidates.length === 0) await this.commands.generateAll();
    return () => this.stream?.close();
  }

  step(key = this.viewed) {
    return this.state?.steps.find((s) => s.key === key);
  }

  visible() {
    const step = this.step();
    return step ? visibleCandidates(step, this.everything) : [];
  }

  async refresh() {
    if (this.fetching) { this.again = true; return; }
    this.fetching = true;
    try {
      do {
        this.again = false;
        this.apply(await get(`/api/pipelines/${encodeURIComponent(this.id)}`));
      } while (this.again);
    } catch (error) {
      notify(`Could not reload the pipeline: ${error.message}`, "error");
    } finally {
      this.fetching = false;
    }
  }

  /** Show `state`; a branch switched (here or by another client) shows that branch's current step. */
  apply(state, step) {
    const branchMoved = this.state && this.state.branch !== state.branch;
    if (this.state && state.version < this.state.version) return; // an older read finishing late
    this.state = state;
    if (step || branchMoved || !this.viewed || !this.step(this.viewed)) this.viewed = step || state.current_step;
    for (const s of state.steps) for (const c of s.candidates) if (c.status !== "pending") this.live.delete(c.id);
    this.render();
  }

  token(cid, text, reset) {
    const live = reset ? text : (this.live.get(cid) || "") + text;
    this.live.set(cid, live);
    const queued = this.queued.get(cid);
    this.queued.set(cid, reset || !queued ? [text, reset] : [queued[0] + text, queued[1]]);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.frame = 0;
    for (const [cid, [text, reset]] of this.queued) this.cards.get(cid)?.streamed(text, reset, this.live.get(cid).length);
    this.queued.clear();
  }

  where() {
    const step = this.step();
    const el = document.getElementById("where");
    if (!this.state || !el) return;
    const { template, inputs, id, branch, version } = this.state;
    el.textContent = `${template} · ${inputs.topic || id.slice(0, 8)} · branch ${branch} · step ${step?.name || this.viewed}`
      + ` · v${version} · ${this.streamState}`;
  }

  render() {
    const step = this.step();
    const focused = document.activeElement?.closest?.("[data-candidate]")?.dataset.candidate;
    this.queued.clear();
    const visible = this.visible();
    const cards = visible.map((c, i) => {
      const card = this.cards.get(c.id) || new Card(c, this.commands.card);
      this.cards.set(c.id, card);
      card.update(c, i + 1, { selected: c.id === step.selected, marked: this.marked.has(c.id), liveText: this.live.get(c.id) || "" });
      return card.el;
    });
    if (!this.layout) {
      this.nav = h("div", { class: "step-nav" });
      this.heading = h("div", {});
      this.toolbar = toolbar(this.commands);
      this.grid = h("section", { class: "grid", "aria-label": "Candidates", id: "candidates" });
      this.grid.addEventListener("focusin", (event) => {
        this.lastCard = event.target.closest("[data-candidate]")?.dataset.candidate || this.lastCard;
      });
      this.judged = h("section", { "aria-label": "Judgement" });
      this.layout = h("div", { class: "pipeline" }, this.nav, this.heading, this.toolbar, this.grid, this.judged);
      replace(this.main, this.layout);
    }
    replace(this.nav, stepList(this.state, this.viewed, (key) => this.show(key)));
    replace(this.heading, stepHeading(this.state, step));
    const shown = [...this.grid.children];
    if (!cards.length) replace(this.grid, h("p", { class: "empty" }, "No candidates yet: g generates this step."));
    else if (shown.length !== cards.length || shown.some((el, i) => el !== cards[i])) replace(this.grid, cards);
    this.grid.dataset.count = String(cards.length);
    replace(this.judged, judgementTable(step, visible));
    if (focused && this.cards.has(focused) && cards.includes(this.cards.get(focused).el)) this.cards.get(focused).el.focus();
    this.where();
  }

  show(key) {
    this.viewed = key;
    this.marked.clear();
    this.render();
  }

  /** Run a command; a refusal is shown, and a conflict (another client moved the pipeline) reloads it. */
  async act(what, run) {
    try {
      const state = await run();
      if (state && state.steps) this.apply(state);
      return state;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        notify(`Could not ${what}: ${error.message} (the pipeline is shown as it is now)`, "error");
        await this.refresh();
      } else {
        const details = error.errors?.length ? ` (${error.errors.map((e) => e.message).join("; ")})` : "";
        notify(`Could not ${what}: ${error.message}${details}`, "error");
      }
      return null;
    }
  }

  post(path, body) {
    return post(`/api/pipelines/${encodeURIComponent(this.id)}${path}`, { ...body, expected_version: this.state.version });
  }
}

function toolbar(commands) {
  const button = ([key, label, action]) =>
    h("button", { type: "button", "aria-keyshortcuts": key === "space" ? "Space" : key, onclick: () => serial(action),
      dataset: { key } }, `${label} (${key})`);
  return h("div", { class: "toolbar", role: "group", "aria-label": "Step commands" }, commands.buttons.map(button));
}
