// Plenary live: the participant page, the moderator console and the presenter screen.
// One websocket per page; frames are applied in sequence order (docs/PROTOCOL.md). User text is
// only ever set with textContent. Rights come from the snapshot's `you.role`, not from the page.

const root = document.querySelector("[data-live]");
const stringsEl = document.getElementById("live-strings");
if (root && stringsEl) start();

function start() {
  const mode = root.dataset.live;
  const sessionId = root.dataset.session;
  const T = JSON.parse(stringsEl.dataset.strings);
  const t = (key, args = {}) => (T[key] || key).replace(/\{ *\$(\w+) *\}/g, (_, k) => String(args[k] ?? ""));
  const $ = (sel, from = root) => from.querySelector(sel);

  const model = {
    seq: 0, role: "viewer", me: null, state: {}, questions: new Map(), mine: new Map(),
    votes: new Set(), floor: { waiting: [], speaking: null }, myEntry: null, backstage: [],
    presence: null, known: new Set(),
  };
  const waiting = new Map(); // client_id -> frame, resent after a reconnect
  let ws = null;
  let backoff = 500;
  let paused = false;
  let fresh = 0;
  let stopped = false;

  // ---- connection -------------------------------------------------------------------------
  function connect() {
    const url = new URL(`/live/sessions/${sessionId}/socket`, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (mode === "screen") url.searchParams.set("view", "presenter");
    if (model.seq > 0) url.searchParams.set("since", String(model.seq));
    ws = new WebSocket(url);
    ws.onopen = () => {
      backoff = 500;
      status(t("live-connected"));
      for (const frame of waiting.values()) ws.send(JSON.stringify(frame));
    };
    ws.onmessage = (event) => {
      try { handle(JSON.parse(event.data)); } catch (e) { console.error(e); }
    };
    ws.onclose = (event) => {
      if (event.code === 4003) { stopped = true; status(t("live-removed")); return; }
      if (event.code === 4004) { stopped = true; status(t("live-erased")); return; }
      const m = /^resume:(\d+)$/.exec(event.reason || "");
      if (m && Number(m[1]) < model.seq) model.seq = Number(m[1]);
      status(t("live-reconnecting"));
      // Capped exponential backoff with jitter, so a restarted server is not stormed.
      const wait = Math.min(backoff, 15000) * (0.7 + Math.random() * 0.6);
      backoff = Math.min(backoff * 2, 15000);
      if (!stopped) setTimeout(connect, wait);
    };
  }

  function send(command) {
    const id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).slice(0, 64);
    const frame = { client_id: id, ...command };
    waiting.set(id, frame);
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    return id;
  }

  function status(text) {
    const el = $("[data-connection]", document);
    if (el) el.textContent = text;
  }

  // ---- frames -----------------------------------------------------------------------------
  function handle(f) {
    if (f.type === "ack") { waiting.delete(f.client_id); acked(f); return; }
    if (f.type === "error") { if (f.client_id) waiting.delete(f.client_id); failed(f); return; }
    if (f.type === "presence") { model.presence = f.participants; render(); return; }
    if (f.type === "snapshot") { snapshot(f); render(); return; }
    if (typeof f.seq === "number") {
      if (f.seq <= model.seq) return;
      // A gap means something was missed: reconnect and resume from what we have.
      if (f.type !== "tallies" && f.seq !== model.seq + 1) { ws.close(); return; }
      model.seq = f.seq;
    }
    switch (f.type) {
      case "question": upsert(f.question); break;
      case "question_removed": model.questions.delete(f.question_id); break;
      case "your_question":
        model.mine.set(f.question.question_id, f.question);
        if (isPublic(f.question.status) || model.role === "moderator") upsert(f.question);
        else model.questions.delete(f.question.question_id);
        break;
      case "tallies":
        for (const v of f.votes) {
          for (const map of [model.questions, model.mine]) {
            const q = map.get(v.question_id);
            if (q) q.votes = v.votes;
          }
        }
        break;
      case "session_state": model.state = f.state; break;
      case "floor": model.floor = f.floor; break;
      case "backstage_note": model.backstage.push(f.note); break;
      default: break;
    }
    render();
  }

  function snapshot(s) {
    // The server-rendered list (for reading without script) gives way to live items.
    for (const li of root.querySelectorAll("[data-questions] > li:not([data-live-item])")) li.remove();
    model.seq = s.seq;
    model.role = s.you.role;
    model.me = s.you.participant_id ?? null;
    model.state = s.state;
    model.questions = new Map(s.questions.map((q) => [q.question_id, q]));
    model.mine = new Map((s.mine || []).map((q) => [q.question_id, q]));
    model.votes = new Set(s.my_votes || []);
    model.floor = s.floor;
    const mineEntry = [...s.floor.waiting, s.floor.speaking].find((e) => e && e.mine);
    model.myEntry = mineEntry ? mineEntry.entry_id : null;
    model.backstage = s.backstage || [];
    model.presence = s.participants_connected;
    for (const id of model.questions.keys()) model.known.add(id);
  }

  function upsert(q) {
    if (!model.known.has(q.question_id)) {
      model.known.add(q.question_id);
      if (isPublic(q.status) || model.role === "moderator") fresh += 1;
    }
    const old = model.questions.get(q.question_id);
    model.questions.set(q.question_id, { ...old, ...q });
  }

  const isPublic = (status) => status === "approved" || status === "answered";

  function acked(f) {
    if (f.votes !== undefined && f.question_id !== undefined) {
      if (f.voted) model.votes.add(f.question_id); else model.votes.delete(f.question_id);
      const q = model.questions.get(f.question_id);
      if (q) q.votes = f.votes;
    }
    if (f.entry_id !== undefined && mode === "participant") model.myEntry = f.entry_id;
    if (f.status === "pending") say("[data-ask-result]", t("live-status-pending"));
    else if (f.status === "approved") say("[data-ask-result]", t("live-status-approved"));
    render();
  }

  function failed(f) {
    const text = f.code === "rate_limited" ? t("live-rate-limited")
      : f.code === "suspended" ? t("live-suspended-note")
      : f.code === "qa_closed" ? t("live-qa-closed")
      : `${t("live-error")} ${f.message}`;
    say("[data-ask-result]", text) || say("[data-connection]", text);
  }

  function say(selector, text) {
    const el = $(selector, document);
    if (el) el.textContent = text;
    return Boolean(el);
  }

  // ---- rendering --------------------------------------------------------------------------
  let renderQueued = false;
  function render() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      if (mode === "participant") renderParticipant();
      else if (mode === "moderator") renderModerator();
      else renderScreen();
    });
  }

  function announce() {
    const el = $("[data-announce]");
    if (el && fresh > 0 && !paused) {
      el.textContent = t("live-new-questions", { n: fresh });
      fresh = 0;
    }
  }

  function presence() {
    const el = $("[data-presence]");
    if (el && model.presence !== null) el.textContent = t("live-presence", { n: model.presence });
    const sus = $("[data-suspended]");
    if (sus) sus.hidden = !model.state.suspended;
  }

  function sorted(list, how) {
    return [...list].sort((a, b) => (b.pinned === true) - (a.pinned === true)
      || (how === "recent" ? b.asked_at - a.asked_at || b.question_id - a.question_id
        : b.votes - a.votes || a.question_id - b.question_id));
  }

  // Keyed patching: existing items are updated in place, so focus and typing survive updates.
  function patch(list, items, build, update) {
    const seen = new Set();
    let before = list.firstElementChild;
    for (const item of items) {
      const key = String(item.question_id ?? item.entry_id);
      seen.add(key);
      let el = list.querySelector(`:scope > [data-id="${key}"]`);
      if (!el) { el = build(item); el.dataset.id = key; el.dataset.liveItem = ""; }
      update(el, item);
      if (el !== before) list.insertBefore(el, before); else before = before.nextElementSibling;
      before = el.nextElementSibling;
    }
    for (const el of [...list.children]) if (!seen.has(el.dataset.id)) el.remove();
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function button(label, onClick, cls) {
    const b = el("button", cls, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function meta(q) {
    const parts = [];
    if (q.handle) parts.push(q.handle); else if (q.anonymous || !q.handle) parts.push(t("live-anonymous"));
    parts.push(t("live-votes", { n: q.votes }));
    if (q.status === "answered") parts.push(t("live-status-answered"));
    if (model.state.on_screen === q.question_id) parts.push(t("live-on-screen"));
    if (q.label) parts.push(q.label);
    return parts.join(" · ");
  }

  // Participant -------------------------------------------------------------------------------
  function renderParticipant() {
    presence();
    announce();
    const how = document.querySelector('input[name="sort"]:checked')?.value || "popular";
    const list = $("[data-questions]");
    if (list && !paused) {
      const visible = [...model.questions.values()].filter((q) => isPublic(q.status));
      patch(list, sorted(visible, how), buildPublic, updatePublic);
    }
    const screen = $("[data-on-screen]");
    const shown = model.questions.get(model.state.on_screen);
    if (screen) {
      screen.hidden = !shown;
      screen.textContent = shown ? `${t("live-on-screen")}: ${shown.text}` : "";
    }
    const mine = $("[data-mine]");
    if (mine) patch(mine, [...model.mine.values()].reverse(), buildMine, updateMine);
    const hand = $("[data-hand]");
    const handStatus = $("[data-hand-status]");
    if (hand && handStatus) {
      const place = model.floor.waiting.findIndex((e) => e.entry_id === model.myEntry);
      const speaking = model.floor.speaking && model.floor.speaking.entry_id === model.myEntry;
      hand.textContent = place >= 0 ? t("live-hand-lower") : t("live-hand-raise");
      hand.dataset.raised = place >= 0 ? "yes" : "no";
      handStatus.textContent = speaking ? t("live-hand-speaking")
        : place >= 0 ? t("live-hand-place", { n: place + 1 }) : "";
    }
  }

  function buildPublic(q) {
    const li = el("li", "question");
    li.append(el("p", "q-text"), el("p", "q-meta muted"), el("p", "q-reply"));
    li.querySelector(".q-text").dir = "auto";
    const actions = el("p", "q-actions");
    const vote = button("", () => {
      const up = !model.votes.has(q.question_id);
      send({ type: "vote", question_id: q.question_id, up });
    }, "vote");
    vote.dataset.role = "vote";
    const report = el("details", "report");
    const summary = el("summary", "", t("live-report"));
    const form = el("form");
    const select = el("select");
    select.setAttribute("aria-label", t("live-report-category"));
    for (const c of ["bullying", "personal_data", "grooming", "hate", "spam", "csam", "other"]) {
      const o = el("option", "", t(`report-category-${c}`));
      o.value = c;
      select.append(o);
    }
    const sendReport = el("button", "", t("live-report"));
    sendReport.type = "submit";
    form.append(select, sendReport);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const r = await fetch(`/api/sessions/${sessionId}/live/reports`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ question_id: q.question_id, category: select.value }),
      });
      summary.textContent = r.ok || r.status === 409 ? t("live-report-sent") : t("live-error");
      report.open = false;
      loadReports();
    });
    report.append(summary, form);
    actions.append(vote, report);
    li.append(actions);
    return li;
  }

  function updatePublic(li, q) {
    li.querySelector(".q-text").textContent = q.text;
    li.querySelector(".q-meta").textContent = meta(q);
    li.querySelector(".q-reply").textContent = q.reply ? `${t("live-reply")}: ${q.reply}` : "";
    li.classList.toggle("answered", q.status === "answered");
    const vote = li.querySelector('[data-role="vote"]');
    const voted = model.votes.has(q.question_id);
    const mineQ = model.mine.has(q.question_id);
    vote.hidden = mode !== "participant" || q.status !== "approved" || model.role !== "participant";
    vote.setAttribute("aria-pressed", voted ? "true" : "false");
    vote.textContent = `${voted ? t("live-unvote") : t("live-vote")} (${q.votes})`;
    li.querySelector(".report").hidden = model.role !== "participant" || mineQ;
  }

  function buildMine(q) {
    const li = el("li", "question mine");
    li.append(el("p", "q-text"), el("p", "q-meta muted"));
    li.querySelector(".q-text").dir = "auto";
    const withdraw = button(t("live-withdraw"), () => send({ type: "withdraw", question_id: q.question_id }));
    withdraw.dataset.role = "withdraw";
    li.append(withdraw);
    return li;
  }

  function updateMine(li, q) {
    li.querySelector(".q-text").textContent = q.text;
    let fate = t(`live-status-${q.status}`);
    if (q.status === "dismissed" && q.dismiss_reason) fate += `: ${t(`dismiss-reason-${q.dismiss_reason}`)}`;
    if (q.status === "merged" && q.merged_into) fate = t("live-merged-into", { n: q.merged_into });
    li.querySelector(".q-meta").textContent = `${fate} · ${t("live-votes", { n: q.votes })}`;
    li.querySelector('[data-role="withdraw"]').hidden = !(q.status === "pending" || q.status === "approved");
  }

  // Moderator ---------------------------------------------------------------------------------
  function renderModerator() {
    presence();
    announce();
    for (const b of root.querySelectorAll("[data-qa-state]")) b.setAttribute("aria-pressed", String(b.dataset.qaState === model.state.qa_state));
    for (const b of root.querySelectorAll("[data-moderation]")) {
      b.setAttribute("aria-pressed", String(b.dataset.moderation === model.state.moderation));
      b.disabled = b.dataset.moderation === "post" && model.state.safeguarding === "youth";
    }
    for (const b of root.querySelectorAll("[data-floor-order]")) b.setAttribute("aria-pressed", String(b.dataset.floorOrder === model.state.floor_order));
    const sus = $("[data-suspend]");
    if (sus) sus.setAttribute("aria-pressed", String(Boolean(model.state.suspended)));
    const youth = $("[data-youth]");
    if (youth) youth.setAttribute("aria-pressed", String(model.state.safeguarding === "youth"));
    const level = $("[data-safeguarding]");
    if (level) level.textContent = model.state.safeguarding === "youth" ? T["live-youth-level"] || "youth" : "";
    const all = [...model.questions.values()];
    const groups = { pending: [], approved: [], answered: [], dismissed: [] };
    for (const q of all) if (groups[q.status]) groups[q.status].push(q);
    for (const [name, items] of Object.entries(groups)) {
      const list = root.querySelector(`[data-list="${name}"]`);
      if (!list || (paused && name === "approved")) continue;
      patch(list, name === "pending" ? items.sort((a, b) => a.question_id - b.question_id) : sorted(items, "popular"), buildModerated, updateModerated);
      const count = root.querySelector(`[data-count-${name}]`);
      if (count) count.textContent = `(${items.length})`;
    }
    const floor = $("[data-floor]");
    if (floor) patch(floor, model.floor.waiting, buildEntry, updateEntry);
    const speaking = $("[data-speaking]");
    if (speaking) speaking.textContent = model.floor.speaking ? `${t("live-hand-speaking")}: ${entryName(model.floor.speaking)}` : "";
    const next = $("[data-call-next]");
    if (next) {
      next.disabled = model.floor.waiting.length === 0;
      next.title = model.floor.waiting[0] ? `${t("live-proposed-next")}: ${entryName(model.floor.waiting[0])}` : t("live-nobody-waiting");
    }
    const notes = $("[data-backstage]");
    if (notes) {
      notes.replaceChildren(...model.backstage.map((n) => el("li", "", `${n.author}: ${n.text}`)));
    }
    const disposition = $("[data-disposition]");
    if (disposition) {
      const count = (s) => all.filter((q) => q.status === s).length;
      disposition.textContent = [
        `${t("live-status-pending")}: ${count("pending")}`, `${t("live-status-approved")}: ${count("approved")}`,
        `${t("live-status-answered")}: ${count("answered")}`, `${t("live-status-merged")}: ${count("merged")}`,
        `${t("live-status-dismissed")}: ${count("dismissed")}`, `${t("live-status-withdrawn")}: ${count("withdrawn")}`,
      ].join(" · ");
    }
  }

  function entryName(e) {
    return [e.handle, e.attendance, e.stakeholder_group, e.regional_group].filter(Boolean).join(" · ") || t("live-entry", { n: e.entry_id });
  }

  function buildEntry(e) {
    const li = el("li", "entry");
    li.append(el("span", "who"), " ",
      button(t("live-call"), () => send({ type: "call_speaker", entry_id: e.entry_id })), " ",
      button(t("live-skip"), () => send({ type: "skip_speaker", entry_id: e.entry_id })));
    return li;
  }

  function updateEntry(li, e) { li.querySelector(".who").textContent = entryName(e); }

  function buildModerated(q) {
    const li = el("li", "question moderated");
    li.tabIndex = 0;
    li.append(el("p", "q-text"), el("p", "q-meta muted"), el("p", "q-held"));
    li.querySelector(".q-text").dir = "auto";
    const id = q.question_id;
    const row = el("p", "q-actions");
    const reasons = el("select");
    reasons.setAttribute("aria-label", t("live-dismiss-reason"));
    reasons.innerHTML = document.getElementById("dismiss-reasons").innerHTML; // server-made options, no user text
    const targets = el("select", "merge-target");
    targets.setAttribute("aria-label", t("live-merge-target"));
    const edit = el("input");
    edit.setAttribute("aria-label", t("live-edit"));
    edit.dir = "auto";
    const reply = el("input");
    reply.setAttribute("aria-label", t("live-reply"));
    reply.dir = "auto";
    const label = el("input");
    label.setAttribute("aria-label", t("live-label"));
    label.size = 10;
    row.append(
      button(t("live-approve"), () => send({ type: "approve", question_id: id }), "approve"),
      button(t("live-answered"), () => send({ type: "mark_answered", question_id: id }), "answered"),
      button(t("live-reopen"), () => send({ type: "reopen", question_id: id }), "reopen"),
      button(t("live-show"), () => send({ type: "show_on_screen", question_id: model.state.on_screen === id ? null : id }), "show"),
      button(t("live-pin"), () => send({ type: "pin", question_id: id, pinned: !model.questions.get(id)?.pinned }), "pin"),
      reasons, button(t("live-dismiss"), () => send({ type: "dismiss", question_id: id, reason: reasons.value }), "dismiss"),
      targets, button(t("live-merge"), () => targets.value && send({ type: "merge", question_id: id, into: Number(targets.value) }), "merge"),
      edit, button(t("live-save"), () => edit.value.trim() && send({ type: "edit", question_id: id, text: edit.value }), "edit"),
      reply, button(t("live-reply"), () => send({ type: "reply", question_id: id, text: reply.value }), "reply"),
      label, button(t("live-label"), () => send({ type: "label", question_id: id, label: label.value }), "label"),
      button(t("live-remove"), () => q.participant_id && send({ type: "remove_participant", participant_id: model.questions.get(id).participant_id, ban: false }), "remove danger"),
      button(t("live-remove-ban"), () => q.participant_id && send({ type: "remove_participant", participant_id: model.questions.get(id).participant_id, ban: true }), "ban danger"),
    );
    li.append(row);
    li.addEventListener("keydown", (event) => {
      if (event.target !== li) return;
      const key = event.key.toLowerCase();
      const act = { a: "approve", d: "dismiss", s: "show", m: "answered" }[key];
      if (act) { li.querySelector(`button.${act}`)?.click(); event.preventDefault(); }
      if (key === "j" || key === "k") {
        const items = [...root.querySelectorAll("li.moderated")];
        const i = items.indexOf(li) + (key === "j" ? 1 : -1);
        items[Math.max(0, Math.min(items.length - 1, i))]?.focus();
        event.preventDefault();
      }
    });
    return li;
  }

  function updateModerated(li, q) {
    li.querySelector(".q-text").textContent = q.text;
    li.querySelector(".q-meta").textContent = meta(q) + (q.anonymous ? ` (${t("live-anonymous")})` : "");
    li.querySelector(".q-held").textContent = q.held_for ? `${t("live-held-for")}: ${q.held_for}` : "";
    li.classList.toggle("held", Boolean(q.held_for));
    const show = (cls, on) => { const b = li.querySelector(`button.${cls.split(" ")[0]}`); if (b) b.hidden = !on; };
    show("approve", q.status === "pending" || q.status === "dismissed");
    show("answered", q.status === "approved");
    show("reopen", q.status === "answered");
    show("show", isPublic(q.status));
    show("dismiss", q.status !== "dismissed");
    const pin = li.querySelector("button.pin");
    if (pin) pin.textContent = q.pinned ? t("live-unpin") : t("live-pin");
    const targets = li.querySelector(".merge-target");
    const options = [...model.questions.values()].filter((o) => o.question_id !== q.question_id && o.status !== "dismissed");
    const current = targets.value;
    targets.replaceChildren(el("option", "", ""), ...options.map((o) => {
      const opt = el("option", "", `#${o.question_id} ${o.text.slice(0, 40)}`);
      opt.value = String(o.question_id);
      return opt;
    }));
    targets.value = current;
  }

  // Screen ------------------------------------------------------------------------------------
  function renderScreen() {
    const q = model.questions.get(model.state.on_screen);
    const quote = $("[data-screen-question]");
    const metaEl = $("[data-screen-meta]");
    if (quote) quote.textContent = q ? q.text : "";
    if (metaEl) metaEl.textContent = q ? `${q.handle ? q.handle + " · " : ""}${t("live-votes", { n: q.votes })}` : t(`live-state-${model.state.qa_state}`);
    const top = $("[data-screen-top]");
    if (top) {
      const items = sorted([...model.questions.values()].filter((x) => x.status === "approved"), "popular").slice(0, 5);
      patch(top, items, (x) => { const li = el("li"); li.append(el("span", "q-text"), " ", el("span", "votes")); li.querySelector(".q-text").dir = "auto"; return li; },
        (li, x) => { li.querySelector(".q-text").textContent = x.text; li.querySelector(".votes").textContent = String(x.votes); });
    }
  }

  // ---- controls ---------------------------------------------------------------------------
  const ask = $("[data-ask]");
  if (ask) {
    const text = ask.querySelector("textarea");
    const count = $("[data-count]");
    const max = Number(text.getAttribute("maxlength")) || 500;
    const update = () => { count.textContent = t("live-chars-left", { n: max - [...text.value].length }); };
    text.addEventListener("input", update);
    update();
    ask.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      send({ type: "ask", text: text.value, anonymous: ask.querySelector('[name="anonymous"]').checked });
      text.value = "";
      update();
    });
  }
  const hand = $("[data-hand]");
  if (hand) hand.addEventListener("click", () => send({ type: hand.dataset.raised === "yes" ? "lower_hand" : "raise_hand" }));
  for (const r of document.querySelectorAll('input[name="sort"]')) r.addEventListener("change", render);
  for (const b of root.querySelectorAll("[data-pause]")) {
    b.addEventListener("click", () => {
      paused = !paused;
      b.setAttribute("aria-pressed", String(paused));
      render();
    });
  }
  for (const b of root.querySelectorAll("[data-qa-state]")) b.addEventListener("click", () => send({ type: "set_qa_state", state: b.dataset.qaState }));
  for (const b of root.querySelectorAll("[data-moderation]")) b.addEventListener("click", () => send({ type: "set_moderation", mode: b.dataset.moderation }));
  for (const b of root.querySelectorAll("[data-floor-order]")) b.addEventListener("click", () => send({ type: "set_floor_order", order: b.dataset.floorOrder }));
  $("[data-suspend]")?.addEventListener("click", () => send({ type: "suspend", suspended: !model.state.suspended }));
  $("[data-youth]")?.addEventListener("click", () => send({ type: "set_safeguarding", level: model.state.safeguarding === "youth" ? "standard" : "youth" }));
  $("[data-call-next]")?.addEventListener("click", () => send({ type: "call_next" }));
  $("[data-clear-floor]")?.addEventListener("click", () => send({ type: "clear_floor" }));
  $("[data-backstage-form]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = event.target.querySelector("input");
    if (input.value.trim()) send({ type: "backstage", text: input.value });
    input.value = "";
  });

  // The participant's reports and where each stands.
  async function loadReports() {
    const list = $("[data-reports]");
    if (!list) return;
    const r = await fetch(`/api/sessions/${sessionId}/live/reports/mine`);
    if (!r.ok) return;
    const reports = await r.json();
    list.replaceChildren(...reports.map((rep) => el("li", "", `#${rep.question_id ?? "?"} · ${t(`report-category-${rep.category}`)} · ${t(`report-status-${rep.status}`)}`)));
    list.closest("section").hidden = reports.length === 0;
  }
  if (mode === "participant") loadReports();

  connect();
}
