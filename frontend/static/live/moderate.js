// The moderator console: the review queue, the Q&A controls, the floor queue, backstage notes.
// Every action is a server-rendered form (it works without script); this module sends it over
// the websocket instead, keeps the lists current, and adds single-key shortcuts on the focused
// question. What this connection may do comes from the snapshot's `you.role`, not the page.

import { LiveConnection } from "./connection.js";
import { LiveModel, heldFor, questionMeta, sortQuestions } from "./model.js";
import {
  Announcer, catalog, commandFromForm, errorText, fromTemplate, onCommandSubmit, patchList,
  scriptReady, setAttr, setText, show,
} from "./ui.js";

const root = document.querySelector('[data-live="moderator"]');
if (root) start(root);

function start(root) {
  const t = catalog();
  const $ = (selector) => root.querySelector(selector);
  const model = new LiveModel();
  const announcer = new Announcer($("[data-announce]"));
  let ready = false;
  let paused = false;
  let missed = 0;

  const connection = new LiveConnection({
    sessionId: root.dataset.session,
    onFrame(frame) {
      const change = model.apply(frame);
      if (!change) return;
      if (ready && change.fresh) {
        const pending = change.fresh.filter((q) => q.status === "pending").length;
        announcer.count("mod-new-pending", pending, t);
        announcer.count("live-new-questions", change.fresh.length - pending, t);
      }
      if (frame.type === "snapshot") ready = true;
      if (paused && ["question", "question_removed", "tallies"].includes(frame.type)) missed += 1;
      render();
    },
    onStatus(state) {
      setText($("[data-connection]"), {
        connecting: t("live-connecting"),
        connected: t("live-connected"),
        reconnecting: t("live-reconnecting"),
      }[state] || t("live-reconnecting"));
    },
  });

  // ---- drawing ------------------------------------------------------------------------------
  let queued = false;
  function render() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw();
    });
  }

  function draw() {
    const state = model.state;
    const moderator = model.role === "moderator";
    const note = $("[data-role-note]");
    show(note, ready && !moderator);
    setText(note, ready && !moderator ? t("mod-not-moderator") : "");
    for (const button of root.querySelectorAll("form[data-command] button")) {
      if (ready && !moderator) button.disabled = true;
    }
    setText($("[data-qa-text]"), t("live-qa-state-is", { state: t(`live-state-${state.qa_state}`) }));
    if (model.presence !== null) setText($("[data-presence]"), t("live-presence", { n: model.presence }));
    drawControls(state);
    drawLists();
    drawFloor();
    drawBackstage();
    drawDisposition();
  }

  function drawControls(state) {
    for (const b of root.querySelectorAll("[data-qa-state]")) setAttr(b, "aria-pressed", String(b.dataset.qaState === state.qa_state));
    const youth = state.safeguarding === "youth";
    for (const b of root.querySelectorAll("[data-moderation]")) {
      setAttr(b, "aria-pressed", String(b.dataset.moderation === state.moderation));
      b.disabled = model.role !== "moderator" || (b.dataset.moderation === "post" && youth);
    }
    for (const b of root.querySelectorAll("[data-floor-order]")) setAttr(b, "aria-pressed", String(b.dataset.floorOrder === state.floor_order));
    const suspend = $("[data-suspend]");
    setAttr(suspend, "aria-pressed", String(Boolean(state.suspended)));
    suspend.value = state.suspended ? "resume" : "suspend";
    const level = $("[data-youth]");
    if (level) {
      setAttr(level, "aria-pressed", String(youth));
      level.value = youth ? "standard" : "youth";
    }
    show($("[data-safeguarding]"), youth);
  }

  const LISTS = {
    pending: (qs) => qs.sort((a, b) => a.question_id - b.question_id),
    approved: (qs) => sortQuestions(qs),
    answered: (qs) => qs.sort((a, b) => (b.answered_at || b.asked_at) - (a.answered_at || a.asked_at)),
    dismissed: (qs) => qs.sort((a, b) => b.question_id - a.question_id),
  };

  function drawLists() {
    // A question that leaves a list (approved, answered...) takes the focus with it; the
    // next question of that list gets it instead, so triage goes on from the keyboard.
    const active = document.activeElement;
    const focusedItem = active && active.closest ? active.closest("li.moderated") : null;
    const from = focusedItem && focusedItem.parentElement;
    const index = from ? [...from.children].indexOf(focusedItem) : -1;
    const groups = { pending: [], approved: [], answered: [], dismissed: [] };
    for (const q of model.questions.values()) if (groups[q.status]) groups[q.status].push(q);
    for (const [name, order] of Object.entries(LISTS)) {
      const list = root.querySelector(`[data-list="${name}"]`);
      const items = order(groups[name]);
      setText(root.querySelector(`[data-count="${name}"]`), `(${items.length})`);
      if (paused && name === "approved") continue;
      patchList(list, items, (q) => q.question_id, (q, key) => prepare(fromTemplate("tpl-moderated", key)), updateItem);
    }
    setText($("[data-waiting]"), paused && missed ? t("live-updates-waiting", { n: missed }) : "");
    if (focusedItem && !focusedItem.isConnected && from && document.activeElement === document.body) {
      const next = from.children[Math.min(index, from.children.length - 1)];
      if (next) next.focus();
      else from.closest("section").querySelector("h2").focus?.();
    }
  }

  function updateItem(li, q) {
    setText(li.querySelector(".q-text"), q.text);
    setText(li.querySelector(".q-meta"), questionMeta(t, q, model.state.on_screen));
    setText(li.querySelector(".q-held"), heldFor(t, q));
    setText(li.querySelector(".q-reply"), q.reply ? t("live-reply-shown", { text: q.reply }) : "");
    li.className = `question moderated status-${q.status}${q.held_for ? " held" : ""}`;
    const button = (cls) => li.querySelector(`button.${cls}`);
    const s = q.status;
    show(button("approve"), s === "pending" || s === "dismissed");
    show(button("answered"), s === "approved");
    show(button("reopen"), s === "answered");
    const onScreen = model.state.on_screen === q.question_id;
    const screenButton = button("show");
    show(screenButton, s === "approved" || s === "answered");
    setAttr(screenButton, "aria-pressed", String(onScreen));
    screenButton.value = onScreen ? "clear_screen" : "show_on_screen";
    const pin = button("pin");
    setAttr(pin, "aria-pressed", String(Boolean(q.pinned)));
    pin.value = q.pinned ? "unpin" : "pin";
    show(li.querySelector(".dismiss-form"), s === "pending" || s === "approved" || s === "answered");
    show(li.querySelector(".merge-form"), s === "pending" || s === "approved");
    const participant = li.querySelector('input[name="participant_id"]');
    if (participant) participant.value = String(q.participant_id ?? "");
    show(li.querySelector(".remove-form"), q.participant_id !== undefined);
    keep(li.querySelector('[data-keep="text"]'), q.text);
    keep(li.querySelector('[data-keep="label"]'), q.label || "");
    keep(li.querySelector('[data-keep="reply"]'), q.reply || "");
  }

  /** Updates a field to the server's value unless the moderator is editing it. */
  function keep(input, value) {
    if (!input) return;
    const untouched = input.value === (input.dataset.orig ?? input.defaultValue);
    if (document.activeElement !== input && untouched) input.value = value;
    input.dataset.orig = value;
  }

  function prepare(li) {
    for (const input of li.querySelectorAll("[data-keep]")) input.dataset.orig = input.value;
    return li;
  }

  /** Fills a merge select with the questions it can go into, when it is about to be used. */
  function fillMergeTargets(select) {
    const self = Number(select.closest("li").dataset.id);
    const current = select.value;
    const blank = select.options[0];
    const targets = sortQuestions([...model.questions.values()].filter((q) =>
      q.question_id !== self && ["pending", "approved", "answered"].includes(q.status)));
    select.replaceChildren(blank, ...targets.map((q) => {
      const option = document.createElement("option");
      option.value = String(q.question_id);
      const text = q.text.length > 50 ? `${q.text.slice(0, 50)}…` : q.text;
      option.textContent = `#${q.question_id} ${text}`;
      return option;
    }));
    select.value = current;
  }

  function who(e) {
    const parts = [];
    if (e.handle) parts.push(e.handle);
    if (e.attendance) parts.push(t(`attendance-${e.attendance}`));
    if (e.stakeholder_group) parts.push(t(`stakeholder-${e.stakeholder_group}`));
    if (e.regional_group) parts.push(t(`region-${e.regional_group}`));
    return parts.length ? parts.join(" · ") : t("live-entry", { n: e.entry_id });
  }

  function drawFloor() {
    const { waiting, speaking } = model.floor;
    patchList($("[data-floor]"), waiting, (e) => e.entry_id, (e, key) => fromTemplate("tpl-entry", key),
      (li, e) => setText(li.querySelector(".who"), who(e)));
    setText($('[data-count="floor"]'), `(${waiting.length})`);
    setText($("[data-speaking]"), speaking ? t("mod-speaking", { who: who(speaking) }) : t("live-nobody-speaking"));
    setText($("[data-proposed]"), waiting.length ? t("mod-proposed-next", { who: who(waiting[0]) }) : t("live-nobody-waiting"));
    const next = $("[data-call-next]");
    next.disabled = waiting.length === 0 || model.role !== "moderator";
  }

  function drawBackstage() {
    const list = $("[data-backstage]");
    const notes = model.backstage;
    if (list.children.length > notes.length) list.replaceChildren();
    for (const note of notes.slice(list.children.length)) {
      const li = document.createElement("li");
      const author = document.createElement("strong");
      author.dir = "auto";
      author.textContent = note.author;
      const text = document.createElement("span");
      text.dir = "auto";
      text.textContent = note.text;
      li.append(author, ": ", text);
      list.append(li);
    }
  }

  function drawDisposition() {
    const d = model.disposition();
    const lines = [
      [t("mod-asked"), d.asked, false], [t("live-status-pending"), d.pending, false],
      [t("live-status-approved"), d.approved, false], [t("live-status-answered"), d.answered, false],
      [t("live-status-merged"), d.merged, false], [t("live-status-withdrawn"), d.withdrawn, false],
      [t("live-status-dismissed"), d.dismissed, false],
      ...Object.entries(d.reasons).map(([reason, n]) => [t(`dismiss-reason-${reason}`), n, true]),
    ];
    const dl = $("[data-disposition]");
    const wanted = lines.map(([label, n]) => `${label}\u0000${n}`).join("\u0001");
    if (dl.dataset.drawn === wanted) return;
    dl.dataset.drawn = wanted;
    dl.replaceChildren(...lines.flatMap(([label, n, sub]) => {
      const dt = document.createElement("dt");
      dt.textContent = label;
      if (sub) dt.className = "sub";
      const dd = document.createElement("dd");
      dd.textContent = String(n);
      return [dt, dd];
    }));
  }

  // ---- acting -------------------------------------------------------------------------------
  onCommandSubmit(root, async (form, submitter) => {
    const command = commandFromForm(form, submitter);
    const result = $("[data-action-result]");
    setText(result, "");
    const input = form.matches("[data-backstage-form]") ? form.elements.text : null;
    try {
      await connection.send(command);
      if (input && input.value === command.text) input.value = "";
    } catch (error) {
      setText(result, errorText(t, error));
    }
  });

  root.addEventListener("focusin", (event) => {
    if (event.target.matches("select[data-merge-targets]")) fillMergeTargets(event.target);
  });
  root.addEventListener("pointerdown", (event) => {
    if (event.target.matches("select[data-merge-targets]")) fillMergeTargets(event.target);
  });

  // Single keys on a focused question (documented on the page under "Keyboard shortcuts").
  root.addEventListener("keydown", (event) => {
    const li = event.target;
    if (!(li instanceof HTMLElement) || !li.matches("li.moderated")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const click = (cls) => {
      const button = li.querySelector(`button.${cls}`);
      if (button && !button.hidden && !button.disabled && !button.closest("[hidden]")) button.click();
    };
    switch (event.key.toLowerCase()) {
      case "a": click("approve"); break;
      case "s": click("show"); break;
      case "m": click("answered"); break;
      case "p": click("pin"); break;
      case "d": {
        const form = li.querySelector(".dismiss-form");
        if (!form || form.hidden) return;
        const reason = form.elements.reason;
        // A dismissal always says why: with no reason chosen yet, go and choose one.
        if (reason.value) click("dismiss");
        else reason.focus();
        break;
      }
      case "j":
      case "k": {
        const items = [...root.querySelectorAll("li.moderated")];
        const i = items.indexOf(li) + (event.key.toLowerCase() === "j" ? 1 : -1);
        const next = items[Math.max(0, Math.min(items.length - 1, i))];
        if (next) next.focus();
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });

  const pause = $("[data-pause]");
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused) {
      missed = 0;
      announcer.say(t("live-updates-resumed"));
    }
    render();
  });

  for (const li of root.querySelectorAll("li.moderated")) prepare(li);
  scriptReady(root);
  connection.start();
}
