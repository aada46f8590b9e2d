// What a client knows of a live session, built only from the frames it received (in the order
// LiveConnection passes them on), plus the acknowledgements of its own commands.

const PUBLIC = new Set(["approved", "answered"]);

export const isPublic = (status) => PUBLIC.has(status);

export class LiveModel {
  constructor() {
    this.seq = 0;
    this.role = null;
    this.you = null;
    this.state = { qa_state: "closed", moderation: "pre", floor_order: "first_come", on_screen: null };
    this.limits = null;
    /** question_id -> question (with `votesAt`, the sequence its vote count is from) */
    this.questions = new Map();
    this.mine = new Map();
    this.myVotes = new Set();
    this.floor = { waiting: [], speaking: null };
    this.myEntry = null;
    this.backstage = [];
    this.presence = null;
    /** Questions ever seen, so only really new ones are announced. */
    this.known = new Set();
    /** Moderators: merged and withdrawn questions leave the lists but stay in the summary. */
    this.gone = { merged: 0, withdrawn: 0 };
  }

  get moderator() {
    return this.role === "moderator";
  }

  /**
   * Applies a frame; returns what changed: `{fresh: [questions], removed: bool}` or null for
   * frames that carry nothing to draw.
   */
  apply(frame) {
    if (typeof frame.seq === "number" && frame.type !== "snapshot") this.seq = frame.seq;
    switch (frame.type) {
      case "snapshot": return this.#snapshot(frame);
      case "question": return { fresh: this.#upsert(frame.question, frame.seq) };
      case "question_removed": this.#remove(frame.question_id, frame.merged_into); return {};
      case "your_question": {
        const q = { ...frame.question, votesAt: frame.seq };
        this.mine.set(q.question_id, q);
        if (isPublic(q.status) || this.moderator) this.#upsert(q, frame.seq);
        else this.questions.delete(q.question_id);
        return { notice: frame.notice || null };
      }
      case "tallies":
        for (const { question_id: id, votes } of frame.votes) this.#setVotes(id, votes, frame.seq);
        return {};
      case "session_state": this.state = frame.state; return {};
      case "floor": this.floor = frame.floor; return {};
      case "backstage_note": this.backstage.push(frame.note); return { note: frame.note };
      case "presence": this.presence = frame.participants; return {};
      default: return null; // skip: only the sequence moves
    }
  }

  /** Folds an acknowledgement into the model (the server's word on one's own vote or hand). */
  applyAck(ack, command) {
    if (command.type === "vote" && ack.question_id !== undefined) {
      if (ack.voted) this.myVotes.add(ack.question_id);
      else this.myVotes.delete(ack.question_id);
      // An ack without a seq changed nothing; with one, its count is as of that seq.
      if (ack.votes !== undefined) this.#setVotes(ack.question_id, ack.votes, ack.seq ?? 0);
    }
    if (command.type === "raise_hand" && ack.entry_id !== undefined) this.myEntry = ack.entry_id;
  }

  /** Shows a vote as cast (or taken back) before the server confirms it. */
  optimisticVote(questionId, up) {
    if (up) this.myVotes.add(questionId);
    else this.myVotes.delete(questionId);
  }

  /** 0 when the person has the floor, n when n-th in the queue, null otherwise. */
  handPlace() {
    if (this.myEntry === null) return null;
    if (this.floor.speaking && this.floor.speaking.entry_id === this.myEntry) return 0;
    const i = this.floor.waiting.findIndex((e) => e.entry_id === this.myEntry);
    return i >= 0 ? i + 1 : null;
  }

  /** Where the questions stand, for the console's summary. */
  disposition() {
    const counts = { pending: 0, approved: 0, answered: 0, dismissed: 0, ...this.gone };
    const reasons = {};
    for (const q of this.questions.values()) {
      if (q.status in counts) counts[q.status] += 1;
      if (q.status === "dismissed" && q.dismiss_reason) {
        reasons[q.dismiss_reason] = (reasons[q.dismiss_reason] || 0) + 1;
      }
    }
    const asked = Object.values(counts).reduce((a, b) => a + b, 0);
    return { asked, ...counts, reasons };
  }

  #snapshot(s) {
    this.seq = s.seq;
    this.role = s.you.role;
    this.you = s.you;
    this.state = s.state;
    this.limits = s.limits;
    this.questions = new Map(s.questions.map((q) => [q.question_id, { ...q, votesAt: s.seq }]));
    this.mine = new Map((s.mine || []).map((q) => [q.question_id, { ...q, votesAt: s.seq }]));
    this.myVotes = new Set(s.my_votes || []);
    this.floor = s.floor;
    const mineEntry = [s.floor.speaking, ...s.floor.waiting].find((e) => e && e.mine);
    if (mineEntry) this.myEntry = mineEntry.entry_id;
    this.backstage = s.backstage || [];
    this.presence = s.participants_connected;
    if (s.disposition) this.gone = { merged: s.disposition.merged, withdrawn: s.disposition.withdrawn };
    for (const id of this.questions.keys()) this.known.add(id);
    for (const id of this.mine.keys()) this.known.add(id);
    return { snapshot: true };
  }

  /** Stores a question; returns [it] when it was never seen before, else []. */
  #upsert(question, seq) {
    if (question.status === "merged" || question.status === "withdrawn") {
      this.#remove(question.question_id, question.merged_into);
      return [];
    }
    const fresh = !this.known.has(question.question_id);
    this.known.add(question.question_id);
    this.questions.set(question.question_id, { ...question, votesAt: seq });
    const own = this.mine.get(question.question_id);
    if (own) this.mine.set(question.question_id, { ...own, ...question, mine: true, votesAt: seq });
    return fresh ? [question] : [];
  }

  #remove(id, mergedInto) {
    if (this.questions.delete(id) && this.moderator) {
      if (mergedInto) this.gone.merged += 1;
      else this.gone.withdrawn += 1;
    }
  }

  #setVotes(id, votes, seq) {
    for (const map of [this.questions, this.mine]) {
      const q = map.get(id);
      if (q && seq >= (q.votesAt || 0)) {
        q.votes = votes;
        q.votesAt = seq;
      }
    }
  }
}

/** The lists' order (the server sorts the same way): pinned first, open before answered, then
 * most votes or newest, then oldest id. */
export function sortQuestions(list, recent = false) {
  return [...list].sort((a, b) =>
    (b.pinned ? 1 : 0) - (a.pinned ? 1 : 0)
    || (a.status === "answered" ? 1 : 0) - (b.status === "answered" ? 1 : 0)
    || (recent
      ? b.asked_at - a.asked_at || b.question_id - a.question_id
      : b.votes - a.votes || a.question_id - b.question_id));
}

/** "#12 · Robin · Votes: 3 · Answered · On screen": as the server's `Drawer::meta`. */
export function questionMeta(t, q, onScreen) {
  const parts = [`#${q.question_id}`];
  if (q.handle && q.anonymous) parts.push(t("live-asked-anonymously", { handle: q.handle }));
  else if (q.handle) parts.push(q.handle);
  else parts.push(t("live-anonymous"));
  parts.push(t("live-votes", { n: q.votes }));
  if (q.status === "answered") parts.push(t("live-status-answered"));
  if (onScreen === q.question_id) parts.push(t("live-on-screen"));
  if (q.pinned) parts.push(t("live-pinned"));
  if (q.label) parts.push(q.label);
  if (q.edited) parts.push(t("live-edited"));
  if (q.merged_count) parts.push(t("live-merged-count", { n: q.merged_count }));
  return parts.join(" · ");
}

/** The asker's view of a question's fate: as the server's `Drawer::fate`. */
export function questionFate(t, q) {
  let fate;
  if (q.status === "merged" && q.merged_into) fate = t("live-merged-into", { n: q.merged_into });
  else if (q.status === "dismissed" && q.dismiss_reason) {
    fate = t("live-dismissed-because", { reason: t(`dismiss-reason-${q.dismiss_reason}`) });
  } else fate = t(`live-status-${q.status}`);
  return `${fate} · ${t("live-votes", { n: q.votes })}`;
}

/** "Held for review: a phone number": as the server's `Drawer::held`. */
export function heldFor(t, q) {
  if (!q.held_for) return "";
  const what = q.held_for.split(",").map((f) => {
    const key = `live-finding-${f}`;
    const text = t(key);
    return text === key ? f : text;
  });
  return t("live-held-because", { what: what.join(", ") });
}
