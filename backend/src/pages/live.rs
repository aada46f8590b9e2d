//! The live pages: a participant's page (the join form, then questions, votes, the floor queue),
//! the moderator console and the presenter screen.
//!
//! Each page is rendered on the server from a snapshot of the live engine, so it reads (and its
//! forms work) without script: a form posts the same command a websocket frame would carry, and
//! [`command_from_form`] turns it into the protocol's own [`Command`]. The ES modules in
//! `static/live/` then connect the websocket, apply frames in sequence order and patch the lists
//! in place. New list items are cloned from `<template>`s rendered here from the same markup, so
//! every word the script shows comes from the message catalog.

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::organize::Choice;
use super::transcripts::CaptionsView;
use super::{Ctx, FormState, PageError, render, render_status};
use crate::auth::Staff;
use crate::domain::qa::{DismissReason, QuestionStatus};
use crate::domain::schedule::{AgeBand, Attendance, RegionalGroup, StakeholderGroup};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::ratelimit::{ClientAddress, RateLimits};
use crate::live::participants::{
    self, JoinRequest, LiveSessionInfo, ParticipantRef, participant_cookie, participant_cookie_name,
};
use crate::live::protocol::{
    ClientFrame, Command, ErrorCode, FloorEntryView, FloorOrder, Limits, LiveState, ModerationMode,
    QaState, QuestionView, SafeguardingLevel, Snapshot,
};
use crate::live::store::{Actor, Audience};

/// The live page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/live/{session_id}", get(live_page))
        .route("/live/{session_id}/join", post(join))
        .route("/live/{session_id}/act", post(participant_act))
        .route(
            "/live/{session_id}/moderate",
            get(console).post(moderator_act),
        )
        .route("/live/{session_id}/moderators", post(change_moderators))
        .route("/live/{session_id}/screen", get(screen))
}

/// The cookie that carries a fresh participant's data key to the page that shows it once.
fn key_cookie_name(session_id: i64) -> String {
    format!("__Host-plenary-key-{session_id}")
}

/// Longest a form post waits for the session's writer before saying "try again".
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// Matches the engine's label limit (`store::LABEL_CHARS`).
const LABEL_CHARS: usize = 32;
/// Caption lines a live page renders (the snapshot's latest), and the screen's (read from afar).
const CAPTIONS_ON_PAGE: usize = 20;
const CAPTIONS_ON_SCREEN: usize = 3;
/// Merge targets listed in a server-rendered console item; the script lists them all.
const MERGE_TARGETS_RENDERED: usize = 40;

const REASONS: [DismissReason; 7] = [
    DismissReason::OffTopic,
    DismissReason::Duplicate,
    DismissReason::AlreadyAnswered,
    DismissReason::NotAQuestion,
    DismissReason::ContactDetails,
    DismissReason::BreaksCodeOfConduct,
    DismissReason::OutOfTime,
];
const REPORT_CATEGORIES: [&str; 7] = [
    "bullying",
    "personal_data",
    "grooming",
    "hate",
    "spam",
    "csam",
    "other",
];
const FINDINGS: [&str; 6] = [
    "email",
    "phone",
    "link",
    "social_handle",
    "street_address",
    "risk_word",
];
const ERROR_CODES: [ErrorCode; 11] = [
    ErrorCode::Malformed,
    ErrorCode::UnknownType,
    ErrorCode::Forbidden,
    ErrorCode::NotFound,
    ErrorCode::InvalidState,
    ErrorCode::QaClosed,
    ErrorCode::InvalidText,
    ErrorCode::RateLimited,
    ErrorCode::Suspended,
    ErrorCode::TooManyInFlight,
    ErrorCode::Unavailable,
];

/// The wire name of a protocol value (`"voting_only"`), from its serde form.
fn wire<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// What the templates draw

/// One question as the pages draw it. The same markup is rendered into a `<template>` (from
/// `Item::default()`) for the script to clone, so server and script draw it alike.
#[derive(Debug, Clone, Default)]
pub struct Item {
    pub id: i64,
    pub text: String,
    /// "#12 · Robin · Votes: 3 · Answered".
    pub meta: String,
    /// The public reply, and the same with its "Reply:" prefix for reading.
    pub reply: String,
    pub reply_shown: String,
    pub status: String,
    pub votes: i64,
    pub voted: bool,
    pub on_screen: bool,
    pub pinned: bool,
    pub label: String,
    /// Moderators: "Held for review: a phone number".
    pub held: String,
    pub participant_id: i64,
    /// The asker's own view: "Waiting for a moderator", "Not shown: off topic", ...
    pub fate: String,
    /// Votes may be cast now (the Q&A state allows it).
    pub voting_open: bool,
}

impl Item {
    fn is(&self, status: QuestionStatus) -> bool {
        self.status == status.as_str()
    }
    pub fn can_vote(&self) -> bool {
        self.is(QuestionStatus::Approved)
    }
    pub fn can_approve(&self) -> bool {
        self.is(QuestionStatus::Pending) || self.is(QuestionStatus::Dismissed)
    }
    pub fn can_answer(&self) -> bool {
        self.is(QuestionStatus::Approved)
    }
    pub fn can_reopen(&self) -> bool {
        self.is(QuestionStatus::Answered)
    }
    pub fn can_show(&self) -> bool {
        self.is(QuestionStatus::Approved) || self.is(QuestionStatus::Answered)
    }
    pub fn can_dismiss(&self) -> bool {
        self.can_show() || self.is(QuestionStatus::Pending)
    }
    pub fn can_merge(&self) -> bool {
        self.is(QuestionStatus::Pending) || self.is(QuestionStatus::Approved)
    }
    pub fn can_withdraw(&self) -> bool {
        self.is(QuestionStatus::Pending) || self.is(QuestionStatus::Approved)
    }
    pub fn answered(&self) -> bool {
        self.is(QuestionStatus::Answered)
    }
}

/// A raised hand in the floor queue, as the console shows it.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub entry_id: i64,
    /// "Robin · Online · Civil society · African Group".
    pub who: String,
}

/// A line of the disposition summary.
#[derive(Debug, Clone)]
pub struct Count {
    pub label: String,
    pub n: i64,
    /// A dismissal reason's line is indented under "dismissed".
    pub sub: bool,
}

/// A message about the last form post (no script): what happened, or why not.
#[derive(Debug, Clone)]
pub struct Notice {
    pub text: String,
    pub ok: bool,
}

/// Query parameters the live pages read.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// The last form post worked (`asked_pending`, `asked_approved`, `done`).
    done: Option<String>,
    /// The last form post was refused with this protocol error code.
    error: Option<String>,
    /// `popular` (default) or `recent`.
    sort: Option<String>,
}

impl PageQuery {
    fn notice(&self, ctx: &Ctx) -> Option<Notice> {
        if let Some(code) = &self.error {
            let known = ERROR_CODES.iter().any(|c| wire(*c) == *code);
            let key = if known {
                format!("live-error-{code}")
            } else {
                "live-error-malformed".into()
            };
            return Some(Notice {
                text: ctx.t.get(&key),
                ok: false,
            });
        }
        let key = match self.done.as_deref()? {
            "asked_pending" => "live-sent-pending",
            "asked_approved" => "live-sent-approved",
            _ => "live-done",
        };
        Some(Notice {
            text: ctx.t.get(key),
            ok: true,
        })
    }

    fn recent(&self) -> bool {
        self.sort.as_deref() == Some("recent")
    }
}

/// Draws questions in one language for one audience.
struct Drawer<'a> {
    ctx: &'a Ctx,
    state: LiveState,
    my_votes: &'a [i64],
}

impl Drawer<'_> {
    fn voting_open(&self) -> bool {
        !self.state.suspended && matches!(self.state.qa_state, QaState::Open | QaState::VotingOnly)
    }

    fn meta(&self, q: &QuestionView) -> String {
        let t = &self.ctx.t;
        let mut parts = vec![format!("#{}", q.question_id)];
        // Only moderators and the asker get both a handle and the anonymous flag.
        match (&q.handle, q.anonymous) {
            (Some(h), false) => parts.push(h.clone()),
            (Some(h), true) => parts.push(t.arg("live-asked-anonymously", "handle", h)),
            (None, _) => parts.push(t.get("live-anonymous")),
        }
        parts.push(t.arg("live-votes", "n", q.votes));
        if q.status == QuestionStatus::Answered {
            parts.push(t.get("live-status-answered"));
        }
        if self.state.on_screen == Some(q.question_id) {
            parts.push(t.get("live-on-screen"));
        }
        if q.pinned {
            parts.push(t.get("live-pinned"));
        }
        if !q.label.is_empty() {
            parts.push(q.label.clone());
        }
        if q.edited {
            parts.push(t.get("live-edited"));
        }
        if q.merged_count > 0 {
            parts.push(t.arg("live-merged-count", "n", q.merged_count));
        }
        parts.join(" · ")
    }

    fn fate(&self, q: &QuestionView) -> String {
        let t = &self.ctx.t;
        let fate = match (q.status, q.dismiss_reason, q.merged_into) {
            (QuestionStatus::Merged, _, Some(n)) => t.arg("live-merged-into", "n", n),
            (QuestionStatus::Dismissed, Some(reason), _) => t.arg(
                "live-dismissed-because",
                "reason",
                t.term("dismiss-reason", wire(reason)),
            ),
            (status, _, _) => t.term("live-status", status.as_str()),
        };
        format!("{fate} · {}", t.arg("live-votes", "n", q.votes))
    }

    fn held(&self, q: &QuestionView) -> String {
        if q.held_for.is_empty() {
            return String::new();
        }
        let t = &self.ctx.t;
        let what: Vec<String> = q
            .held_for
            .split(',')
            .map(|f| {
                if FINDINGS.contains(&f) {
                    t.term("live-finding", f)
                } else {
                    f.to_string()
                }
            })
            .collect();
        t.arg("live-held-because", "what", what.join(", "))
    }

    fn item(&self, q: &QuestionView) -> Item {
        Item {
            id: q.question_id,
            text: q.text.clone(),
            meta: self.meta(q),
            reply_shown: if q.reply.is_empty() {
                String::new()
            } else {
                self.ctx.t.arg("live-reply-shown", "text", &q.reply)
            },
            reply: q.reply.clone(),
            status: q.status.as_str().to_string(),
            votes: q.votes,
            voted: self.my_votes.contains(&q.question_id),
            on_screen: self.state.on_screen == Some(q.question_id),
            pinned: q.pinned,
            label: q.label.clone(),
            held: self.held(q),
            participant_id: q.participant_id.unwrap_or_default(),
            fate: self.fate(q),
            voting_open: self.voting_open(),
        }
    }

    fn entry(&self, e: &FloorEntryView) -> Entry {
        let t = &self.ctx.t;
        let mut parts: Vec<String> = Vec::new();
        if let Some(h) = &e.handle {
            parts.push(h.clone());
        }
        if let Some(a) = &e.attendance {
            parts.push(t.term("attendance", a));
        }
        if let Some(g) = &e.stakeholder_group {
            parts.push(t.term("stakeholder", g));
        }
        if let Some(r) = &e.regional_group {
            parts.push(t.term("region", r));
        }
        Entry {
            entry_id: e.entry_id,
            who: if parts.is_empty() {
                t.arg("live-entry", "n", e.entry_id)
            } else {
                parts.join(" · ")
            },
        }
    }
}

/// The order the lists use (the script sorts the same way): pinned first, open before answered,
/// then most votes (or newest), then oldest id.
fn sort_questions(questions: &mut [QuestionView], recent: bool) {
    questions.sort_by(|a, b| {
        b.pinned
            .cmp(&a.pinned)
            .then(
                (a.status == QuestionStatus::Answered).cmp(&(b.status == QuestionStatus::Answered)),
            )
            .then(if recent {
                b.asked_at
                    .cmp(&a.asked_at)
                    .then(b.question_id.cmp(&a.question_id))
            } else {
                b.votes
                    .cmp(&a.votes)
                    .then(a.question_id.cmp(&b.question_id))
            })
    });
}

/// The strings the live modules need, as one JSON object carried in a data attribute (the
/// template's HTML escaping is all it needs; it never carries user text). Messages with an
/// argument keep a `{n}`-style placeholder the script fills in.
fn strings(ctx: &Ctx) -> String {
    const PLAIN: &[&str] = &[
        "live-connected",
        "live-connecting",
        "live-reconnecting",
        "live-offline-queued",
        "live-removed",
        "live-erased",
        "live-anonymous",
        "live-pinned",
        "live-edited",
        "live-on-screen",
        "live-nothing-on-screen",
        "live-status-pending",
        "live-status-approved",
        "live-status-answered",
        "live-status-dismissed",
        "live-status-merged",
        "live-status-withdrawn",
        "live-hand-raise",
        "live-hand-lower",
        "live-hand-speaking",
        "live-sending",
        "live-sent-pending",
        "live-sent-approved",
        "live-done",
        "live-report-sent",
        "live-ask-closed",
        "live-suspended-note",
        "live-role-moderator",
        "live-role-viewer",
        "live-updates-resumed",
        "live-nobody-waiting",
        "live-nobody-speaking",
        "mod-not-moderator",
        "mod-not-organizer",
        "mod-asked",
    ];
    let mut map = Map::new();
    for key in PLAIN {
        map.insert((*key).into(), ctx.t.get(key).into());
    }
    let with_arg: &[(&str, &str)] = &[
        ("live-votes", "n"),
        ("live-presence", "n"),
        ("live-new-questions", "n"),
        ("mod-new-pending", "n"),
        ("live-chars-left", "n"),
        ("live-hand-place", "n"),
        ("live-merged-into", "n"),
        ("live-merged-count", "n"),
        ("live-entry", "n"),
        ("live-updates-waiting", "n"),
        ("live-asked-anonymously", "handle"),
        ("live-dismissed-because", "reason"),
        ("live-held-because", "what"),
        ("live-reply-shown", "text"),
        ("live-qa-state-is", "state"),
        ("mod-proposed-next", "who"),
        ("mod-speaking", "who"),
    ];
    for (key, arg) in with_arg {
        map.insert(
            (*key).into(),
            ctx.t.arg(key, arg, format!("{{{arg}}}")).into(),
        );
    }
    let mut term = |prefix: &str, value: String| {
        let key = format!("{prefix}-{value}");
        map.insert(key.clone(), ctx.t.get(&key).into());
    };
    for code in ERROR_CODES {
        term("live-error", wire(code));
    }
    for reason in REASONS {
        term("dismiss-reason", wire(reason));
    }
    for state in [
        QaState::Open,
        QaState::VotingOnly,
        QaState::Paused,
        QaState::Closed,
    ] {
        term("live-state", wire(state));
    }
    for finding in FINDINGS {
        term("live-finding", finding.into());
    }
    for status in ["open", "in_review", "referred", "closed"] {
        term("report-status", status.into());
    }
    for category in REPORT_CATEGORIES {
        term("report-category", category.into());
    }
    for a in Attendance::ALL {
        term("attendance", a.to_string());
    }
    for g in StakeholderGroup::ALL {
        term("stakeholder", g.to_string());
    }
    for r in RegionalGroup::ALL {
        term("region", r.to_string());
    }
    Value::Object(map).to_string()
}

/// A random prefix for the `client_id`s of one rendered page's forms: posting the same form
/// twice (a double click, a reload) is then one command, as a websocket retry would be.
fn form_token() -> String {
    crate::auth::new_token().chars().take(16).collect()
}

fn choices<T: std::fmt::Display + Copy>(ctx: &Ctx, prefix: &str, all: &[T]) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: v.to_string(),
            label: ctx.t.term(prefix, v),
        })
        .collect()
}

fn reason_choices(ctx: &Ctx) -> Vec<Choice> {
    REASONS
        .iter()
        .map(|r| Choice {
            value: wire(*r),
            label: ctx.t.term("dismiss-reason", wire(*r)),
        })
        .collect()
}

fn report_choices(ctx: &Ctx) -> Vec<Choice> {
    REPORT_CATEGORIES
        .iter()
        .map(|c| Choice {
            value: (*c).into(),
            label: ctx.t.term("report-category", c),
        })
        .collect()
}

fn join_url(state: &AppState, info: &LiveSessionInfo) -> String {
    format!("{}/j/{}", state.public_url, info.join_code)
}

fn qa_state_text(ctx: &Ctx, state: &LiveState) -> String {
    let name = ctx.t.term("live-state", wire(state.qa_state));
    ctx.t.arg("live-qa-state-is", "state", name)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(Template)]
#[template(path = "live_join.html")]
struct JoinPage {
    ctx: Ctx,
    info: LiveSessionInfo,
    join_url: String,
    form: FormState,
    age_bands: Vec<Choice>,
    attendances: Vec<Choice>,
    groups: Vec<Choice>,
    regions: Vec<Choice>,
    youth: bool,
    qa_state: String,
    on_screen: Option<Item>,
    questions: Vec<Item>,
    captions: CaptionsView,
}

#[derive(Template)]
#[template(path = "live.html")]
struct ParticipantPage {
    ctx: Ctx,
    info: LiveSessionInfo,
    join_url: String,
    me: ParticipantRef,
    /// Shown once, right after joining.
    data_key: Option<String>,
    /// The ask form as posted (kept when a post without script was refused).
    ask: FormState,
    notice: Option<Notice>,
    limits: Limits,
    state: LiveState,
    qa_state: String,
    ask_open: bool,
    youth: bool,
    presence: u64,
    recent: bool,
    on_screen: Option<Item>,
    questions: Vec<Item>,
    mine: Vec<Item>,
    /// `None`: no hand raised; `Some(0)`: has the floor; `Some(n)`: n-th in the queue.
    hand: Option<usize>,
    hand_entry: i64,
    reports: Vec<Choice>,
    token: String,
    blank: Option<Item>,
    strings: String,
    captions: CaptionsView,
}

impl ParticipantPage {
    fn hand_text(&self) -> String {
        match self.hand {
            None => String::new(),
            Some(0) => self.ctx.t.get("live-hand-speaking"),
            Some(n) => self.ctx.t.arg("live-hand-place", "n", n),
        }
    }

    fn hand_raised(&self) -> bool {
        matches!(self.hand, Some(n) if n > 0)
    }
}

#[derive(Template)]
#[template(path = "moderate.html")]
struct ConsolePage {
    ctx: Ctx,
    info: LiveSessionInfo,
    join_url: String,
    notice: Option<Notice>,
    limits: Limits,
    label_chars: usize,
    state: LiveState,
    qa_state: String,
    presence: u64,
    pending: Vec<Item>,
    approved: Vec<Item>,
    answered: Vec<Item>,
    dismissed: Vec<Item>,
    merge_targets: Vec<Choice>,
    reasons: Vec<Choice>,
    floor: Vec<Entry>,
    speaking: Option<Entry>,
    backstage: Vec<(String, String)>,
    disposition: Vec<Count>,
    /// Organizers only: the session's moderators and who could be added.
    moderators: Vec<participants::SessionModerator>,
    assignable: Vec<Choice>,
    /// Organizers only: the session's captioners and rapporteurs.
    scribes: Vec<crate::archive::transcripts::scribes::Scribe>,
    token: String,
    blank: Option<Item>,
    blank_entry: Option<Entry>,
    strings: String,
}

impl ConsolePage {
    fn proposed(&self) -> String {
        match self.floor.first() {
            Some(e) => self.ctx.t.arg("mod-proposed-next", "who", &e.who),
            None => self.ctx.t.get("live-nobody-waiting"),
        }
    }

    fn speaking_text(&self) -> String {
        match &self.speaking {
            Some(e) => self.ctx.t.arg("mod-speaking", "who", &e.who),
            None => self.ctx.t.get("live-nobody-speaking"),
        }
    }

    fn state_is(&self, name: &str) -> bool {
        wire(self.state.qa_state) == name
    }

    fn mode_is(&self, name: &str) -> bool {
        wire(self.state.moderation) == name
    }

    fn order_is(&self, name: &str) -> bool {
        wire(self.state.floor_order) == name
    }

    fn youth(&self) -> bool {
        self.state.safeguarding == SafeguardingLevel::Youth
    }
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    ctx: Ctx,
    info: LiveSessionInfo,
    join_url: String,
    qa_state: String,
    on_screen: Option<Item>,
    top: Vec<Item>,
    strings: String,
    captions: CaptionsView,
}

async fn participant_of(
    state: &AppState,
    jar: &CookieJar,
    session_id: i64,
) -> Result<Option<ParticipantRef>, AppError> {
    match jar.get(&participant_cookie_name(session_id)) {
        Some(c) => participants::participant_for_token(&state.db, session_id, c.value()).await,
        None => Ok(None),
    }
}

async fn snapshot_for(
    state: &AppState,
    session_id: i64,
    audience: Audience,
    handle: Option<String>,
) -> Result<Snapshot, AppError> {
    let hub = state.live.hub(session_id).await?;
    Ok(hub
        .snapshot(
            &state.db,
            crate::live::store::Receiver {
                audience,
                handle,
                owns_nothing_at: None,
            },
            state.live.limits().public(),
        )
        .await?)
}

async fn presence(state: &AppState, session_id: i64) -> Result<u64, AppError> {
    Ok(state.live.hub(session_id).await?.participants_connected())
}

fn on_screen_item(drawer: &Drawer, snapshot: &Snapshot) -> Option<Item> {
    let id = snapshot.state.on_screen?;
    snapshot
        .questions
        .iter()
        .find(|q| q.question_id == id)
        .map(|q| drawer.item(q))
}

async fn join_page(
    state: &AppState,
    ctx: Ctx,
    session_id: i64,
    form: FormState,
) -> Result<JoinPage, PageError> {
    let info = participants::session_info(&state.db, session_id).await?;
    let mut snapshot = snapshot_for(state, session_id, Audience::Viewer, None).await?;
    sort_questions(&mut snapshot.questions, false);
    let drawer = Drawer {
        ctx: &ctx,
        state: snapshot.state,
        my_votes: &[],
    };
    let questions = snapshot.questions.iter().map(|q| drawer.item(q)).collect();
    let on_screen = on_screen_item(&drawer, &snapshot);
    Ok(JoinPage {
        join_url: join_url(state, &info),
        age_bands: choices(&ctx, "age-band", AgeBand::ALL),
        attendances: choices(&ctx, "attendance", Attendance::ALL),
        groups: choices(&ctx, "stakeholder", StakeholderGroup::ALL),
        regions: choices(&ctx, "region", RegionalGroup::ALL),
        youth: snapshot.state.safeguarding == SafeguardingLevel::Youth,
        qa_state: qa_state_text(&ctx, &snapshot.state),
        on_screen,
        questions,
        captions: CaptionsView::from_lines(&snapshot.captions, CAPTIONS_ON_PAGE),
        info,
        form,
        ctx,
    })
}

async fn participant_page(
    state: &AppState,
    ctx: Ctx,
    session_id: i64,
    me: ParticipantRef,
    query: &PageQuery,
    ask: FormState,
) -> Result<ParticipantPage, PageError> {
    let info = participants::session_info(&state.db, session_id).await?;
    let mut snapshot = snapshot_for(
        state,
        session_id,
        Audience::Participant(me.participant_id),
        Some(me.handle.clone()),
    )
    .await?;
    sort_questions(&mut snapshot.questions, query.recent());
    let drawer = Drawer {
        ctx: &ctx,
        state: snapshot.state,
        my_votes: &snapshot.my_votes,
    };
    let questions = snapshot.questions.iter().map(|q| drawer.item(q)).collect();
    // Newest of one's own first, as the script lists them.
    let mine = snapshot.mine.iter().rev().map(|q| drawer.item(q)).collect();
    let on_screen = on_screen_item(&drawer, &snapshot);
    let floor = &snapshot.floor;
    let (hand, hand_entry) = if let Some(e) = floor.speaking.as_ref().filter(|e| e.mine) {
        (Some(0), e.entry_id)
    } else if let Some((i, e)) = floor.waiting.iter().enumerate().find(|(_, e)| e.mine) {
        (Some(i + 1), e.entry_id)
    } else {
        (None, 0)
    };
    let live = snapshot.state;
    Ok(ParticipantPage {
        join_url: join_url(state, &info),
        data_key: None,
        notice: query.notice(&ctx),
        limits: snapshot.limits,
        qa_state: qa_state_text(&ctx, &live),
        ask_open: live.qa_state == QaState::Open && !live.suspended,
        youth: live.safeguarding == SafeguardingLevel::Youth,
        state: live,
        presence: presence(state, session_id).await?,
        recent: query.recent(),
        on_screen,
        questions,
        mine,
        hand,
        hand_entry,
        reports: report_choices(&ctx),
        token: form_token(),
        blank: Some(Item::default()),
        strings: strings(&ctx),
        captions: CaptionsView::from_lines(&snapshot.captions, CAPTIONS_ON_PAGE),
        info,
        me,
        ask,
        ctx,
    })
}

/// `GET /live/{id}`: the join form, or the participant's page once they have joined.
async fn live_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(session_id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let Some(me) = participant_of(&state, &jar, session_id).await? else {
        let page = join_page(&state, ctx, session_id, FormState::default()).await?;
        return Ok(no_store(render(&page)?));
    };
    // The data key of a join that just happened, shown on this one page view only.
    let key_name = key_cookie_name(session_id);
    let data_key = jar.get(&key_name).map(|c| c.value().to_string());
    let jar = if data_key.is_some() {
        jar.remove(Cookie::build(key_name).path("/"))
    } else {
        jar
    };
    let mut page =
        participant_page(&state, ctx, session_id, me, &query, FormState::default()).await?;
    page.data_key = data_key;
    Ok(no_store((jar, render(&page)?).into_response()))
}

#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    age_band: String,
    #[serde(default)]
    attendance: String,
    #[serde(default)]
    stakeholder_group: String,
    #[serde(default)]
    regional_group: String,
    #[serde(default)]
    accept_code_of_conduct: Option<String>,
}

/// `POST /live/{id}/join`: joins, sets the join cookie and shows the page once with the key.
async fn join(
    State(state): State<AppState>,
    ctx: Ctx,
    address: ClientAddress,
    jar: CookieJar,
    Path(session_id): Path<i64>,
    Form(form): Form<JoinForm>,
) -> Result<Response, PageError> {
    RateLimits::check(&state.limits.join, address)?;
    let request = JoinRequest {
        handle: form.handle.clone(),
        age_band: form.age_band.clone(),
        attendance: form.attendance.clone(),
        stakeholder_group: Some(form.stakeholder_group.clone()),
        regional_group: Some(form.regional_group.clone()),
        accept_code_of_conduct: form.accept_code_of_conduct.is_some(),
    };
    match state
        .live
        .join(session_id, &request, &address.key().to_string())
        .await
    {
        Ok(joined) => {
            let key = Cookie::build((key_cookie_name(session_id), joined.data_key))
                .path("/")
                .secure(true)
                .http_only(true)
                .same_site(SameSite::Strict)
                .max_age(time::Duration::minutes(10))
                .build();
            let jar = jar
                .add(participant_cookie(session_id, joined.token))
                .add(key);
            Ok((jar, Redirect::to(&format!("/live/{session_id}"))).into_response())
        }
        Err(AppError::Validation(fields)) => {
            let mut kept = FormState::from_pairs(&[
                ("handle".into(), form.handle),
                ("age_band".into(), form.age_band),
                ("attendance".into(), form.attendance),
                ("stakeholder_group".into(), form.stakeholder_group),
                ("regional_group".into(), form.regional_group),
                (
                    "accept_code_of_conduct".into(),
                    form.accept_code_of_conduct.unwrap_or_default(),
                ),
            ]);
            for f in fields {
                kept.error_on(&f.field, f.message);
            }
            let page = join_page(&state, ctx, session_id, kept).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Forms that post commands (the pages without script)

/// Form fields holding numbers and booleans; everything else is text. The script's
/// `commandFromForm` (static/live/ui.js) reads forms with the same rules.
const NUMBER_FIELDS: [&str; 4] = ["question_id", "into", "entry_id", "participant_id"];
const BOOL_FIELDS: [&str; 5] = ["up", "pinned", "suspended", "ban", "anonymous"];

/// A posted form as a protocol command: `action` names the command `type` (or one of a few
/// aliases for a toggle's two sides), the other fields are its fields. Returns the form's
/// `client_id` too, made unique per action.
pub fn command_from_form(pairs: &[(String, String)]) -> Option<(Option<String>, Command)> {
    let mut map = Map::new();
    let mut action = String::new();
    let mut client_id = None;
    for (key, value) in pairs {
        let key = key.as_str();
        let typed = if key == "client_id" {
            client_id = Some(value.clone());
            continue;
        } else if key == "action" {
            action = value.clone();
            continue;
        } else if NUMBER_FIELDS.contains(&key) {
            if value.trim().is_empty() {
                Value::Null
            } else {
                Value::from(value.trim().parse::<i64>().ok()?)
            }
        } else if BOOL_FIELDS.contains(&key) {
            Value::Bool(matches!(value.as_str(), "true" | "on" | "yes"))
        } else {
            Value::String(value.clone())
        };
        map.insert(key.to_string(), typed);
    }
    let (kind, extra): (&str, Option<(&str, Value)>) = match action.as_str() {
        "vote" => ("vote", Some(("up", Value::Bool(true)))),
        "unvote" => ("vote", Some(("up", Value::Bool(false)))),
        "pin" => ("pin", Some(("pinned", Value::Bool(true)))),
        "unpin" => ("pin", Some(("pinned", Value::Bool(false)))),
        "clear_screen" => ("show_on_screen", Some(("question_id", Value::Null))),
        "remove" => ("remove_participant", Some(("ban", Value::Bool(false)))),
        "ban" => ("remove_participant", Some(("ban", Value::Bool(true)))),
        "suspend" => ("suspend", Some(("suspended", Value::Bool(true)))),
        "resume" => ("suspend", Some(("suspended", Value::Bool(false)))),
        "youth" => ("set_safeguarding", Some(("level", "youth".into()))),
        "standard" => ("set_safeguarding", Some(("level", "standard".into()))),
        other => (other, None),
    };
    if let Some((key, value)) = extra {
        map.insert(key.into(), value);
    }
    map.insert("type".into(), kind.into());
    let command: Command = serde_json::from_value(Value::Object(map)).ok()?;
    let client_id = client_id
        .filter(|id| !id.is_empty())
        .map(|id| format!("{id}-{action}").chars().take(64).collect());
    Some((client_id, command))
}

/// Sends a command through the session's writer, as a websocket would, and waits for the reply.
async fn submit(
    state: &AppState,
    session_id: i64,
    actor: Actor,
    client_id: Option<String>,
    command: Command,
) -> Result<crate::live::protocol::AckResult, ErrorCode> {
    let client_id = client_id
        .filter(|id| id.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(form_token);
    let hub = state
        .live
        .hub(session_id)
        .await
        .map_err(|_| ErrorCode::Unavailable)?;
    let reply = hub.submit(actor, ClientFrame { client_id, command }).await;
    match tokio::time::timeout(COMMAND_TIMEOUT, reply).await {
        Ok(Ok(Ok((_, result)))) => Ok(result),
        Ok(Ok(Err(refusal))) => Err(refusal.code),
        _ => Err(ErrorCode::Unavailable),
    }
}

fn back_to(path: &str, outcome: Result<&str, ErrorCode>, anchor: &str) -> Response {
    let query = match outcome {
        Ok(done) => format!("done={done}"),
        Err(code) => format!("error={}", wire(code)),
    };
    Redirect::to(&format!("{path}?{query}#{anchor}")).into_response()
}

/// `POST /live/{id}/act`: a participant's ask, vote, withdrawal or raised hand, without script.
async fn participant_act(
    State(state): State<AppState>,
    ctx: Ctx,
    address: ClientAddress,
    jar: CookieJar,
    Path(session_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let path = format!("/live/{session_id}");
    let Some(me) = participant_of(&state, &jar, session_id).await? else {
        return Ok(Redirect::to(&path).into_response());
    };
    let Some((client_id, command)) = command_from_form(&pairs) else {
        return Ok(back_to(&path, Err(ErrorCode::Malformed), "main"));
    };
    let (anchor, asked) = match &command {
        Command::Ask { text, anonymous } => {
            ("ask-heading".to_string(), Some((text.clone(), *anonymous)))
        }
        Command::Vote { question_id, .. } => (format!("q-{question_id}"), None),
        Command::Withdraw { .. } => ("mine-heading".into(), None),
        Command::RaiseHand | Command::LowerHand => ("floor-heading".into(), None),
        _ => return Ok(back_to(&path, Err(ErrorCode::Forbidden), "main")),
    };
    let limited = asked.is_some()
        && (state.limits.ask.check_key(&address.key()).is_err()
            || state
                .live
                .hub(session_id)
                .await
                .map_err(AppError::from)?
                .ask_limiter
                .check_key(&me.participant_id)
                .is_err());
    let outcome = if limited {
        Err(ErrorCode::RateLimited)
    } else {
        submit(
            &state,
            session_id,
            Actor::Participant(me.participant_id),
            client_id,
            command,
        )
        .await
    };
    match (outcome, asked) {
        (Ok(result), Some(_)) => {
            let done = if result.status == Some(QuestionStatus::Approved) {
                "asked_approved"
            } else {
                "asked_pending"
            };
            Ok(back_to(&path, Ok(done), "mine-heading"))
        }
        (Ok(_), None) => Ok(back_to(&path, Ok("done"), &anchor)),
        // A refused question comes back with its text, so nothing typed is lost.
        (Err(code), Some((text, anonymous))) => {
            let mut ask = FormState::from_pairs(&[
                ("text".into(), text),
                (
                    "anonymous".into(),
                    if anonymous {
                        "true".into()
                    } else {
                        String::new()
                    },
                ),
            ]);
            ask.error_on("text", ctx.t.term("live-error", wire(code)));
            let page =
                participant_page(&state, ctx, session_id, me, &PageQuery::default(), ask).await?;
            let status = match code {
                ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::QaClosed | ErrorCode::Suspended => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Ok(no_store(render_status(status, &page)?))
        }
        (Err(code), None) => Ok(back_to(&path, Err(code), &anchor)),
    }
}

// ---------------------------------------------------------------------------------------------
// The moderator console

/// The signed-in staff member who may moderate this session: others see 403, strangers log in.
async fn moderator(state: &AppState, ctx: &Ctx, session_id: i64) -> Result<Staff, PageError> {
    let Some(staff) = ctx.staff.clone() else {
        return Err(PageError::Login {
            next: format!("/live/{session_id}/moderate"),
        });
    };
    // 404 before 403: a session that does not exist is not a permission question.
    participants::ensure_live_session(&state.db, session_id).await?;
    if !participants::can_moderate(&state.db.pool, session_id, &staff)
        .await
        .map_err(AppError::from)?
    {
        return Err(AppError::Forbidden.into());
    }
    Ok(staff)
}

fn disposition(ctx: &Ctx, snapshot: &Snapshot) -> Vec<Count> {
    let Some(d) = &snapshot.disposition else {
        return Vec::new();
    };
    let t = &ctx.t;
    let mut lines = vec![
        Count {
            label: t.get("mod-asked"),
            n: d.asked,
            sub: false,
        },
        Count {
            label: t.get("live-status-pending"),
            n: d.pending,
            sub: false,
        },
        Count {
            label: t.get("live-status-approved"),
            n: d.approved,
            sub: false,
        },
        Count {
            label: t.get("live-status-answered"),
            n: d.answered,
            sub: false,
        },
        Count {
            label: t.get("live-status-merged"),
            n: d.merged,
            sub: false,
        },
        Count {
            label: t.get("live-status-withdrawn"),
            n: d.withdrawn,
            sub: false,
        },
        Count {
            label: t.get("live-status-dismissed"),
            n: d.dismissed,
            sub: false,
        },
    ];
    for (reason, n) in &d.dismissed_by_reason {
        lines.push(Count {
            label: t.term("dismiss-reason", reason),
            n: *n,
            sub: true,
        });
    }
    lines
}

/// `GET /live/{id}/moderate`: the console, drawn from a moderator's snapshot.
async fn console(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let staff = moderator(&state, &ctx, session_id).await?;
    let info = participants::session_info(&state.db, session_id).await?;
    let mut snapshot = snapshot_for(
        &state,
        session_id,
        Audience::Moderator,
        Some(staff.display_name.clone()),
    )
    .await?;
    sort_questions(&mut snapshot.questions, false);
    let drawer = Drawer {
        ctx: &ctx,
        state: snapshot.state,
        my_votes: &[],
    };
    let of = |status: QuestionStatus| -> Vec<&QuestionView> {
        snapshot
            .questions
            .iter()
            .filter(|q| q.status == status)
            .collect()
    };
    let mut pending = of(QuestionStatus::Pending);
    pending.sort_by_key(|q| q.question_id);
    let mut answered = of(QuestionStatus::Answered);
    answered.sort_by_key(|q| std::cmp::Reverse(q.answered_at.unwrap_or(q.asked_at)));
    let mut dismissed = of(QuestionStatus::Dismissed);
    dismissed.sort_by_key(|q| std::cmp::Reverse(q.question_id));
    let draw = |list: Vec<&QuestionView>| list.into_iter().map(|q| drawer.item(q)).collect();
    let merge_targets = snapshot
        .questions
        .iter()
        .filter(|q| crate::domain::qa::can_receive_merge(q.status))
        .take(MERGE_TARGETS_RENDERED)
        .map(|q| Choice {
            value: q.question_id.to_string(),
            label: format!("#{} {}", q.question_id, short(&q.text, 50)),
        })
        .collect();
    let scribes = if ctx.is_organizer() {
        crate::archive::transcripts::scribes::list_scribes(&state.db, session_id).await?
    } else {
        Vec::new()
    };
    let (moderators, assignable) = if ctx.is_organizer() {
        let staff = participants::list_assignable_staff(&state.db)
            .await?
            .into_iter()
            .map(|(id, name, role)| Choice {
                value: id.to_string(),
                label: format!("{name} ({})", ctx.t.term("staff-role", &role)),
            })
            .collect();
        (
            participants::list_moderators(&state.db, session_id).await?,
            staff,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let page = ConsolePage {
        join_url: join_url(&state, &info),
        notice: query.notice(&ctx),
        limits: snapshot.limits,
        label_chars: LABEL_CHARS,
        qa_state: qa_state_text(&ctx, &snapshot.state),
        presence: presence(&state, session_id).await?,
        pending: draw(pending),
        approved: draw(of(QuestionStatus::Approved)),
        answered: draw(answered),
        dismissed: draw(dismissed),
        merge_targets,
        reasons: reason_choices(&ctx),
        floor: snapshot
            .floor
            .waiting
            .iter()
            .map(|e| drawer.entry(e))
            .collect(),
        speaking: snapshot.floor.speaking.as_ref().map(|e| drawer.entry(e)),
        backstage: snapshot
            .backstage
            .iter()
            .map(|n| (n.author.clone(), n.text.clone()))
            .collect(),
        disposition: disposition(&ctx, &snapshot),
        state: snapshot.state,
        moderators,
        assignable,
        scribes,
        token: form_token(),
        blank: Some(Item::default()),
        blank_entry: Some(Entry::default()),
        strings: strings(&ctx),
        info,
        ctx,
    };
    Ok(no_store(render(&page)?))
}

/// The first `n` characters of `text`, with an ellipsis when cut.
fn short(text: &str, n: usize) -> String {
    let mut out: String = text.chars().take(n).collect();
    if text.chars().count() > n {
        out.push('…');
    }
    out
}

/// `POST /live/{id}/moderate`: one moderator command from a console form, without script.
async fn moderator_act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let staff = moderator(&state, &ctx, session_id).await?;
    let path = format!("/live/{session_id}/moderate");
    let Some((client_id, command)) = command_from_form(&pairs) else {
        return Ok(back_to(&path, Err(ErrorCode::Malformed), "main"));
    };
    if !command.is_moderator_command() {
        return Ok(back_to(&path, Err(ErrorCode::Forbidden), "main"));
    }
    let anchor = match &command {
        Command::Approve { question_id }
        | Command::Dismiss { question_id, .. }
        | Command::MarkAnswered { question_id }
        | Command::Reopen { question_id }
        | Command::Merge { question_id, .. }
        | Command::Edit { question_id, .. }
        | Command::Label { question_id, .. }
        | Command::Pin { question_id, .. }
        | Command::Reply { question_id, .. }
        | Command::ShowOnScreen {
            question_id: Some(question_id),
        } => format!("q-{question_id}"),
        Command::SetFloorOrder { .. }
        | Command::CallNext
        | Command::CallSpeaker { .. }
        | Command::SkipSpeaker { .. }
        | Command::ClearFloor => "floor-heading".into(),
        Command::Backstage { .. } => "backstage-heading".into(),
        _ => "controls-heading".into(),
    };
    let outcome = submit(
        &state,
        session_id,
        Actor::Moderator(staff.staff_id),
        client_id,
        command,
    )
    .await;
    Ok(back_to(&path, outcome.map(|_| "done"), &anchor))
}

#[derive(Deserialize)]
struct ModeratorForm {
    staff_id: i64,
    #[serde(default)]
    role: String,
    /// `add` or `remove`.
    action: String,
}

/// `POST /live/{id}/moderators`: organizers add or remove a session's moderators.
async fn change_moderators(
    State(state): State<AppState>,
    super::OrganizerPage(_): super::OrganizerPage,
    Path(session_id): Path<i64>,
    Form(form): Form<ModeratorForm>,
) -> Result<Response, PageError> {
    let mut list = participants::list_moderators(&state.db, session_id).await?;
    list.retain(|m| m.staff_id != form.staff_id);
    if form.action == "add" {
        let role = crate::domain::schedule::ModeratorRole::parse(&form.role)
            .map_err(|e| AppError::field("role", e))?;
        list.push(participants::SessionModerator {
            staff_id: form.staff_id,
            role,
            display_name: String::new(),
        });
    }
    participants::set_moderators(&state.db, session_id, &list).await?;
    Ok(Redirect::to(&format!("/live/{session_id}/moderate#moderators-heading")).into_response())
}

// ---------------------------------------------------------------------------------------------
// The presenter screen

/// `GET /live/{id}/screen`: the big screen: the question on screen, the top five, the join code.
async fn screen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let info = participants::session_info(&state.db, session_id).await?;
    let mut snapshot = snapshot_for(&state, session_id, Audience::Viewer, None).await?;
    sort_questions(&mut snapshot.questions, false);
    let drawer = Drawer {
        ctx: &ctx,
        state: snapshot.state,
        my_votes: &[],
    };
    let on_screen = on_screen_item(&drawer, &snapshot);
    let top = snapshot
        .questions
        .iter()
        .filter(|q| q.status == QuestionStatus::Approved)
        .take(5)
        .map(|q| drawer.item(q))
        .collect();
    let page = ScreenPage {
        join_url: join_url(&state, &info),
        qa_state: qa_state_text(&ctx, &snapshot.state),
        on_screen,
        top,
        strings: strings(&ctx),
        captions: CaptionsView::from_lines(&snapshot.captions, CAPTIONS_ON_SCREEN),
        info,
        ctx,
    };
    Ok(no_store(render(&page)?))
}

// The enums the console's buttons name, kept in step with the protocol at compile time.
const _: [FloorOrder; 2] = [FloorOrder::FirstCome, FloorOrder::Balanced];
const _: [ModerationMode; 2] = [ModerationMode::Pre, ModerationMode::Post];

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forms_become_the_protocols_commands() {
        let (id, command) = command_from_form(&pairs(&[
            ("client_id", "abc"),
            ("question_id", "7"),
            ("action", "unvote"),
        ]))
        .unwrap();
        assert_eq!(id.as_deref(), Some("abc-unvote"));
        assert_eq!(
            command,
            Command::Vote {
                question_id: 7,
                up: false
            }
        );
        let (_, command) = command_from_form(&pairs(&[
            ("action", "ask"),
            ("text", "Why?"),
            ("anonymous", "true"),
        ]))
        .unwrap();
        assert_eq!(
            command,
            Command::Ask {
                text: "Why?".into(),
                anonymous: true
            }
        );
        let (_, command) =
            command_from_form(&pairs(&[("question_id", "3"), ("action", "clear_screen")])).unwrap();
        assert_eq!(command, Command::ShowOnScreen { question_id: None });
        let (_, command) = command_from_form(&pairs(&[
            ("action", "dismiss"),
            ("question_id", "3"),
            ("reason", "off_topic"),
        ]))
        .unwrap();
        assert_eq!(
            command,
            Command::Dismiss {
                question_id: 3,
                reason: DismissReason::OffTopic
            }
        );
        let (_, command) = command_from_form(&pairs(&[
            ("action", "set_qa_state"),
            ("state", "voting_only"),
        ]))
        .unwrap();
        assert_eq!(
            command,
            Command::SetQaState {
                state: QaState::VotingOnly
            }
        );
    }

    #[test]
    fn broken_forms_are_no_command() {
        for bad in [
            vec![("action", "launch")],
            vec![("action", "vote"), ("question_id", "seven")],
            vec![("action", "dismiss"), ("question_id", "3"), ("reason", "")],
            vec![("question_id", "3")],
        ] {
            assert!(command_from_form(&pairs(&bad)).is_none(), "{bad:?}");
        }
    }
}
