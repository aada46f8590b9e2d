// The live captions region (participant page, presenter screen, captioner page): keeps the
// newest lines, appends `caption` frames as they come, and says where the lines come from.
// Text goes in with textContent only.

import { setText, show } from "./ui.js";

export class CaptionsView {
  /**
   * @param {Element} root the `[data-captions]` section
   * @param {number} keep how many lines to show
   */
  constructor(root, keep = 20) {
    this.root = root;
    this.keep = keep;
    this.list = root.querySelector("[data-caption-lines]");
    this.empty = root.querySelector("[data-captions-empty]");
    this.source = root.querySelector("[data-captions-source]");
  }

  /** Replaces the lines with a snapshot's. */
  reset(lines) {
    this.list.replaceChildren();
    for (const line of lines || []) this.add(line);
    this.#label(lines || []);
  }

  /** Appends one line (a repeat of a line already shown is ignored). */
  add(line) {
    if (this.list.querySelector(`#cap-${line.segment_id}`)) return;
    const li = document.createElement("li");
    li.id = `cap-${line.segment_id}`;
    li.dir = "auto";
    if (line.kind === "stage_note") li.className = "stage-note";
    if (line.speaker) {
      const who = document.createElement("span");
      who.className = "caption-speaker";
      setText(who, `${line.speaker}:`);
      li.append(who, " ");
    }
    const text = document.createElement("span");
    text.className = "caption-text";
    setText(text, line.text);
    li.append(text);
    this.list.append(li);
    while (this.list.children.length > this.keep) this.list.firstElementChild.remove();
    show(this.empty, false);
  }

  #label(lines) {
    if (!this.source) return;
    const imported = lines.some((l) => l.source === "imported");
    setText(this.source, imported ? this.source.dataset.imported : this.source.dataset.captioner);
    show(this.empty, lines.length === 0);
  }
}
