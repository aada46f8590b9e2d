// The live websocket, shared by the participant page, the moderator console and the screen.
//
// - Connects to /live/sessions/{id}/socket on this origin (ws: or wss: as the page).
// - Passes frames on in sequence order: a snapshot resets the sequence; a frame at or below the
//   last seen sequence is a repeat and is dropped; `tallies` may jump ahead (they coalesce vote
//   changes); any other jump is a gap, so the socket is closed and resumed from the last seen.
// - Reconnects with capped, jittered exponential backoff (0.5 s doubling to 15 s, ±30 %),
//   passing ?since=<last seq> so the server replays what was missed (or sends a snapshot).
// - Every submission gets a client-made id; one not yet acknowledged when the socket drops is
//   sent again with the same id after reconnecting, and the server answers it once.
// See docs/PROTOCOL.md.

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 15000;
/** A submission unanswered this long on an open socket means the socket is stuck. */
const ACK_TIMEOUT_MS = 15000;
/** Close codes after which reconnecting cannot help (docs/PROTOCOL.md). */
const FINAL = { 4003: "removed", 4004: "erased" };
/** Refusals that mean "nothing happened, try again with the same id". */
const RETRY_CODES = new Set(["unavailable", "too_many_in_flight"]);

function newClientId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class LiveConnection {
  /**
   * @param {object} options
   * @param {string} options.sessionId
   * @param {boolean} [options.presenter] connect read-only as the big screen
   * @param {(frame: object) => void} options.onFrame frames in order (never acks or errors)
   * @param {(state: string, detail?: object) => void} options.onStatus
   *   `connecting`, `connected`, `reconnecting`, or a final `removed` / `erased`
   */
  constructor({ sessionId, presenter = false, onFrame, onStatus }) {
    this.sessionId = sessionId;
    this.presenter = presenter;
    this.onFrame = onFrame;
    this.onStatus = onStatus || (() => {});
    this.lastSeq = null;
    this.ws = null;
    this.backoff = FIRST_BACKOFF_MS;
    this.retryTimer = null;
    this.ended = false;
    /** client_id -> {frame, resolve, reject, sentAt} */
    this.pending = new Map();
    this.watchdog = setInterval(() => this.#checkStuck(), 5000);
    addEventListener("online", () => this.#reconnectSoon());
    addEventListener("pagehide", (event) => {
      if (event.persisted && this.ws) this.ws.close(1000, "page hidden");
    });
    addEventListener("pageshow", (event) => { if (event.persisted) this.#reconnectSoon(); });
  }

  /** Opens the socket. */
  start() {
    this.onStatus("connecting");
    this.#open();
  }

  /** True when a submission would go out now rather than after reconnecting. */
  get open() {
    return Boolean(this.ws && this.ws.readyState === WebSocket.OPEN);
  }

  /**
   * Sends a command; resolves with its `ack` frame, rejects with its `error` frame. If the
   * connection drops first, it is sent again with the same client_id once reconnected.
   */
  send(command) {
    const clientId = newClientId();
    const frame = { client_id: clientId, ...command };
    return new Promise((resolve, reject) => {
      if (this.ended) {
        reject({ type: "error", code: "forbidden" });
        return;
      }
      this.pending.set(clientId, { frame, resolve, reject, sentAt: Date.now() });
      this.#transmit(frame);
    });
  }

  /** How many submissions wait for their acknowledgement. */
  get waiting() {
    return this.pending.size;
  }

  #url() {
    const url = new URL(`/live/sessions/${encodeURIComponent(this.sessionId)}/socket`, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (this.presenter) url.searchParams.set("view", "presenter");
    if (this.lastSeq !== null) url.searchParams.set("since", String(this.lastSeq));
    return url;
  }

  #open() {
    this.retryTimer = null;
    if (this.ended) return;
    let ws;
    try {
      ws = new WebSocket(this.#url());
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.ws = ws;
    let heard = false;
    ws.onopen = () => {
      for (const p of this.pending.values()) {
        p.sentAt = Date.now();
        ws.send(JSON.stringify(p.frame));
      }
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      if (!heard) {
        heard = true;
        // Only a connection that delivers resets the backoff: a server that accepts and drops
        // at once must not be hammered.
        this.backoff = FIRST_BACKOFF_MS;
        this.onStatus("connected");
      }
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.#receive(frame, ws);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      const final = FINAL[event.code];
      if (final) {
        this.#end(final);
        return;
      }
      if (event.code === 1009) {
        // Our own frame was too big: resending it would only repeat this.
        this.#rejectAll({ type: "error", code: "invalid_text" });
      }
      // 4008 (fell behind) and a gap we closed for ourselves: resume at once from what we have.
      // 1001 (server restarting) and everything else: back off.
      const soon = event.code === 4008 || event.code === 4001;
      this.onStatus("reconnecting", { waiting: this.pending.size });
      this.#scheduleReconnect(soon);
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  #receive(frame, ws) {
    switch (frame.type) {
      case "ack": {
        const p = this.pending.get(frame.client_id);
        if (p) {
          this.pending.delete(frame.client_id);
          p.resolve(frame);
        }
        return;
      }
      case "error": {
        const p = frame.client_id ? this.pending.get(frame.client_id) : null;
        if (!p) return;
        if (RETRY_CODES.has(frame.code)) {
          // Nothing was stored: try the same id again a little later.
          setTimeout(() => { if (this.pending.has(frame.client_id)) this.#transmit(p.frame); },
            frame.retry_after_ms || 1000);
          return;
        }
        this.pending.delete(frame.client_id);
        p.reject(frame);
        return;
      }
      case "presence":
        this.onFrame(frame);
        return;
      case "snapshot":
        this.lastSeq = frame.seq;
        this.onFrame(frame);
        return;
      default:
        break;
    }
    if (typeof frame.seq !== "number") {
      this.onFrame(frame);
      return;
    }
    if (this.lastSeq !== null && frame.seq <= this.lastSeq) return;
    const next = this.lastSeq === null ? frame.seq : this.lastSeq + 1;
    if (frame.type !== "tallies" && frame.seq !== next) {
      // Something was missed: start again from the last frame applied.
      ws.close(4001, "gap");
      return;
    }
    this.lastSeq = frame.seq;
    this.onFrame(frame);
  }

  #transmit(frame) {
    if (this.open) this.ws.send(JSON.stringify(frame));
  }

  #scheduleReconnect(soon = false) {
    if (this.ended || this.retryTimer) return;
    const base = soon ? 100 : this.backoff;
    const wait = Math.min(base, MAX_BACKOFF_MS) * (0.7 + Math.random() * 0.6);
    if (!soon) this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => this.#open(), wait);
  }

  #reconnectSoon() {
    if (this.ended || this.open) return;
    if (this.ws && this.ws.readyState === WebSocket.CONNECTING) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.backoff = FIRST_BACKOFF_MS;
    this.#scheduleReconnect(true);
  }

  #checkStuck() {
    if (!this.open) return;
    const now = Date.now();
    for (const p of this.pending.values()) {
      if (now - p.sentAt > ACK_TIMEOUT_MS) {
        // The socket looks open but nothing comes back: start a fresh one (and resend).
        this.ws.close(4000, "no acknowledgement");
        return;
      }
    }
  }

  #rejectAll(error) {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  #end(reason) {
    this.ended = true;
    clearInterval(this.watchdog);
    this.#rejectAll({ type: "error", code: "forbidden" });
    this.onStatus(reason);
  }
}
