// The judge's table below a step's candidates: a row per candidate, a column per criterion, the score and the
// judge's reason in each cell. Read-only: the judge never selects. Text goes in as text nodes (model output).
import { formatCost, h } from "./dom.js";

/** The latest judgement of `step` as a table, numbering candidates as `visible` does; null when there is none. */
export function judgementTable(step, visible) {
  const judged = step?.judgement;
  if (!judged) return null;
  const numbers = new Map(visible.map((c, i) => [c.id, i + 1]));
  const rows = new Map();
  for (const s of judged.scores) {
    if (!rows.has(s.candidate_id)) rows.set(s.candidate_id, new Map());
    rows.get(s.candidate_id).set(s.criterion, s);
  }
  const order = [...rows.keys()].sort((a, b) => (numbers.get(a) ?? 99) - (numbers.get(b) ?? 99));
  const cell = (s) => (s ? h("td", {}, h("strong", {}, String(s.score)), " ", s.reason) : h("td", {}, "–"));
  const body = order.map((cid) =>
    h("tr", { dataset: { candidate: cid } },
      h("th", { scope: "row" }, numbers.has(cid) ? String(numbers.get(cid)) : cid.slice(0, 8)),
      judged.criteria.map((c) => cell(rows.get(cid).get(c)))));
  const caption = `Judged by ${judged.model} (${formatCost(judged.usage.cost)}); it selects nothing`
    + (judged.error ? `; recorded without scores: ${judged.error}` : "");
  return h("table", { class: "judgement", id: "judgement" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "candidate"),
      judged.criteria.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, body));
}
