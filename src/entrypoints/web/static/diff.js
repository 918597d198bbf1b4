// A word diff of two texts (longest common subsequence), rendered as text nodes in <del> and <ins>.
import { h } from "./dom.js";

const LIMIT = 4_000_000; // cells of the LCS table; past that, diff line by line instead of word by word

function tokens(text, byLine) {
  // A word keeps the spaces after it: aligning on bare spaces would scatter a change into pieces.
  return byLine ? text.split(/(?<=\n)/) : text.match(/\S+\s*|\s+/g) || [];
}

/** [{op: "same" | "del" | "add", text}] turning `a` into `b`. */
export function diff(a, b) {
  let x = tokens(a, false);
  let y = tokens(b, false);
  if (x.length * y.length > LIMIT) {
    x = tokens(a, true);
    y = tokens(b, true);
  }
  if (x.length * y.length > LIMIT) return [{ op: "del", text: a }, { op: "add", text: b }]; // too long to align
  const n = x.length;
  const m = y.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const at = i * (m + 1) + j;
      table[at] = x[i] === y[j] ? table[at + m + 2] + 1 : Math.max(table[at + m + 1], table[at + 1]);
    }
  }
  const out = [];
  const push = (op, text) => {
    const last = out[out.length - 1];
    if (last && last.op === op) last.text += text;
    else out.push({ op, text });
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      push("same", x[i++]);
      j++;
    } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) push("del", x[i++]);
    else push("add", y[j++]);
  }
  while (i < n) push("del", x[i++]);
  while (j < m) push("add", y[j++]);
  return out;
}

export function renderDiff(a, b) {
  const tag = { same: "span", del: "del", add: "ins" };
  return h("pre", { class: "diff", tabindex: "0" }, diff(a, b).map((part) => h(tag[part.op], {}, part.text)));
}
