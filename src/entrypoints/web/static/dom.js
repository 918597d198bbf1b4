// Building the page's elements. Text always goes in as text nodes: model output is untrusted, never parsed as HTML.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "disabled") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let noticeId = 0;

/** A message in the live region (read out by screen readers); errors stay until dismissed or replaced. */
export function notify(message, kind = "info") {
  const area = document.getElementById("notices");
  const id = `notice-${++noticeId}`;
  const close = h("button", { type: "button", class: "close", "aria-label": "Dismiss", onclick: () => note.remove() }, "×");
  const note = h("div", { class: `notice ${kind}`, id, role: kind === "error" ? "alert" : null }, h("span", {}, message), close);
  area.append(note);
  while (area.children.length > 4) area.firstElementChild.remove();
  if (kind !== "error") setTimeout(() => note.remove(), 6000);
  return note;
}

export function formatCost(cost) {
  return cost ? `$${cost.toPrecision(3)}` : "$0";
}

/** Save `text` as a file the browser downloads. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: name, class: "hidden" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

let queue = Promise.resolve();

/** Run the writer's commands one after another, in the order given: a key pressed while the previous
 * command is still on its way acts on the state that command leaves, not on the state before it. */
export function serial(action) {
  queue = queue.then(action).catch((error) => notify(String(error?.message || error), "error"));
  return queue;
}
