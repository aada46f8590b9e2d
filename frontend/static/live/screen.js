// The presenter screen: the question on screen and the top five, read-only (?view=presenter).

import { LiveConnection } from "./connection.js";
import { CaptionsView } from "./captions.js";
import { LiveModel, questionMeta, sortQuestions } from "./model.js";
import { catalog, patchList, setText, show } from "./ui.js";

const root = document.querySelector('[data-live="screen"]');
if (root) start(root);

function start(root) {
  const t = catalog();
  const $ = (selector) => root.querySelector(selector);
  const model = new LiveModel();
  let queued = false;
  const captionsRoot = $("[data-captions]");
  // The room reads the last few lines from afar.
  const captions = captionsRoot ? new CaptionsView(captionsRoot, 3) : null;

  const connection = new LiveConnection({
    sessionId: root.dataset.session,
    presenter: true,
    onFrame(frame) {
      if (captions && frame.type === "snapshot") captions.reset(frame.captions);
      if (captions && frame.type === "caption") captions.add(frame.caption);
      if (model.apply(frame)) render();
    },
    onStatus(state) {
      // Quiet when all is well: the room only needs to know when the screen is not live.
      setText($("[data-connection]"), state === "connected" ? "" : t("live-reconnecting"));
    },
  });

  function render() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const q = model.questions.get(model.state.on_screen);
      const quote = $("[data-screen-question]");
      show(quote, Boolean(q));
      setText(quote, q ? q.text : "");
      setText($("[data-screen-meta]"), q ? questionMeta(t, q, null) : t("live-nothing-on-screen"));
      setText($("[data-qa-text]"), t("live-qa-state-is", { state: t(`live-state-${model.state.qa_state}`) }));
      const top = sortQuestions([...model.questions.values()].filter((x) => x.status === "approved")).slice(0, 5);
      patchList($("[data-screen-top]"), top, (x) => x.question_id, () => {
        const li = document.createElement("li");
        const text = document.createElement("span");
        text.className = "q-text";
        text.dir = "auto";
        const votes = document.createElement("span");
        votes.className = "votes";
        li.append(text, " ", votes);
        return li;
      }, (li, x) => {
        li.dataset.id = String(x.question_id);
        setText(li.querySelector(".q-text"), x.text);
        setText(li.querySelector(".votes"), t("live-votes", { n: x.votes }));
      });
    });
  }

  connection.start();
}
