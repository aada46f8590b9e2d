// Shared page helpers for the live pages: the message catalog the server rendered, list items
// cloned from server-rendered <template>s, keyed list patching that keeps focus and typing, a
// throttled screen-reader announcer, and forms read as protocol commands.
//
// User text is only ever set with textContent.

/** The strings of the page's #live-strings element; `t(key, {n: 3})` fills `{n}`. */
export function catalog() {
  const el = document.getElementById("live-strings");
  const strings = el ? JSON.parse(el.dataset.strings || "{}") : {};
  return (key, args = {}) => {
    const text = strings[key];
    // A missing key shows itself: a catalog bug, never silent English.
    if (text === undefined) return key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole));
  };
}

/** Sets text only when it changed (no needless DOM writes, no repeated announcements). */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

/** Shows or hides an element with the `hidden` attribute. */
export function show(el, visible) {
  if (el && el.hidden === visible) el.hidden = !visible;
}

export function setAttr(el, name, value) {
  if (el && el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/**
 * A fresh list item from the <template id=templateId>, with the blank item's id 0 replaced by
 * `key` in ids, ARIA references and hidden `question_id`/`entry_id` fields.
 */
export function fromTemplate(templateId, key) {
  const template = document.getElementById(templateId);
  const item = template.content.firstElementChild.cloneNode(true);
  const fix = (value) => value.replace(/\b(q|mine)-0\b/g, `$1-${key}`);
  for (const node of [item, ...item.querySelectorAll("*")]) {
    for (const name of ["id", "aria-labelledby", "aria-describedby"]) {
      const value = node.getAttribute(name);
      if (value) node.setAttribute(name, fix(value));
    }
  }
  for (const input of item.querySelectorAll('input[name="question_id"], input[name="entry_id"]')) {
    input.value = String(key);
  }
  item.dataset.id = String(key);
  return item;
}

/**
 * Makes `list`'s children match `items` (in order), reusing elements by key so a person's focus,
 * open <details> and half-typed text survive. Only elements out of place are moved; if the
 * focused element had to move, focus and the text selection are put back.
 */
export function patchList(list, items, keyOf, build, update) {
  const active = document.activeElement;
  const hadFocus = active && list.contains(active) ? active : null;
  const selection = hadFocus && "selectionStart" in hadFocus
    ? [hadFocus.selectionStart, hadFocus.selectionEnd] : null;
  const existing = new Map();
  for (const child of list.children) existing.set(child.dataset.id, child);
  const wanted = new Set();
  let cursor = list.firstElementChild;
  for (const item of items) {
    const key = String(keyOf(item));
    wanted.add(key);
    let el = existing.get(key);
    if (!el) {
      el = build(item, key);
      el.dataset.id = key;
    }
    update(el, item);
    if (el === cursor) {
      cursor = cursor.nextElementSibling;
    } else {
      list.insertBefore(el, cursor);
    }
  }
  for (const child of [...list.children]) {
    if (!wanted.has(child.dataset.id)) child.remove();
  }
  if (hadFocus && hadFocus.isConnected && document.activeElement !== hadFocus) {
    hadFocus.focus({ preventScroll: true });
    if (selection) {
      try { hadFocus.setSelectionRange(selection[0], selection[1]); } catch { /* not a text field */ }
    }
  }
}

/**
 * A polite live region that says at most one thing every few seconds: counts add up in
 * between ("3 new questions"), so a busy session does not drown a screen reader.
 */
export class Announcer {
  constructor(region, everyMs = 4000) {
    this.region = region;
    this.everyMs = everyMs;
    this.counts = new Map();
    this.timer = null;
    this.last = 0;
  }

  /** Counts `n` more of `key` (a catalog message with `{n}`) to announce. */
  count(key, n, t) {
    if (!this.region || n <= 0) return;
    this.counts.set(key, (this.counts.get(key) || 0) + n);
    this.t = t;
    this.#schedule();
  }

  /** Announces `text` soon (it replaces counts waiting to be said). */
  say(text) {
    if (!this.region) return;
    this.counts.clear();
    this.text = text;
    this.#schedule();
  }

  #schedule() {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.everyMs - Date.now());
    this.timer = setTimeout(() => this.#flush(), Math.max(wait, 300));
  }

  #flush() {
    this.timer = null;
    this.last = Date.now();
    const parts = [...this.counts].map(([key, n]) => this.t(key, { n }));
    if (this.text) parts.unshift(this.text);
    this.counts.clear();
    this.text = null;
    // Emptying first makes a repeat of the same words be read again.
    this.region.textContent = "";
    setTimeout(() => { this.region.textContent = parts.join(" "); }, 50);
  }
}

const NUMBER_FIELDS = new Set(["question_id", "into", "entry_id", "participant_id"]);
const BOOL_FIELDS = new Set(["up", "pinned", "suspended", "ban", "anonymous"]);
/** The two sides of toggles, as the server's `command_from_form` reads them too. */
const ALIASES = {
  vote: ["vote", { up: true }],
  unvote: ["vote", { up: false }],
  pin: ["pin", { pinned: true }],
  unpin: ["pin", { pinned: false }],
  clear_screen: ["show_on_screen", { question_id: null }],
  remove: ["remove_participant", { ban: false }],
  ban: ["remove_participant", { ban: true }],
  suspend: ["suspend", { suspended: true }],
  resume: ["suspend", { suspended: false }],
  youth: ["set_safeguarding", { level: "youth" }],
  standard: ["set_safeguarding", { level: "standard" }],
};

/**
 * The protocol command a form would post: its fields plus the pressed button's name and value,
 * `action` naming the command (`client_id` is left out: the connection makes its own).
 */
export function commandFromForm(form, submitter) {
  const fields = [];
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === "submit" || el.type === "button") continue;
    if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
    fields.push([el.name, el.value]);
  }
  if (submitter && submitter.name) fields.push([submitter.name, submitter.value]);
  const command = {};
  let action = "";
  for (const [name, value] of fields) {
    if (name === "client_id") continue;
    if (name === "action") { action = value; continue; }
    if (NUMBER_FIELDS.has(name)) command[name] = value.trim() === "" ? null : Number(value);
    else if (BOOL_FIELDS.has(name)) command[name] = ["true", "on", "yes"].includes(value);
    else command[name] = value;
  }
  const [type, extra] = ALIASES[action] || [action, {}];
  return { type, ...command, ...extra };
}

/** Calls `handler(form, submitter, event)` for submits of `form[data-command]` inside `root`. */
export function onCommandSubmit(root, handler) {
  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-command]");
    if (!form) return;
    event.preventDefault();
    handler(form, event.submitter || null, event);
  });
}

/** Unhides the controls that only work with script, and hides what only helps without it. */
export function scriptReady(root = document) {
  for (const el of root.querySelectorAll("[data-pause]")) el.hidden = false;
  for (const el of root.querySelectorAll("[data-no-js]")) el.hidden = true;
}

/** The wire name of an error frame's code as a message ("Not done: ..."). */
export function errorText(t, frame) {
  return t(`live-error-${frame && frame.code ? frame.code : "unavailable"}`);
}
