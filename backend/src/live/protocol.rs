//! The live protocol: every frame a client may send and every frame the server sends, as serde
//! tagged enums. The server, the load test and `docs/PROTOCOL.md` share these types.
//!
//! Frames are JSON text. Client frames carry a `client_id` the client makes up (unique per
//! participant or moderator); a retry with the same id returns the original result. Server frames
//! that describe a committed change carry `seq`, the session's sequence number: a client keeps the
//! highest it has seen and passes it as `?since=` when it reconnects.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::domain::qa::{DismissReason, QuestionStatus};

/// What a client sends: a client-made id plus one command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientFrame {
    /// Made by the client, 1–64 visible ASCII characters; a retry reuses it.
    pub client_id: String,
    #[serde(flatten)]
    pub command: Command,
}

/// Everything a client can ask for. Participant commands first, then moderator commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Ask a question (participants).
    Ask {
        text: String,
        /// Hide the handle from other participants; moderators still see it.
        #[serde(default)]
        anonymous: bool,
    },
    /// Upvote (`up: true`) or take an upvote back (participants).
    Vote {
        question_id: i64,
        up: bool,
    },
    /// Take back one's own question (participants).
    Withdraw {
        question_id: i64,
    },
    /// Join the floor queue (participants).
    RaiseHand,
    /// Leave the floor queue (participants).
    LowerHand,
    /// Erase everything this participant wrote in the session (participants). Their questions
    /// become content-free tombstones, their votes are withdrawn and their sockets close (4004).
    EraseMyData,

    /// Make a pending (or dismissed) question visible.
    Approve {
        question_id: i64,
    },
    /// Hide a question, telling its asker why.
    Dismiss {
        question_id: i64,
        reason: DismissReason,
    },
    MarkAnswered {
        question_id: i64,
    },
    /// Undo "answered".
    Reopen {
        question_id: i64,
    },
    /// Put a question on the presenter screen, or clear the screen with `null`.
    ShowOnScreen {
        question_id: Option<i64>,
    },
    /// Fold a duplicate into another question: votes combine, no voter counted twice.
    Merge {
        question_id: i64,
        into: i64,
    },
    /// Replace a question's text (to redact personal data, for instance).
    Edit {
        question_id: i64,
        text: String,
    },
    /// Set a short label ("" clears it).
    Label {
        question_id: i64,
        label: String,
    },
    Pin {
        question_id: i64,
        pinned: bool,
    },
    /// A short public note under a question ("" clears it).
    Reply {
        question_id: i64,
        text: String,
    },
    SetQaState {
        state: QaState,
    },
    SetModeration {
        mode: ModerationMode,
    },
    SetFloorOrder {
        order: FloorOrder,
    },
    /// Give the floor to the proposed next speaker.
    CallNext,
    /// Give the floor to one waiting entry.
    CallSpeaker {
        entry_id: i64,
    },
    /// Pass over a waiting entry.
    SkipSpeaker {
        entry_id: i64,
    },
    /// Empty the floor queue.
    ClearFloor,
    /// A note to the other moderators.
    Backstage {
        text: String,
    },
    /// Stop (`true`) or resume all participant activity: no questions, votes or raised hands.
    Suspend {
        suspended: bool,
    },
    /// Remove a participant from the session (their open questions are dismissed and their
    /// sockets closed); with `ban`, also from every session of the event.
    RemoveParticipant {
        participant_id: i64,
        #[serde(default)]
        ban: bool,
    },
    /// Set the session's safeguarding level (organizers only).
    SetSafeguarding {
        level: SafeguardingLevel,
    },

    /// One line of live captions (the session's captioners and organizers). Stored as the next
    /// segment of the session's transcript; everyone gets a `caption` frame. The speaker label
    /// is what the captioner typed ("" when unknown), never filled in from a participant.
    Caption {
        text: String,
        speaker: String,
        kind: CaptionKind,
    },
}

impl Command {
    /// True for the commands only a session's moderators may send.
    pub fn is_moderator_command(&self) -> bool {
        !self.is_participant_command() && !self.is_caption()
    }

    /// True for the commands a participant sends.
    pub fn is_participant_command(&self) -> bool {
        matches!(
            self,
            Command::Ask { .. }
                | Command::Vote { .. }
                | Command::Withdraw { .. }
                | Command::RaiseHand
                | Command::LowerHand
                | Command::EraseMyData
        )
    }

    /// True for a caption line, which captioners (and organizers) send.
    pub fn is_caption(&self) -> bool {
        matches!(self, Command::Caption { .. })
    }

    /// The wire name of the command, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Ask { .. } => "ask",
            Command::Vote { .. } => "vote",
            Command::Withdraw { .. } => "withdraw",
            Command::RaiseHand => "raise_hand",
            Command::LowerHand => "lower_hand",
            Command::EraseMyData => "erase_my_data",
            Command::Approve { .. } => "approve",
            Command::Dismiss { .. } => "dismiss",
            Command::MarkAnswered { .. } => "mark_answered",
            Command::Reopen { .. } => "reopen",
            Command::ShowOnScreen { .. } => "show_on_screen",
            Command::Merge { .. } => "merge",
            Command::Edit { .. } => "edit",
            Command::Label { .. } => "label",
            Command::Pin { .. } => "pin",
            Command::Reply { .. } => "reply",
            Command::SetQaState { .. } => "set_qa_state",
            Command::SetModeration { .. } => "set_moderation",
            Command::SetFloorOrder { .. } => "set_floor_order",
            Command::CallNext => "call_next",
            Command::CallSpeaker { .. } => "call_speaker",
            Command::SkipSpeaker { .. } => "skip_speaker",
            Command::ClearFloor => "clear_floor",
            Command::Backstage { .. } => "backstage",
            Command::Suspend { .. } => "suspend",
            Command::RemoveParticipant { .. } => "remove_participant",
            Command::SetSafeguarding { .. } => "set_safeguarding",
            Command::Caption { .. } => "caption",
        }
    }
}

/// What a caption line is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptionKind {
    #[default]
    Speech,
    /// "(Applause)", "(Music)": what happens besides speech.
    StageNote,
}

/// Where a line shown as a caption came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptionSource {
    /// Typed live by a human captioner.
    Captioner,
    /// From a transcript imported afterwards (a published one).
    Imported,
}

/// One caption line as everyone sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptionLine {
    /// The transcript segment it is stored as (`/archive/sessions/{id}#seg-{segment_id}` once
    /// published).
    pub segment_id: i64,
    /// The speaker label the captioner typed; "" when unknown.
    pub speaker: String,
    pub kind: CaptionKind,
    pub text: String,
    /// Milliseconds from the transcript's first line.
    pub starts_ms: i64,
    /// Unix seconds.
    pub at: i64,
    pub source: CaptionSource,
}

/// Whether participants may ask and vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QaState {
    /// Nothing from participants; questions stay visible.
    Closed,
    Open,
    /// Votes but no new questions.
    VotingOnly,
    /// A short stop: nothing from participants until reopened.
    Paused,
}

/// Whether questions need a moderator's approval before others see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationMode {
    /// Nothing is visible until approved.
    Pre,
    /// Visible at once (unless held for contact details); moderators can dismiss.
    Post,
}

/// How the floor queue proposes the next speaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloorOrder {
    FirstCome,
    /// Stakeholder groups and regions take turns.
    Balanced,
}

/// Who a connection speaks for; decided by the server from cookies and session roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads what is public (the presenter screen, someone who has not joined).
    Viewer,
    Participant,
    Moderator,
}

/// Everything the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The first frame on every connection (and after a resume that is too far behind).
    Snapshot(Box<Snapshot>),
    /// A command was committed (or was already, for a retry).
    Ack {
        client_id: String,
        /// The sequence number of the change; absent when nothing changed.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        seq: Option<i64>,
        #[serde(flatten)]
        result: AckResult,
    },
    /// A command was refused; nothing changed.
    Error {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        client_id: Option<String>,
        code: ErrorCode,
        message: String,
        /// For `rate_limited`: when to try again.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        retry_after_ms: Option<u64>,
    },
    /// A question appeared or changed, as this audience may see it.
    Question { seq: i64, question: QuestionView },
    /// A question is no longer visible to this audience (dismissed, withdrawn or merged).
    QuestionRemoved {
        seq: i64,
        question_id: i64,
        /// When it was merged: the question its votes went to.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        merged_into: Option<i64>,
    },
    /// One of the receiver's own questions changed (only its asker gets this).
    YourQuestion {
        seq: i64,
        question: QuestionView,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        notice: Option<Notice>,
    },
    /// Vote tallies, coalesced: the latest counts up to `seq`.
    Tallies { seq: i64, votes: Vec<Tally> },
    /// Q&A state, moderation mode, floor order or the question on screen changed.
    SessionState { seq: i64, state: LiveState },
    /// The floor queue changed.
    Floor { seq: i64, floor: FloorView },
    /// A backstage note (moderators only).
    BackstageNote { seq: i64, note: BackstageNote },
    /// A change with nothing for this audience: keeps its sequence numbers continuous.
    Skip { seq: i64 },
    /// How many participants are connected (not a committed change: no `seq`).
    Presence { participants: u64 },
    /// A line of live captions.
    Caption { seq: i64, caption: CaptionLine },
}

impl ServerFrame {
    /// The sequence number of a committed change, if this frame carries one.
    pub fn seq(&self) -> Option<i64> {
        match self {
            ServerFrame::Snapshot(s) => Some(s.seq),
            ServerFrame::Question { seq, .. }
            | ServerFrame::QuestionRemoved { seq, .. }
            | ServerFrame::YourQuestion { seq, .. }
            | ServerFrame::Tallies { seq, .. }
            | ServerFrame::SessionState { seq, .. }
            | ServerFrame::Floor { seq, .. }
            | ServerFrame::BackstageNote { seq, .. }
            | ServerFrame::Caption { seq, .. }
            | ServerFrame::Skip { seq } => Some(*seq),
            ServerFrame::Ack { .. } | ServerFrame::Error { .. } | ServerFrame::Presence { .. } => {
                None
            }
        }
    }
}

/// What a committed command produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckResult {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub question_id: Option<i64>,
    /// The status a new question got (`pending` when it waits for a moderator).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<QuestionStatus>,
    /// The question's vote count after a vote.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub votes: Option<i64>,
    /// Whether the sender's upvote stands after a vote.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub voted: Option<bool>,
    /// The floor-queue entry a raised hand got or a call concerned.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub entry_id: Option<i64>,
    /// The transcript segment a caption line was stored as.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub segment_id: Option<i64>,
}

/// Stable error codes to switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or a field is missing or of the wrong type.
    Malformed,
    /// The `type` is not a command this server knows.
    UnknownType,
    /// The sender may not do this (a participant sending a moderator command, a viewer asking).
    Forbidden,
    NotFound,
    /// The question is not in a state that allows this (approving a withdrawn question, ...).
    InvalidState,
    /// The Q&A state does not allow this now (asking while closed, voting while paused).
    QaClosed,
    /// Text missing, too long, or with characters that are not allowed.
    InvalidText,
    RateLimited,
    /// A moderator has suspended participant activity in this session.
    Suspended,
    /// Too many commands waiting for their acknowledgement on this connection.
    TooManyInFlight,
    /// The server could not store the change; nothing was acknowledged. Retry with the same id.
    Unavailable,
}

/// A question as one audience may see it. Fields a receiver may not see are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub question_id: i64,
    pub text: String,
    /// The asker's handle, absent when they asked anonymously (moderators always get it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub handle: Option<String>,
    pub status: QuestionStatus,
    pub votes: i64,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub label: String,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub pinned: bool,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub reply: String,
    /// The text was changed by a moderator.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub edited: bool,
    /// How many duplicates were merged into this question.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub merged_count: i64,
    /// Unix seconds.
    pub asked_at: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub answered_at: Option<i64>,
    /// True on the asker's own questions.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub mine: bool,
    /// Moderators and the asker: asked anonymously.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub anonymous: bool,
    /// Moderators and the asker: why it was dismissed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dismiss_reason: Option<DismissReason>,
    /// Moderators and the asker: the question it was merged into.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub merged_into: Option<i64>,
    /// Moderators: why it was held for review whatever the moderation mode.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub held_for: String,
    /// Moderators: the asker's participant id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub participant_id: Option<i64>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A notice for an asker, beyond their question's new status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// Another participant's duplicate was merged into this question (its votes came along).
    DuplicateMergedIn,
}

/// One question's vote count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub question_id: i64,
    pub votes: i64,
}

/// The session-wide settings of live Q&A.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveState {
    pub qa_state: QaState,
    pub moderation: ModerationMode,
    pub floor_order: FloorOrder,
    /// The question on the presenter screen.
    pub on_screen: Option<i64>,
    #[serde(default)]
    pub safeguarding: SafeguardingLevel,
    /// All participant activity is stopped by a moderator.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspended: bool,
}

/// How a session protects its participants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SafeguardingLevel {
    #[default]
    Standard,
    /// Young participants: always pre-moderated, handles hidden from other participants.
    Youth,
}

/// The floor queue as one audience may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloorView {
    /// Waiting entries in the order they will be called (balanced order when it is on).
    pub waiting: Vec<FloorEntryView>,
    /// The entry that has the floor now.
    pub speaking: Option<FloorEntryView>,
}

/// One raised hand. Participants see only ids and their own entry's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloorEntryView {
    pub entry_id: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub mine: bool,
    /// Moderators (and the person themself) only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub attendance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stakeholder_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub regional_group: Option<String>,
}

/// A note between moderators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackstageNote {
    pub author: String,
    pub text: String,
    pub at: i64,
}

/// Where the questions of a session stand: asked, approved, answered, merged, dismissed by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Disposition {
    pub asked: i64,
    pub pending: i64,
    pub approved: i64,
    pub answered: i64,
    pub merged: i64,
    pub withdrawn: i64,
    pub dismissed: i64,
    /// Dismissals per reason code, reasons with none left out.
    pub dismissed_by_reason: std::collections::BTreeMap<String, i64>,
}

/// The receiver's identity in this session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct You {
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub participant_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub handle: Option<String>,
}

/// Everything a client needs to draw the session, as of `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub seq: i64,
    pub session_id: i64,
    pub title: String,
    pub join_code: String,
    pub you: You,
    pub state: LiveState,
    /// The questions this receiver may see (moderators: all but withdrawn and merged).
    pub questions: Vec<QuestionView>,
    /// The receiver's own questions, whatever their status (participants).
    #[serde(default)]
    pub mine: Vec<QuestionView>,
    /// Questions the receiver has upvoted.
    #[serde(default)]
    pub my_votes: Vec<i64>,
    pub floor: FloorView,
    /// Moderators: the latest backstage notes, oldest first.
    #[serde(default)]
    pub backstage: Vec<BackstageNote>,
    /// Moderators: where the questions stand.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub disposition: Option<Disposition>,
    /// The latest caption lines (at most 50), oldest first, so a late joiner has context.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub captions: Vec<CaptionLine>,
    pub participants_connected: u64,
    /// Limits the client should respect.
    pub limits: Limits,
}

/// A snapshot frame as the server writes it to a socket, with what many receivers share
/// (`questions`, `captions`) already serialised: the same text as `ServerFrame::Snapshot` (a
/// test holds them to it), without cloning and re-serialising a busy session's questions and
/// captions for each of the thousands of sockets a join storm opens (docs/BENCHMARKS.md, S2).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename = "snapshot")]
pub struct SnapshotFrame<'a> {
    pub seq: i64,
    pub session_id: i64,
    pub title: &'a str,
    pub join_code: &'a str,
    pub you: &'a You,
    pub state: &'a LiveState,
    pub questions: &'a RawValue,
    pub mine: &'a [QuestionView],
    pub my_votes: &'a [i64],
    pub floor: &'a FloorView,
    pub backstage: &'a [BackstageNote],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<&'a Disposition>,
    /// `None` when there are none, as `Snapshot` leaves an empty list out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captions: Option<&'a RawValue>,
    pub participants_connected: u64,
    pub limits: Limits,
}

/// Limits published to clients so their forms can say them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub question_chars: usize,
    pub reply_chars: usize,
    pub questions_per_minute: u32,
}

/// Close codes the server uses (besides the standard 1000, 1001, 1008 and 1009).
pub mod close {
    /// The client fell behind; the reason is `resume:<seq>`, the point to reconnect from.
    pub const FELL_BEHIND: u16 = 4008;
    /// No pong within the timeout.
    pub const TIMED_OUT: u16 = 4000;
    /// A moderator removed this participant from the session.
    pub const REMOVED: u16 = 4003;
    /// The participant erased their data; their join no longer exists.
    pub const ERASED: u16 = 4004;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_frame_reads_as_flat_json() {
        let frame: ClientFrame =
            serde_json::from_str(r#"{"type":"vote","client_id":"c1","question_id":7,"up":true}"#)
                .unwrap();
        assert_eq!(
            frame,
            ClientFrame {
                client_id: "c1".into(),
                command: Command::Vote {
                    question_id: 7,
                    up: true
                }
            }
        );
        let ask: ClientFrame =
            serde_json::from_str(r#"{"type":"ask","client_id":"c2","text":"Why?"}"#).unwrap();
        assert_eq!(
            ask.command,
            Command::Ask {
                text: "Why?".into(),
                anonymous: false
            }
        );
        assert!(!ask.command.is_moderator_command());
    }

    /// `SnapshotFrame` with its shared parts serialised apart writes the same text as
    /// `ServerFrame::Snapshot`, field for field and in the same order.
    #[test]
    fn a_snapshot_frame_writes_what_a_snapshot_writes() {
        let rich = serde_json::json!({
            "seq": 41, "session_id": 13, "title": "Children's \"voices\" – online", "join_code": "KX7PQ2",
            "you": {"role": "participant", "participant_id": 5, "handle": "Amara"},
            "state": {"qa_state": "open", "moderation": "pre", "floor_order": "balanced",
                      "on_screen": 7, "safeguarding": "youth"},
            "questions": [
                {"question_id": 7, "text": "How do we hear young people?", "handle": "Ravi",
                 "status": "approved", "votes": 12, "pinned": true, "merged_count": 2, "asked_at": 1700000000},
                {"question_id": 9, "text": "Who funds hubs?", "status": "answered", "votes": 0,
                 "reply": "Next session", "asked_at": 1700000100, "answered_at": 1700000200}
            ],
            "mine": [{"question_id": 11, "text": "Mine, held", "status": "pending", "votes": 0,
                      "asked_at": 1700000300, "mine": true, "held_for": ""}],
            "my_votes": [7, 9],
            "floor": {"waiting": [{"entry_id": 3, "mine": true, "handle": "Amara"}, {"entry_id": 4}],
                      "speaking": {"entry_id": 2}},
            "backstage": [],
            "captions": [{"segment_id": 1, "speaker": "Chair", "kind": "speech", "text": "Welcome – bienvenue",
                          "starts_ms": 0, "at": 1700000000, "source": "captioner"}],
            "participants_connected": 812,
            "limits": {"question_chars": 280, "reply_chars": 500, "questions_per_minute": 3}
        });
        let mut quiet = rich.clone();
        quiet["captions"] = serde_json::json!([]);
        quiet["questions"] = serde_json::json!([]);
        quiet["floor"] = serde_json::json!({"waiting": [], "speaking": null});
        for value in [rich, quiet] {
            let snapshot: Snapshot = serde_json::from_value(value).unwrap();
            let questions = serde_json::value::to_raw_value(&snapshot.questions).unwrap();
            let captions = (!snapshot.captions.is_empty())
                .then(|| serde_json::value::to_raw_value(&snapshot.captions).unwrap());
            let frame = SnapshotFrame {
                seq: snapshot.seq,
                session_id: snapshot.session_id,
                title: &snapshot.title,
                join_code: &snapshot.join_code,
                you: &snapshot.you,
                state: &snapshot.state,
                questions: &questions,
                mine: &snapshot.mine,
                my_votes: &snapshot.my_votes,
                floor: &snapshot.floor,
                backstage: &snapshot.backstage,
                disposition: snapshot.disposition.as_ref(),
                captions: captions.as_deref(),
                participants_connected: snapshot.participants_connected,
                limits: snapshot.limits,
            };
            let expected =
                serde_json::to_string(&ServerFrame::Snapshot(Box::new(snapshot.clone())));
            assert_eq!(serde_json::to_string(&frame).unwrap(), expected.unwrap());
        }
    }

    #[test]
    fn server_frames_round_trip() {
        let frames = vec![
            ServerFrame::Ack {
                client_id: "c1".into(),
                seq: Some(4),
                result: AckResult {
                    question_id: Some(3),
                    status: Some(QuestionStatus::Pending),
                    ..AckResult::default()
                },
            },
            ServerFrame::Tallies {
                seq: 9,
                votes: vec![Tally {
                    question_id: 3,
                    votes: 12,
                }],
            },
            ServerFrame::Presence { participants: 40 },
            ServerFrame::Skip { seq: 10 },
        ];
        for frame in frames {
            let text = serde_json::to_string(&frame).unwrap();
            let back: ServerFrame = serde_json::from_str(&text).unwrap();
            assert_eq!(back, frame, "{text}");
        }
    }

    /// The `type` names of every command, by a match with no wildcard: a new variant fails to
    /// compile here until it is listed (and then the test asks for its example in the docs).
    fn command_type(command: &Command) -> &'static str {
        match command {
            Command::Ask { .. }
            | Command::Vote { .. }
            | Command::Withdraw { .. }
            | Command::RaiseHand
            | Command::LowerHand
            | Command::EraseMyData
            | Command::Approve { .. }
            | Command::Dismiss { .. }
            | Command::MarkAnswered { .. }
            | Command::Reopen { .. }
            | Command::ShowOnScreen { .. }
            | Command::Merge { .. }
            | Command::Edit { .. }
            | Command::Label { .. }
            | Command::Pin { .. }
            | Command::Reply { .. }
            | Command::SetQaState { .. }
            | Command::SetModeration { .. }
            | Command::SetFloorOrder { .. }
            | Command::CallNext
            | Command::CallSpeaker { .. }
            | Command::SkipSpeaker { .. }
            | Command::ClearFloor
            | Command::Backstage { .. }
            | Command::Suspend { .. }
            | Command::RemoveParticipant { .. }
            | Command::SetSafeguarding { .. }
            | Command::Caption { .. } => command.name(),
        }
    }

    const COMMAND_COUNT: usize = 28;
    const SERVER_TYPES: &[&str] = &[
        "snapshot",
        "ack",
        "error",
        "question",
        "question_removed",
        "your_question",
        "tallies",
        "session_state",
        "floor",
        "backstage_note",
        "skip",
        "presence",
        "caption",
    ];

    fn server_type(frame: &ServerFrame) -> &'static str {
        match frame {
            ServerFrame::Snapshot(_) => "snapshot",
            ServerFrame::Ack { .. } => "ack",
            ServerFrame::Error { .. } => "error",
            ServerFrame::Question { .. } => "question",
            ServerFrame::QuestionRemoved { .. } => "question_removed",
            ServerFrame::YourQuestion { .. } => "your_question",
            ServerFrame::Tallies { .. } => "tallies",
            ServerFrame::SessionState { .. } => "session_state",
            ServerFrame::Floor { .. } => "floor",
            ServerFrame::BackstageNote { .. } => "backstage_note",
            ServerFrame::Skip { .. } => "skip",
            ServerFrame::Presence { .. } => "presence",
            ServerFrame::Caption { .. } => "caption",
        }
    }

    /// The fenced blocks of `docs/PROTOCOL.md` whose info string is `info`.
    fn examples(info: &str) -> Vec<String> {
        let doc = include_str!("../../../docs/PROTOCOL.md");
        let mut found = Vec::new();
        let mut current: Option<String> = None;
        for line in doc.lines() {
            match &mut current {
                None if line.trim() == format!("```{info}") => current = Some(String::new()),
                Some(block) if line.trim() == "```" => {
                    found.push(std::mem::take(block));
                    current = None;
                }
                Some(block) => {
                    block.push_str(line);
                    block.push('\n');
                }
                None => {}
            }
        }
        found
    }

    #[test]
    fn every_documented_example_parses_and_every_frame_is_documented() {
        let mut commands = std::collections::BTreeSet::new();
        for text in examples("json client") {
            let frame: ClientFrame =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            let written: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                serde_json::to_value(&frame).unwrap(),
                written,
                "round trip of {text}"
            );
            commands.insert(command_type(&frame.command));
        }
        assert_eq!(
            commands.len(),
            COMMAND_COUNT,
            "commands with an example: {commands:?}"
        );
        let mut frames = std::collections::BTreeSet::new();
        for text in examples("json server") {
            let frame: ServerFrame =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            let written: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                serde_json::to_value(&frame).unwrap(),
                written,
                "round trip of {text}"
            );
            frames.insert(server_type(&frame));
        }
        let all: std::collections::BTreeSet<&str> = SERVER_TYPES.iter().copied().collect();
        assert_eq!(frames, all, "server frames with an example");
    }
}
