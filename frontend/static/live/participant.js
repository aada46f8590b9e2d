// The participant's live page: ask, vote, withdraw, raise a hand, follow one's own questions.
// The page arrives complete from the server and its forms work without script; this module
// sends the same commands over the websocket and keeps the lists current without touching what
// the person is typing.

import { LiveConnection } from "./connection.js";
import { CaptionsView } from "./captions.js";
import { LiveModel, isPublic, questionFate, questionMeta, sortQuestions } from "./model.js";
import {
  Announcer, catalog, commandFromForm, errorText, fromTemplate, onCommandSubmit, patchList,
  scriptReady, setAttr, setText, show,
} from "./ui.js";

const root = document.querySelector('[data-live="participant"]');
/** Frames that change the public list (counted while it is paused). */
const LIST_FRAMES = new Set(["question", "question_removed", "your_question", "tallies"]);
if (root) start(root);

function start(root) {
  const t = catalog();
  const $ = (selector) => root.querySelector(selector);
  const model = new LiveModel();
  const announcer = new Announcer($("[data-announce]"));
  const sessionId = root.dataset.session;
  const captionsRoot = $("[data-captions]");
  const captions = captionsRoot ? new CaptionsView(captionsRoot, 20) : null;
  let recent = new URL(location.href).searchParams.get("sort") === "recent";
  let paused = false;
  let missed = 0;
  let ended = null;
  let ready = false;
  let handError = "";

  const connection = new LiveConnection({
    sessionId,
    onFrame(frame) {
      if (captions && frame.type === "snapshot") captions.reset(frame.captions);
      if (captions && frame.type === "caption") captions.add(frame.caption);
      const change = model.apply(frame);
      if (!change) return;
      if (ready && change.fresh) {
        const others = change.fresh.filter((q) => isPublic(q.status) && !q.mine).length;
        announcer.count("live-new-questions", others, t);
      }
      if (frame.type === "snapshot") ready = true;
      if (paused && LIST_FRAMES.has(frame.type)) missed += 1;
      render();
    },
    onStatus(state, detail) {
      const text = {
        connecting: t("live-connecting"),
        connected: t("live-connected"),
        reconnecting: detail && detail.waiting ? `${t("live-reconnecting")} ${t("live-offline-queued")}` : t("live-reconnecting"),
        removed: t("live-removed"),
        erased: t("live-erased"),
      }[state];
      setText($("[data-connection]"), text);
      if (state === "removed" || state === "erased") {
        ended = state;
        for (const button of root.querySelectorAll("form[data-command] button")) button.disabled = true;
      }
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

  function votingOpen() {
    return !model.state.suspended && ["open", "voting_only"].includes(model.state.qa_state)
      && model.role === "participant";
  }

  function draw() {
    setText($("[data-qa-text]"), t("live-qa-state-is", { state: t(`live-state-${model.state.qa_state}`) }));
    if (model.presence !== null) setText($("[data-presence]"), t("live-presence", { n: model.presence }));
    show($("[data-suspended]"), Boolean(model.state.suspended));
    const note = $("[data-role-note]");
    const roleNote = model.role === "moderator" ? t("live-role-moderator")
      : model.role === "viewer" && !ended ? t("live-role-viewer") : "";
    setText(note, roleNote);
    show(note, roleNote !== "");

    const onScreen = model.questions.get(model.state.on_screen);
    show($("[data-on-screen]"), Boolean(onScreen));
    setText($("[data-on-screen-text]"), onScreen ? onScreen.text : "");

    const askOpen = model.state.qa_state === "open" && !model.state.suspended && model.role === "participant" && !ended;
    show($("[data-ask-closed]"), !askOpen);
    const askButton = $("[data-ask-button]");
    if (askButton && !asking) askButton.disabled = !askOpen;

    drawHand();
    drawMine();
    if (!paused) {
      const list = $("[data-questions]");
      const visible = sortQuestions([...model.questions.values()].filter((q) => isPublic(q.status)), recent);
      patchList(list, visible, (q) => q.question_id,
        (q, key) => fromTemplate("tpl-question", key), updateQuestion);
      show($("[data-questions-empty]"), visible.length === 0);
      setText($("[data-waiting]"), "");
    } else {
      setText($("[data-waiting]"), missed ? t("live-updates-waiting", { n: missed }) : "");
    }
  }

  function updateQuestion(li, q) {
    setText(li.querySelector(".q-text"), q.text);
    setText(li.querySelector(".q-meta"), questionMeta(t, q, model.state.on_screen));
    setText(li.querySelector(".q-reply"), q.reply ? t("live-reply-shown", { text: q.reply }) : "");
    li.classList.toggle("answered", q.status === "answered");
    const vote = li.querySelector("button.vote");
    const voted = model.myVotes.has(q.question_id);
    show(vote, q.status === "approved" && model.role === "participant");
    vote.disabled = !votingOpen();
    setAttr(vote, "aria-pressed", String(voted));
    vote.value = voted ? "unvote" : "vote";
    setText(vote.querySelector(".vote-count"), String(q.votes));
    show(li.querySelector("details.report"), model.role === "participant" && !q.mine && !model.mine.has(q.question_id));
  }

  function drawMine() {
    const list = $("[data-mine]");
    const mine = [...model.mine.values()].sort((a, b) => b.question_id - a.question_id);
    patchList(list, mine, (q) => q.question_id, (q, key) => fromTemplate("tpl-mine", key), (li, q) => {
      setText(li.querySelector(".q-text"), q.text);
      setText(li.querySelector(".fate"), questionFate(t, q));
      setText(li.querySelector(".q-reply"), q.reply ? t("live-reply-shown", { text: q.reply }) : "");
      li.className = `question mine status-${q.status}`;
      show(li.querySelector("button.withdraw"), q.status === "pending" || q.status === "approved");
    });
    show($("[data-mine-empty]"), mine.length === 0);
  }

  function drawHand() {
    const hand = $("[data-hand]");
    if (!hand) return;
    const place = model.handPlace();
    const raised = place !== null && place > 0;
    hand.value = raised ? "lower_hand" : "raise_hand";
    setText(hand, raised ? t("live-hand-lower") : t("live-hand-raise"));
    hand.disabled = model.role !== "participant" || Boolean(ended);
    setText($("[data-hand-status]"), handError || (place === 0 ? t("live-hand-speaking")
      : raised ? t("live-hand-place", { n: place }) : ""));
  }

  // ---- acting -------------------------------------------------------------------------------
  let asking = false;
  const ask = $("[data-ask]");
  const text = ask.querySelector("textarea");
  const count = $("[data-count]");
  const max = Number(text.getAttribute("maxlength")) || Number(root.dataset.questionChars) || 500;
  const counter = () => {
    const left = max - [...text.value].length;
    setText(count, t("live-chars-left", { n: left }));
    count.classList.toggle("low", left <= 20);
  };
  text.addEventListener("input", counter);
  counter();

  async function sendAsk(form) {
    if (asking) return;
    const command = commandFromForm(form, null);
    if (!command.text.trim()) return;
    const result = $("[data-ask-result]");
    const button = $("[data-ask-button]");
    asking = true;
    button.disabled = true;
    setText(result, t("live-sending"));
    try {
      const ack = await connection.send(command);
      // Clear the box only if it still holds what was sent: never what is being typed now.
      if (text.value === command.text) {
        text.value = "";
        counter();
      }
      setText(result, ack.status === "approved" ? t("live-sent-approved") : t("live-sent-pending"));
      for (const el of ask.querySelectorAll(".field-error")) el.remove();
      text.removeAttribute("aria-invalid");
    } catch (error) {
      setText(result, errorText(t, error));
    } finally {
      asking = false;
      render();
    }
  }

  async function sendCommand(form, submitter) {
    const command = commandFromForm(form, submitter);
    if (command.type === "vote") {
      model.optimisticVote(command.question_id, command.up);
      render();
    }
    try {
      const ack = await connection.send(command);
      model.applyAck(ack, command);
      if (command.type.endsWith("_hand")) handError = "";
      setText($("[data-action-result]"), "");
    } catch (error) {
      if (command.type === "vote") model.optimisticVote(command.question_id, !command.up);
      if (command.type.endsWith("_hand")) handError = errorText(t, error);
      else setText($("[data-action-result]"), errorText(t, error));
    }
    render();
  }

  onCommandSubmit(root, (form, submitter) => {
    if (ended) return;
    if (form.matches("[data-ask]")) sendAsk(form);
    else sendCommand(form, submitter);
  });

  // Reports go through the JSON API; the reporter can follow their status below.
  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-report]");
    if (!form) return;
    event.preventDefault();
    const details = form.closest("details");
    const summary = details.querySelector("summary");
    try {
      const reply = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/live/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          question_id: Number(form.elements.question_id.value),
          category: form.elements.category.value,
        }),
      });
      setText(summary, reply.ok || reply.status === 409 ? t("live-report-sent") : t("live-error-unavailable"));
    } catch {
      setText(summary, t("live-error-unavailable"));
    }
    details.open = false;
    summary.focus();
    loadReports();
  });

  async function loadReports() {
    const list = $("[data-reports]");
    try {
      const reply = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/live/reports/mine`);
      if (!reply.ok) return;
      const reports = await reply.json();
      list.replaceChildren(...reports.map((r) => {
        const li = document.createElement("li");
        li.textContent = `#${r.question_id ?? "?"} · ${t(`report-category-${r.category}`)} · ${t(`report-status-${r.status}`)}`;
        return li;
      }));
      show($("[data-reports-section]"), reports.length > 0);
    } catch { /* offline: the list stays as it was */ }
  }

  // Sorting and pausing change only this page's view.
  for (const link of root.querySelectorAll("a[data-sort]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      recent = link.dataset.sort === "recent";
      for (const other of root.querySelectorAll("a[data-sort]")) {
        other.setAttribute("aria-current", String(other === link));
      }
      const url = new URL(location.href);
      url.searchParams.set("sort", link.dataset.sort);
      url.searchParams.delete("done");
      url.searchParams.delete("error");
      history.replaceState(null, "", url.pathname + url.search);
      render();
    });
  }
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

  scriptReady(root);
  loadReports();
  connection.start();
}
