// The captioner's page: lines go over the websocket (Enter sends, the speaker stays filled,
// the line field is cleared and keeps the focus). Without script the same form posts.

import { LiveConnection } from "./connection.js";
import { CaptionsView } from "./captions.js";
import { catalog, setText } from "./ui.js";

const root = document.querySelector('[data-live="captioner"]');
if (root) start(root);

function start(root) {
  const t = catalog();
  const form = root.querySelector("[data-caption-form]");
  const text = form.querySelector("#caption-text");
  const speaker = form.querySelector("#caption-speaker");
  const kind = form.querySelector("#caption-kind");
  const result = form.querySelector("[data-caption-result]");
  const view = new CaptionsView(root.querySelector("[data-captions]"), 50);
  for (const el of document.querySelectorAll("[data-no-js]")) el.hidden = true;

  const connection = new LiveConnection({
    sessionId: root.dataset.session,
    onFrame(frame) {
      if (frame.type === "snapshot") view.reset(frame.captions);
      else if (frame.type === "caption") view.add(frame.caption);
    },
    onStatus(state) {
      setText(root.querySelector("[data-connection]"), t(`live-${state}`));
    },
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const line = text.value.trim();
    if (!line) return;
    const command = { type: "caption", text: line, speaker: speaker.value.trim(), kind: kind.value };
    // The next line can be typed at once; a refused one comes back into the field.
    text.value = "";
    text.focus();
    setText(result, t("captions-sending"));
    connection.send(command).then(
      () => setText(result, t("captions-sent")),
      (error) => {
        if (!text.value) text.value = line;
        setText(result, t(`live-error-${error.code || "unavailable"}`));
      },
    );
  });

  connection.start();
}
