// Building DOM safely: trail content is untrusted, so it only ever becomes text nodes, never HTML.
export const $ = (selector, root = document) => root.querySelector(selector);

/** An element with attributes and children; strings become text nodes. `class` sets className. */
export function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") n.className = v;
    else if (k === "indent") n.style.setProperty("--depth", String(v)); // through the CSSOM: CSP forbids style attributes
    else n.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return n;
}

/** Says `text` to screen readers through the page's polite live region. */
export function announce(text) {
  const live = document.getElementById("live");
  if (!live) return;
  live.textContent = "";
  requestAnimationFrame(() => (live.textContent = text));
}

/** Copies text: the async clipboard where the page is a secure context, a selected textarea otherwise. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // permission refused: fall through to the selection
  }
  const area = el("textarea", { class: "offscreen", "aria-hidden": "true", tabindex: "-1" });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** A button that copies what `text()` returns and says so. */
export function copyButton(text, what = "value", label = "Copy") {
  // The accessible name always starts with the visible text (WCAG 2.5.3), also while the button
  // says "Copied": a speech-input user says what they see.
  const named = (shown) => (label === "Copy" ? `${shown} ${what}` : shown);
  const b = el("button", { type: "button", class: "copy", "aria-label": named(label) }, label);
  const show = (shown) => {
    b.textContent = shown;
    b.setAttribute("aria-label", named(shown));
  };
  b.addEventListener("click", async (ev) => {
    ev.stopPropagation();
    const ok = await copyText(text());
    show(ok ? "Copied" : "Copy failed");
    announce(ok ? `${what} copied` : `could not copy ${what}`);
    setTimeout(() => show(label), 1500);
  });
  return b;
}

/**
 * Appends items to `parent` a slice per animation frame, so a long list never blocks the page.
 * Resolves when all are in.
 */
export function appendInSlices(parent, items, render, slice = 150) {
  return new Promise((resolve) => {
    let i = 0;
    const step = () => {
      const frag = document.createDocumentFragment();
      for (const end = Math.min(items.length, i + slice); i < end; i++) {
        const node = render(items[i], i);
        if (node) frag.append(node);
      }
      parent.append(frag);
      if (i < items.length) requestAnimationFrame(step);
      else resolve();
    };
    step();
  });
}

/**
 * Shows `items` in `parent` in order, one node each, reusing the node drawn before for an item
 * whose key has not changed. The first draw goes in slices; a redraw (a new page of data) is one
 * synchronous swap, so the reader's scroll position and focus stay where they were.
 */
export async function renderKeyed(parent, items, keyOf, render) {
  const before = parent.__keyed ?? new Map();
  const after = new Map();
  const draw = (item, i) => {
    const key = keyOf(item);
    const node = before.get(key) ?? render(item, i);
    after.set(key, node);
    return node;
  };
  if (!parent.firstChild) await appendInSlices(parent, items, draw);
  else parent.replaceChildren(...items.map(draw));
  parent.__keyed = after;
}
