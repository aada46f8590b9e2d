//! See `crate::archive`. Full-text search over the public record.
//!
//! The index holds only what the public may read: session descriptions, published transcripts
//! (redactions applied), outcomes of submitted reports and approved minutes, and answered
//! questions. Modules that change any of these call [`reindex_session`] or [`reindex_meeting`]
//! after their write commits; [`rebuild`] redoes everything (at start-up and after the demo).
//!
//! **Same results on both engines.** Both index the text as *this module* tokenizes it
//! ([`terms`]: words of letters and digits, compatibility-decomposed, diacritics removed,
//! lowercase), stored beside the readable text (`title_terms`, `body_terms`): SQLite's FTS5
//! (`unicode61 remove_diacritics 2`) and PostgreSQL's `simple` text search configuration then
//! see the same words, neither stems, and the user's text becomes the same query on both
//! ([`ParsedQuery`]: words ANDed, `"quoted phrases"`, a prefix match on the last word). Nothing
//! the user types reaches either engine's query syntax: every word is quoted and made of
//! letters and digits only. Highlights are computed here, from the same tokenizer, so they have
//! one shape whatever the engine; only the ranking function differs (bm25, ts_rank).

use std::collections::{BTreeSet, HashMap};

use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::archive::transcripts;
use crate::domain::schedule::session_label;
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody};
use crate::http::extract::Query;
use crate::store::{Backend, Db};

/// The longest search text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The most words (and phrases) one search may hold.
pub const MAX_QUERY_TERMS: usize = 20;
/// Words longer than this are neither indexed nor searched for (PostgreSQL refuses very long
/// lexemes; keeping the same limit on both keeps the results the same).
pub const MAX_TERM_CHARS: usize = 100;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_archive))
}

// ---------------------------------------------------------------------------------------------
// Words

/// One word of a text: its byte range in the text and its indexed form.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    start: usize,
    end: usize,
    term: String,
}

/// The words of `text` with their places: runs of letters, digits and combining marks, each
/// folded (NFKD, marks removed, lowercase) and split again where folding made a separator
/// (`½` becomes `1` and `2`).
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let word_char = |c: char| c.is_alphanumeric() || is_combining_mark(c);
    let mut push = |s: usize, e: usize| {
        let folded: String = text[s..e]
            .nfkd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect();
        for term in folded.split(|c: char| !c.is_alphanumeric()) {
            if !term.is_empty() {
                out.push(Token {
                    start: s,
                    end: e,
                    term: term.to_string(),
                });
            }
        }
    };
    for (i, c) in text.char_indices() {
        match (start, word_char(c)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                push(s, i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, text.len());
    }
    out
}

/// What both engines index for `text`: its folded words joined by spaces.
pub fn terms(text: &str) -> String {
    tokens(text)
        .into_iter()
        .map(|t| t.term)
        .filter(|t| t.chars().count() <= MAX_TERM_CHARS)
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// Queries

/// One part of a search: every part must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Word(String),
    /// The last word typed: matches words starting with it.
    Prefix(String),
    /// Words in this order, next to each other.
    Phrase(Vec<String>),
}

/// A user's search text, made safe: words and phrases only, each made of letters and digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
}

/// Why a search text cannot be run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryProblem {
    /// Longer than [`MAX_QUERY_CHARS`].
    TooLong,
    /// No letters or digits at all.
    NoWords,
    /// More than [`MAX_QUERY_TERMS`] words and phrases.
    TooManyTerms,
    /// A word longer than [`MAX_TERM_CHARS`].
    WordTooLong,
}

impl QueryProblem {
    /// The catalog key of the explanation pages show.
    pub fn message_key(self) -> &'static str {
        match self {
            QueryProblem::TooLong => "archive-query-too-long",
            QueryProblem::NoWords => "archive-query-no-words",
            QueryProblem::TooManyTerms => "archive-query-too-many",
            QueryProblem::WordTooLong => "archive-query-word-too-long",
        }
    }

    fn into_error(self) -> AppError {
        AppError::BadRequest(match self {
            QueryProblem::TooLong => {
                format!("the search text is longer than {MAX_QUERY_CHARS} characters")
            }
            QueryProblem::NoWords => {
                "type at least one word (letters or digits) to search for".into()
            }
            QueryProblem::TooManyTerms => {
                format!("a search may hold at most {MAX_QUERY_TERMS} words or phrases")
            }
            QueryProblem::WordTooLong => {
                format!("a word of the search is longer than {MAX_TERM_CHARS} characters")
            }
        })
    }
}

impl ParsedQuery {
    /// Reads what a person typed; a problem is a 400 saying what it is.
    pub fn parse(text: &str) -> Result<ParsedQuery, AppError> {
        Self::read(text).map_err(QueryProblem::into_error)
    }

    /// Reads what a person typed. Quotes make phrases (an unclosed quote runs to the end); any
    /// other punctuation, operator or SQL separates words.
    pub fn read(text: &str) -> Result<ParsedQuery, QueryProblem> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryProblem::TooLong);
        }
        let mut clauses = Vec::new();
        let mut last_is_bare_word = false;
        for (i, part) in text.split('"').enumerate() {
            let words: Vec<String> = tokens(part).into_iter().map(|t| t.term).collect();
            if words.iter().any(|w| w.chars().count() > MAX_TERM_CHARS) {
                return Err(QueryProblem::WordTooLong);
            }
            if words.is_empty() {
                continue;
            }
            if i % 2 == 0 {
                last_is_bare_word = true;
                clauses.extend(words.into_iter().map(Clause::Word));
            } else {
                last_is_bare_word = false;
                clauses.push(if words.len() == 1 {
                    Clause::Word(words.into_iter().next().unwrap_or_default())
                } else {
                    Clause::Phrase(words)
                });
            }
        }
        // "child saf" finds "child safety" while typing; "child " (a space after) wants the word.
        let still_typing = !text.ends_with(char::is_whitespace) && !text.ends_with('"');
        if last_is_bare_word && still_typing {
            if let Some(Clause::Word(w)) = clauses.pop() {
                clauses.push(Clause::Prefix(w));
            }
        }
        if clauses.is_empty() {
            return Err(QueryProblem::NoWords);
        }
        if clauses.len() > MAX_QUERY_TERMS {
            return Err(QueryProblem::TooManyTerms);
        }
        Ok(ParsedQuery { clauses })
    }

    /// The FTS5 MATCH expression: every word double-quoted (a string, never an operator).
    pub fn fts5(&self) -> String {
        self.clauses
            .iter()
            .map(|c| match c {
                Clause::Word(w) => format!("\"{w}\""),
                Clause::Prefix(w) => format!("\"{w}\"*"),
                Clause::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The `to_tsquery('simple', …)` text: every word single-quoted.
    pub fn tsquery(&self) -> String {
        let quoted = |w: &String| format!("'{w}'");
        self.clauses
            .iter()
            .map(|c| match c {
                Clause::Word(w) => quoted(w),
                Clause::Prefix(w) => format!("{}:*", quoted(w)),
                Clause::Phrase(ws) => format!(
                    "({})",
                    ws.iter().map(quoted).collect::<Vec<_>>().join(" <-> ")
                ),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// Whether an indexed word is one of those searched for (for highlighting).
    fn matches(&self, term: &str) -> bool {
        self.clauses.iter().any(|c| match c {
            Clause::Word(w) => w == term,
            Clause::Prefix(w) => term.starts_with(w.as_str()),
            Clause::Phrase(ws) => ws.iter().any(|w| w == term),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Highlights

/// A piece of a highlighted text: pages escape `text` and wrap marked pieces in `<mark>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SnippetPart {
    pub text: String,
    /// True for a word that matched the search.
    pub mark: bool,
}

/// How many words a snippet shows around the first match.
const SNIPPET_WORDS: usize = 32;

/// `text` cut to about [`SNIPPET_WORDS`] words around its first match (the whole text when
/// `window` is false), with matching words marked.
fn highlight(text: &str, query: &ParsedQuery, window: bool) -> Vec<SnippetPart> {
    let toks = tokens(text);
    // Sub-words of one original word share its range: mark the word if any matches.
    let mut words: Vec<(usize, usize, bool)> = Vec::new();
    for t in &toks {
        let hit = query.matches(&t.term);
        match words.last_mut() {
            Some(last) if last.0 == t.start => last.2 |= hit,
            _ => words.push((t.start, t.end, hit)),
        }
    }
    let (mut from_word, mut to_word) = (0, words.len());
    if window && words.len() > SNIPPET_WORDS {
        let first = words.iter().position(|w| w.2).unwrap_or(0);
        from_word = first.saturating_sub(SNIPPET_WORDS / 4);
        to_word = (from_word + SNIPPET_WORDS).min(words.len());
        from_word = to_word.saturating_sub(SNIPPET_WORDS);
    }
    let start = if from_word == 0 {
        0
    } else {
        words[from_word].0
    };
    let end = if to_word == words.len() {
        text.len()
    } else {
        words[to_word - 1].1
    };
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut push = |s: &str, mark: bool| {
        if s.is_empty() {
            return;
        }
        match parts.last_mut() {
            Some(last) if last.mark == mark => last.text.push_str(s),
            _ => parts.push(SnippetPart {
                text: s.to_string(),
                mark,
            }),
        }
    };
    if start > 0 {
        push("… ", false);
    }
    let mut at = start;
    for &(s, e, hit) in &words[from_word..to_word] {
        if hit {
            push(&text[at..s], false);
            push(&text[s..e], true);
            at = e;
        }
    }
    push(&text[at..end], false);
    if end < text.len() {
        push(" …", false);
    }
    parts
}

// ---------------------------------------------------------------------------------------------
// Searching

/// What kind of thing a result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A session: its title, description and policy questions.
    Session,
    /// A line of a published transcript.
    TranscriptSegment,
    /// A key takeaway, call to action, decision or recommendation.
    Outcome,
    /// A question answered in a session.
    Question,
}

impl DocKind {
    /// The value stored in `search_document.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Session => "session",
            DocKind::TranscriptSegment => "transcript_segment",
            DocKind::Outcome => "outcome",
            DocKind::Question => "question",
        }
    }

    fn parse(s: &str) -> Option<DocKind> {
        [
            DocKind::Session,
            DocKind::TranscriptSegment,
            DocKind::Outcome,
            DocKind::Question,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A search with its filters; unset filters do not narrow.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchRequest {
    /// What to look for: words (all must match), "quoted phrases"; the last word also matches
    /// longer words it starts. At most 500 characters and 20 words.
    pub q: Option<String>,
    /// Only this event's sessions.
    pub event_id: Option<i64>,
    /// Only sessions of this type.
    pub session_type_id: Option<i64>,
    /// Only what relates to this action item (through the outcomes that moved it).
    pub action_item_id: Option<i64>,
    /// From this day (UTC, inclusive).
    pub from: Option<NaiveDate>,
    /// To this day (UTC, inclusive).
    pub to: Option<NaiveDate>,
    /// Only this kind of result.
    pub kind: Option<DocKind>,
    /// From 1.
    pub page: Option<i64>,
    /// From 1 to 50 (default 20).
    pub per_page: Option<i64>,
}

/// An action item a result relates to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemRef {
    pub action_item_id: i64,
    /// "AI-3".
    pub code: String,
}

/// One result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    pub kind: DocKind,
    /// The id of the session, segment, outcome or archived question.
    pub ref_id: i64,
    pub session_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub event_id: Option<i64>,
    pub session_type_id: Option<i64>,
    pub occurred_at: DateTime<Utc>,
    pub title: String,
    /// The title with matching words marked.
    pub title_highlighted: Vec<SnippetPart>,
    /// Some words around the first match in the text, matching words marked.
    pub snippet: Vec<SnippetPart>,
    /// Where to read it on this site: the session record, a transcript passage's anchor, an
    /// outcome or question on the record, or a meeting's page.
    pub url: String,
    pub action_items: Vec<ItemRef>,
}

/// One page of results, best first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// The filters, checked: (event, type, item, from, to-exclusive, kind).
type Filters = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
);

fn filters(req: &SearchRequest) -> Result<Filters, AppError> {
    if let (Some(from), Some(to)) = (req.from, req.to) {
        if from > to {
            return Err(AppError::field("to", "must be on or after the from day"));
        }
    }
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    Ok((
        req.event_id,
        req.session_type_id,
        req.action_item_id,
        req.from.and_then(midnight),
        req.to.and_then(|d| d.succ_opt()).and_then(midnight),
        req.kind.map(DocKind::as_str),
    ))
}

/// Runs a search: the matching documents, ranked, one page of them, with highlights.
pub async fn search(db: &Db, req: &SearchRequest) -> Result<SearchResults, AppError> {
    let query = ParsedQuery::parse(req.q.as_deref().unwrap_or_default())?;
    let page = req.page.unwrap_or(1);
    let per_page = req.per_page.unwrap_or(20);
    if page < 1 {
        return Err(AppError::field("page", "must be 1 or more"));
    }
    if !(1..=50).contains(&per_page) {
        return Err(AppError::field("per_page", "must be between 1 and 50"));
    }
    let (event, stype, item, from, to, kind) = filters(req)?;
    let (source, matching, rank, text) = match db.backend {
        Backend::Sqlite => (
            "search_fts f join search_document d on d.document_id = f.rowid",
            "search_fts match $1",
            "bm25(search_fts, 4.0, 1.0)",
            query.fts5(),
        ),
        Backend::Postgres => (
            "search_document d",
            "d.search_vector @@ to_tsquery('simple', $1)",
            "ts_rank(d.search_vector, to_tsquery('simple', $1)) desc",
            query.tsquery(),
        ),
    };
    let conditions = "
        and ($2 is null or d.event_id = $2)
        and ($3 is null or d.session_type_id = $3)
        and ($4 is null or exists (select 1 from search_document_item i
                                   where i.document_id = d.document_id and i.action_item_id = $4))
        and ($5 is null or d.occurred_at >= $5)
        and ($6 is null or d.occurred_at < $6)
        and ($7 is null or d.kind = $7)";
    let total: i64 = sqlx::query_scalar(&format!(
        "select count(*) from {source} where {matching} {conditions}"
    ))
    .bind(&text)
    .bind(event)
    .bind(stype)
    .bind(item)
    .bind(from)
    .bind(to)
    .bind(kind)
    .fetch_one(&db.pool)
    .await?;
    let rows = sqlx::query(&format!(
        "select d.document_id, d.kind, d.ref_id, d.session_id, d.meeting_id, d.event_id,
                d.session_type_id, d.occurred_at, d.title, d.body, ms.slug as series_slug,
                ms.time_zone as series_zone, m.original_start
         from {source}
         left join meeting m on m.meeting_id = d.meeting_id
         left join meeting_series ms on ms.series_id = m.series_id
         where {matching} {conditions}
         order by {rank}, d.occurred_at desc, d.document_id
         limit $8 offset $9"
    ))
    .bind(&text)
    .bind(event)
    .bind(stype)
    .bind(item)
    .bind(from)
    .bind(to)
    .bind(kind)
    .bind(per_page)
    .bind((page - 1).saturating_mul(per_page))
    .fetch_all(&db.pool)
    .await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("document_id"))
        .collect::<Result<_, _>>()?;
    let mut items_of = items_of_documents(db, &ids).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let document_id: i64 = r.try_get("document_id")?;
        let kind_text: String = r.try_get("kind")?;
        let kind = DocKind::parse(&kind_text)
            .ok_or_else(|| anyhow::anyhow!("unknown search document kind {kind_text:?}"))?;
        let ref_id: i64 = r.try_get("ref_id")?;
        let session_id: Option<i64> = r.try_get("session_id")?;
        let meeting_id: Option<i64> = r.try_get("meeting_id")?;
        let meeting = match (
            r.try_get::<Option<String>, _>("series_slug")?,
            r.try_get::<Option<String>, _>("series_zone")?,
            r.try_get::<Option<i64>, _>("original_start")?,
        ) {
            (Some(slug), Some(zone), Some(start)) => Some(meeting_path(&slug, &zone, start)),
            _ => None,
        };
        let title: String = r.try_get("title")?;
        let body: String = r.try_get("body")?;
        items.push(SearchHit {
            kind,
            ref_id,
            session_id,
            meeting_id,
            event_id: r.try_get("event_id")?,
            session_type_id: r.try_get("session_type_id")?,
            occurred_at: crate::programme::instant(r.try_get("occurred_at")?),
            title_highlighted: highlight(&title, &query, false),
            snippet: highlight(&body, &query, true),
            title,
            url: url_of(kind, ref_id, session_id, meeting.as_deref()),
            action_items: items_of.remove(&document_id).unwrap_or_default(),
        });
    }
    Ok(SearchResults {
        items,
        page,
        per_page,
        total,
    })
}

/// Where a result is read on this site (`meeting` is the meeting's page).
fn url_of(kind: DocKind, ref_id: i64, session_id: Option<i64>, meeting: Option<&str>) -> String {
    match (session_id, kind) {
        (Some(s), DocKind::Session) => format!("/archive/sessions/{s}"),
        (Some(s), DocKind::TranscriptSegment) => format!("/archive/sessions/{s}#seg-{ref_id}"),
        (Some(s), DocKind::Outcome) => format!("/archive/sessions/{s}#outcome-{ref_id}"),
        (Some(s), DocKind::Question) => format!("/archive/sessions/{s}#question-{ref_id}"),
        (None, _) => meeting.map_or_else(|| "/meetings".into(), str::to_string),
    }
}

/// A meeting's page, `/meetings/{series}/{YYYY-MM-DD}`: the day the series' rule gives the
/// occurrence (its RECURRENCE-ID), in the series' zone, as the minutes pages address it.
pub fn meeting_path(series_slug: &str, time_zone: &str, original_start: i64) -> String {
    format!(
        "/meetings/{series_slug}/{}",
        meeting_day(time_zone, original_start)
    )
}

/// A meeting's date in its series' time zone (of its original start): the date its page's
/// address, its title and the plan export all use.
pub fn meeting_day(time_zone: &str, original_start: i64) -> chrono::NaiveDate {
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    crate::programme::instant(original_start)
        .with_timezone(&tz)
        .date_naive()
}

/// The action items of each document, by document.
async fn items_of_documents(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<ItemRef>>, AppError> {
    let mut out: HashMap<i64, Vec<ItemRef>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // One placeholder per id of this page (at most 50); the values are bound.
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "select i.document_id, a.action_item_id, a.code from search_document_item i
         join action_item a on a.action_item_id = i.action_item_id
         where i.document_id in ({}) order by a.position, a.action_item_id",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for r in q.fetch_all(&db.pool).await? {
        out.entry(r.try_get(0)?).or_default().push(ItemRef {
            action_item_id: r.try_get(1)?,
            code: r.try_get(2)?,
        });
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/search", tag = "archive", params(SearchRequest),
    responses((status = 200, body = SearchResults,
        description = "Matching sessions, transcript passages, outcomes and answered questions, best first"),
        (status = 400, body = ErrorBody,
            description = "No word to search for, or the text is too long or holds too many words"),
        (status = 422, body = ErrorBody, description = "A filter or page parameter is not valid")))]
async fn search_archive(
    State(state): State<AppState>,
    Query(req): Query<SearchRequest>,
) -> Result<axum::Json<SearchResults>, AppError> {
    Ok(axum::Json(search(&state.db, &req).await?))
}

// ---------------------------------------------------------------------------------------------
// Indexing

/// A document to store.
struct NewDoc {
    kind: DocKind,
    ref_id: i64,
    occurred_at: i64,
    title: String,
    body: String,
    items: BTreeSet<i64>,
}

/// Who a set of documents belongs to.
#[derive(Clone, Copy)]
enum Owner {
    Session {
        session_id: i64,
        event_id: i64,
        session_type_id: i64,
    },
    Meeting(i64),
}

/// Outcomes as the index needs them: (id, text, linked items, cited segments, cited questions).
struct OutcomeRow {
    outcome_id: i64,
    text: String,
    items: BTreeSet<i64>,
    segments: BTreeSet<i64>,
    questions: BTreeSet<i64>,
}

/// Lock class of the PostgreSQL advisory locks that keep two reindexes of one session (or
/// meeting) from interleaving.
const LOCK_SESSION: i32 = 0x7365_6172; // "sear"
const LOCK_MEETING: i32 = 0x7365_616d; // "seam"

/// Rebuilds the index entries of one session from its public record.
pub async fn reindex_session(db: &Db, session_id: i64) -> Result<(), AppError> {
    let docs = session_documents(db, session_id).await?;
    let owner = match &docs {
        Some((owner, _)) => *owner,
        None => Owner::Session {
            session_id,
            event_id: 0,
            session_type_id: 0,
        },
    };
    store(db, owner, docs.map(|(_, d)| d).unwrap_or_default()).await
}

/// Rebuilds the index entries of one meeting (its decisions and other outcomes).
pub async fn reindex_meeting(db: &Db, meeting_id: i64) -> Result<(), AppError> {
    let docs = meeting_documents(db, meeting_id).await?;
    store(db, Owner::Meeting(meeting_id), docs).await
}

/// Rebuilds the whole index: every session and every meeting.
pub async fn rebuild(db: &Db) -> Result<(), AppError> {
    let sessions: Vec<i64> = sqlx::query_scalar("select session_id from session order by 1")
        .fetch_all(&db.pool)
        .await?;
    let meetings: Vec<i64> = sqlx::query_scalar("select meeting_id from meeting order by 1")
        .fetch_all(&db.pool)
        .await?;
    // Rows of sessions or meetings deleted since the last run go too (foreign keys cascade,
    // but an index built by an older version may hold strays).
    sqlx::query(
        "delete from search_document where \
         (session_id is not null and session_id not in (select session_id from session)) or \
         (meeting_id is not null and meeting_id not in (select meeting_id from meeting))",
    )
    .execute(&db.pool)
    .await?;
    for id in sessions {
        reindex_session(db, id).await?;
    }
    for id in meetings {
        reindex_meeting(db, id).await?;
    }
    Ok(())
}

/// Replaces the owner's documents with `docs`, in one transaction.
async fn store(db: &Db, owner: Owner, docs: Vec<NewDoc>) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    let (class, key, column) = match owner {
        Owner::Session { session_id, .. } => (LOCK_SESSION, session_id, "session_id"),
        Owner::Meeting(id) => (LOCK_MEETING, id, "meeting_id"),
    };
    if db.backend == Backend::Postgres {
        // From a FROM clause: the Any driver cannot decode the function's void result.
        sqlx::query("select 1 from pg_advisory_xact_lock($1, $2)")
            .bind(class)
            .bind(key as i32)
            .execute(&mut *tx)
            .await?;
    }
    // `column` is one of two literals above.
    sqlx::query(&format!("delete from search_document where {column} = $1"))
        .bind(key)
        .execute(&mut *tx)
        .await?;
    let (session_id, meeting_id, event_id, session_type_id) = match owner {
        Owner::Session {
            session_id,
            event_id,
            session_type_id,
        } => (
            Some(session_id),
            None,
            Some(event_id),
            Some(session_type_id),
        ),
        Owner::Meeting(id) => (None, Some(id), None, None),
    };
    for doc in docs {
        let document_id: i64 = sqlx::query_scalar(
            "insert into search_document (kind, ref_id, session_id, meeting_id, event_id, \
             session_type_id, occurred_at, title, body, title_terms, body_terms) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning document_id",
        )
        .bind(doc.kind.as_str())
        .bind(doc.ref_id)
        .bind(session_id)
        .bind(meeting_id)
        .bind(event_id)
        .bind(session_type_id)
        .bind(doc.occurred_at)
        .bind(&doc.title)
        .bind(&doc.body)
        .bind(terms(&doc.title))
        .bind(terms(&doc.body))
        .fetch_one(&mut *tx)
        .await?;
        for item in doc.items {
            sqlx::query(
                "insert into search_document_item (document_id, action_item_id) values ($1, $2)",
            )
            .bind(document_id)
            .bind(item)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The public documents of a session, or `None` when it has no public record (unknown, draft
/// or cancelled).
async fn session_documents(
    db: &Db,
    session_id: i64,
) -> Result<Option<(Owner, Vec<NewDoc>)>, AppError> {
    let Some(s) = sqlx::query(
        "select s.status, s.event_id, s.session_type_id, s.number, s.title, s.description, \
         s.policy_questions, s.starts_at, t.label from session s \
         join session_type t on t.session_type_id = s.session_type_id where s.session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let status: String = s.try_get("status")?;
    if status == "draft" || status == "cancelled" {
        return Ok(None);
    }
    let owner = Owner::Session {
        session_id,
        event_id: s.try_get("event_id")?,
        session_type_id: s.try_get("session_type_id")?,
    };
    let label = session_label(&s.try_get::<String, _>("label")?, s.try_get("number")?);
    let title: String = s.try_get("title")?;
    let heading = format!("{label} {title}");
    let starts_at: i64 = s.try_get("starts_at")?;
    let description: String = s.try_get("description")?;
    let questions: String = s.try_get("policy_questions")?;
    let body = [description.trim(), questions.trim()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");

    // Outcomes are public once the report is submitted (takeaways and calls to action are
    // the report's), so a rapporteur's draft is never found.
    let submitted: i64 = sqlx::query_scalar(
        "select count(*) from session_report where session_id = $1 and status = 'submitted'",
    )
    .bind(session_id)
    .fetch_one(&db.pool)
    .await?;
    let outcomes = if submitted > 0 {
        outcome_rows(db, "session_id", session_id).await?
    } else {
        Vec::new()
    };
    let all_items: BTreeSet<i64> = outcomes.iter().flat_map(|o| o.items.clone()).collect();
    let items_citing = |pick: &dyn Fn(&OutcomeRow) -> bool| -> BTreeSet<i64> {
        outcomes
            .iter()
            .filter(|o| pick(o))
            .flat_map(|o| o.items.clone())
            .collect()
    };

    let mut docs = vec![NewDoc {
        kind: DocKind::Session,
        ref_id: session_id,
        occurred_at: starts_at,
        title: heading.clone(),
        body,
        items: all_items,
    }];
    if let Some(t) = transcripts::published(db, session_id).await? {
        for seg in t.segments {
            if seg.text.trim().is_empty() {
                continue;
            }
            let title = if seg.speaker.trim().is_empty() {
                heading.clone()
            } else {
                format!("{heading} — {}", seg.speaker.trim())
            };
            docs.push(NewDoc {
                kind: DocKind::TranscriptSegment,
                ref_id: seg.segment_id,
                occurred_at: starts_at + seg.starts_ms.unwrap_or(0).max(0) / 1000,
                title,
                body: seg.text,
                items: items_citing(&|o| o.segments.contains(&seg.segment_id)),
            });
        }
    }
    for o in &outcomes {
        docs.push(NewDoc {
            kind: DocKind::Outcome,
            ref_id: o.outcome_id,
            occurred_at: starts_at,
            title: heading.clone(),
            body: o.text.clone(),
            items: o.items.clone(),
        });
    }
    let questions = sqlx::query(
        "select archived_question_id, text, asked_at from archived_question \
         where session_id = $1 and status = 'answered' order by archived_question_id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    for q in questions {
        let id: i64 = q.try_get(0)?;
        docs.push(NewDoc {
            kind: DocKind::Question,
            ref_id: id,
            occurred_at: q.try_get(2)?,
            title: heading.clone(),
            body: q.try_get(1)?,
            items: items_citing(&|o| o.questions.contains(&id)),
        });
    }
    Ok(Some((owner, docs)))
}

/// The public documents of a meeting: its outcomes, once a version of its minutes is
/// approved or locked.
async fn meeting_documents(db: &Db, meeting_id: i64) -> Result<Vec<NewDoc>, AppError> {
    let Some(m) = sqlx::query(
        "select ms.title, m.original_start, x.kind, x.starts_at, ms.time_zone from meeting m \
         join meeting_series ms on ms.series_id = m.series_id \
         left join series_exception x on x.series_id = m.series_id \
              and x.original_start = m.original_start \
         where m.meeting_id = $1",
    )
    .bind(meeting_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(Vec::new());
    };
    let approved: i64 = sqlx::query_scalar(
        "select count(*) from minutes where meeting_id = $1 and status in ('approved', 'locked')",
    )
    .bind(meeting_id)
    .fetch_one(&db.pool)
    .await?;
    let exception: Option<String> = m.try_get(2)?;
    if approved == 0 || exception.as_deref() == Some("cancelled") {
        return Ok(Vec::new());
    }
    let original: i64 = m.try_get(1)?;
    let moved: Option<i64> = m.try_get(3)?;
    let at = moved.unwrap_or(original);
    let series: String = m.try_get(0)?;
    let zone: String = m.try_get(4)?;
    // Named by the meeting's date where it is held, as its page and address are.
    let title = format!("{series} — {}", meeting_day(&zone, original));
    Ok(outcome_rows(db, "meeting_id", meeting_id)
        .await?
        .into_iter()
        .map(|o| NewDoc {
            kind: DocKind::Outcome,
            ref_id: o.outcome_id,
            occurred_at: at,
            title: title.clone(),
            body: o.text,
            items: o.items,
        })
        .collect())
}

/// The outcomes of a session or meeting (`column` is `session_id` or `meeting_id`) with what
/// they link to.
async fn outcome_rows(db: &Db, column: &str, id: i64) -> Result<Vec<OutcomeRow>, AppError> {
    let column = if column == "meeting_id" {
        "meeting_id"
    } else {
        "session_id"
    };
    let rows = sqlx::query(&format!(
        "select outcome_id, text from outcome where {column} = $1 order by position, outcome_id"
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let mut outcomes = Vec::with_capacity(rows.len());
    for r in rows {
        outcomes.push(OutcomeRow {
            outcome_id: r.try_get(0)?,
            text: r.try_get(1)?,
            items: BTreeSet::new(),
            segments: BTreeSet::new(),
            questions: BTreeSet::new(),
        });
    }
    for (table, target) in [
        ("outcome_action_item", "action_item_id"),
        ("outcome_segment", "segment_id"),
        ("outcome_question", "archived_question_id"),
    ] {
        // Table and column names are the literals above.
        let links = sqlx::query(&format!(
            "select l.outcome_id, l.{target} from {table} l \
             join outcome o on o.outcome_id = l.outcome_id where o.{column} = $1"
        ))
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
        for l in links {
            let (outcome_id, value): (i64, i64) = (l.try_get(0)?, l.try_get(1)?);
            if let Some(o) = outcomes.iter_mut().find(|o| o.outcome_id == outcome_id) {
                match table {
                    "outcome_action_item" => o.items.insert(value),
                    "outcome_segment" => o.segments.insert(value),
                    _ => o.questions.insert(value),
                };
            }
        }
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedQuery {
        ParsedQuery::parse(text).expect("a usable query")
    }

    #[test]
    fn words_are_folded_the_same_way_for_indexing_and_searching() {
        assert_eq!(terms("Café SÉCURITÉ naïve ½"), "cafe securite naive 1 2");
        assert_eq!(
            terms("child-safety, the coalition's"),
            "child safety the coalition s"
        );
        assert_eq!(terms("الأطفال"), "الاطفال");
    }

    #[test]
    fn user_text_becomes_quoted_words_phrases_and_a_last_prefix() {
        let q = parse(r#"Child "online safety" prot"#);
        assert_eq!(
            q.clauses,
            vec![
                Clause::Word("child".into()),
                Clause::Phrase(vec!["online".into(), "safety".into()]),
                Clause::Prefix("prot".into()),
            ]
        );
        assert_eq!(q.fts5(), r#""child" AND "online safety" AND "prot"*"#);
        assert_eq!(q.tsquery(), "'child' & ('online' <-> 'safety') & 'prot':*");
        // A space after the last word asks for the word itself.
        assert_eq!(
            parse("safety ").clauses,
            vec![Clause::Word("safety".into())]
        );
    }

    #[test]
    fn operators_and_sql_are_only_words() {
        let q = parse("AND( NEAR title:x OR '; drop table session; --");
        assert!(!q.fts5().contains('('));
        assert!(!q.fts5().contains('\''));
        assert!(!q.tsquery().contains(';'));
        assert_eq!(q.clauses.len(), 8);
    }

    #[test]
    fn text_without_words_or_too_long_is_refused() {
        for bad in ["\"", "", "  ", "AND(", "()*:"] {
            // "AND(" has a word, so only the ones without letters or digits are refused.
            if bad == "AND(" {
                assert!(ParsedQuery::parse(bad).is_ok());
                continue;
            }
            assert!(ParsedQuery::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ParsedQuery::parse(&"a".repeat(10_000)).is_err());
        assert!(ParsedQuery::parse(&"word ".repeat(21)).is_err());
        assert!(ParsedQuery::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn highlights_mark_matching_words_around_the_first_match() {
        let q = parse("safety ");
        let text = format!(
            "{} Online SAFETY matters. {}",
            "word ".repeat(40),
            "more ".repeat(40)
        );
        let parts = highlight(&text, &q, true);
        assert!(parts[0].text.starts_with("… "));
        assert!(parts.last().unwrap().text.ends_with(" …"));
        let marked: Vec<&str> = parts
            .iter()
            .filter(|p| p.mark)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, vec!["SAFETY"]);
        let whole = highlight("Sécurité des enfants", &parse("securite "), false);
        assert_eq!(
            whole[0],
            SnippetPart {
                text: "Sécurité".into(),
                mark: true
            }
        );
        assert_eq!(whole[1].text, " des enfants");
    }
}
