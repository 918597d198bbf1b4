// The step view's commands, one per TUI key; each sends the version the page last saw (409 if it moved on).
import { getText, post } from "./api.js";
import { askExport, askMerge, askText, chooseBranch, showDiff } from "./dialogs.js";
import { download, notify, serial } from "./dom.js";

const EXTENSIONS = { markdown: "md", json: "json", yaml: "yaml", jsonl: "jsonl" };

export function commands(page) {
  const id = () => encodeURIComponent(page.id);
  const stepPath = (action) => `/steps/${encodeURIComponent(page.viewed)}/${action}`;
  const label = (c) => `${page.visible().indexOf(c) + 1} (${c.model})`;
  const focused = () => {
    const cid = document.activeElement?.closest?.("[data-candidate]")?.dataset.candidate || page.lastCard;
    const visible = page.visible();
    return visible.find((c) => c.id === cid) || visible.find((c) => c.id === page.step().selected) || visible[0];
  };
  const generate = (body, what = "generate") => page.act(what, async () => {
    await page.post(stepPath("generate"), body);
    await page.refresh();
  });
  const selectId = (cid) => page.act("select", () => page.post(stepPath("select"), { candidate_id: cid }));

  const c = {
    select(number) {
      const target = page.visible()[number - 1];
      if (!target) return notify(`There is no candidate ${number} on this step.`, "warning");
      return selectId(target.id);
    },
    async edit() {
      const target = focused();
      if (!target) return;
      const text = await askText({ title: `Edit candidate ${label(target)}`, label: "Text", value: target.text || page.live.get(target.id) || "" });
      if (text !== null) await page.act("save the edit", () => page.post(stepPath("edit"), { text, candidate_id: target.id }));
    },
    async feedback() {
      const text = await askText({ title: "Feedback", label: "What should the next round do differently?", submit: "Regenerate with it" });
      if (text !== null) await generate({ feedback: text }, "regenerate with feedback");
    },
    regenerate() {
      const target = focused();
      return target && generate({ candidate_id: target.id }, "regenerate");
    },
    generateAll: () => generate({}),
    mark() {
      const target = focused();
      if (!target) return;
      if (page.marked.has(target.id)) page.marked.delete(target.id);
      else page.marked.add(target.id);
      page.render();
    },
    async merge() {
      const marked = page.visible().filter((x) => page.marked.has(x.id));
      if (marked.length < 2) return notify("Mark at least two candidates (space), then press m.", "warning");
      const request = await askMerge(marked.length);
      if (!request) return;
      const ids = marked.map((x) => x.id);
      if (request.byHand) {
        const joined = marked.map((x) => `<!-- candidate ${label(x)} -->\n${x.text}`).join("\n\n");
        const text = await askText({ title: `Merge ${ids.length} candidates by hand`, label: "Merged text", value: joined });
        if (text !== null && await page.act("merge", () => page.post(stepPath("merge"), { candidate_ids: ids, text }))) page.marked.clear();
        return;
      }
      notify(`Merging ${ids.length} candidates with ${request.model || "the default model"}…`);
      const body = { candidate_ids: ids, instruction: request.instruction, ...(request.model ? { model: request.model } : {}) };
      if (await page.act("merge", () => page.post(stepPath("merge"), body))) {
        page.marked.clear();
        notify("Merged: the merge is now the selection.");
      }
    },
    async cancel(cid) {
      const target = cid ? page.visible().find((x) => x.id === cid) : focused();
      if (!target || target.status !== "pending") return notify("The focused candidate is not running.", "warning");
      const path = `/api/pipelines/${id()}/candidates/${encodeURIComponent(target.id)}/cancel`;
      const result = await page.act("cancel", () => post(path));
      if (result && !result.cancelled) notify(`Candidate ${label(target)} had already finished.`, "warning");
    },
    next() {
      const keys = page.state.steps.map((s) => s.key);
      const index = keys.indexOf(page.viewed);
      if (index === keys.length - 1) return notify("This is the last step: s exports the article.");
      if (!page.step().selected) return notify("Select a candidate first (1–9), then press n.", "warning");
      page.show(keys[index + 1]);
      return page.step().candidates.length === 0 ? generate({}) : undefined;
    },
    previous() {
      const keys = page.state.steps.map((s) => s.key);
      page.show(keys[Math.max(keys.indexOf(page.viewed) - 1, 0)]);
    },
    async branches() {
      const choice = await chooseBranch(page.state, page.viewed);
      if (choice?.fork) {
        const state = await page.act("fork", () => page.post("/fork", { from_step: choice.fork }));
        if (state) notify(`Forked branch '${state.branch}' at step '${choice.fork}'.`);
      } else if (choice?.switch && choice.switch !== page.state.branch) {
        await page.act("switch branch", () => page.post(`/branches/${encodeURIComponent(choice.switch)}/switch`, {}));
      }
    },
    diff() {
      const withText = page.visible().filter((x) => x.text || page.live.get(x.id));
      const marked = withText.filter((x) => page.marked.has(x.id));
      const target = focused();
      const selected = withText.find((x) => x.id === page.step().selected);
      let pair = marked.length >= 2 ? marked.slice(0, 2) : null;
      if (!pair && selected && target && target !== selected && withText.includes(target)) {
        pair = [selected, target].sort((a, b) => withText.indexOf(a) - withText.indexOf(b));
      }
      if (!pair && withText.length >= 2) pair = withText.slice(0, 2);
      if (!pair) return notify("A diff needs two candidates with text.", "warning");
      const text = (x) => x.text || page.live.get(x.id) || "";
      return showDiff(label(pair[0]), text(pair[0]), label(pair[1]), text(pair[1]));
    },
    async export() {
      const choice = await askExport();
      if (!choice) return;
      const query = new URLSearchParams({ format: choice.format, branch: page.state.branch });
      if (choice.appendix) query.set("appendix", "true");
      await page.act("export", async () => {
        const text = await getText(`/api/pipelines/${id()}/export?${query}`);
        download(`${page.state.template}-${page.id.slice(0, 8)}.${EXTENSIONS[choice.format]}`, text, "text/plain");
        notify(`Exported ${choice.format}.`);
      });
    },
    keep: () => page.act("keep the stale step", () => page.post(stepPath("keep"), {})),
    async copy() {
      const target = focused();
      if (!target) return;
      await navigator.clipboard.writeText(target.text || page.live.get(target.id) || "");
      notify(`Copied candidate ${label(target)}.`);
    },
    history() {
      page.everything = !page.everything;
      page.render();
    },
    focusCandidate(delta) {
      const cards = [...page.grid.querySelectorAll("[data-candidate]")];
      if (!cards.length) return;
      const index = cards.indexOf(document.activeElement?.closest?.("[data-candidate]"));
      cards[(index + delta + cards.length) % cards.length].focus();
    },
  };
  const focusCard = (cid) => document.querySelector(`[data-candidate="${CSS.escape(cid)}"]`)?.focus();
  c.card = {
    select: (cid) => serial(() => selectId(cid)),
    mark: (cid) => serial(() => { focusCard(cid); c.mark(); }),
    cancel: (cid) => serial(() => c.cancel(cid)),
  };
  c.buttons = [
    ["e", "Edit", c.edit], ["f", "Feedback", c.feedback], ["r", "Regenerate", c.regenerate], ["g", "Regenerate all", c.generateAll],
    ["space", "Mark", c.mark], ["m", "Merge", c.merge], ["x", "Cancel", () => c.cancel()], ["d", "Diff", c.diff],
    ["p", "Previous step", c.previous], ["n", "Next step", c.next], ["b", "Branches", c.branches], ["a", "Keep stale", c.keep],
    ["s", "Export", c.export], ["c", "Copy", c.copy], ["h", "All rounds", c.history],
  ];
  return c;
}
