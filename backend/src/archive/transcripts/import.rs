//! Reading transcripts from the files people already have: the IGF's raw transcript pages
//! (HTML, `>> NAME:` speaker turns, no times), WebVTT and SRT.
//!
//! Every parser is a pure function from bytes to segments, so it can be tested alone. A bad file
//! is an [`ImportError`] naming the line, and the caller stores nothing. Segment text is one
//! line: cue line breaks and HTML soft breaks are display wrapping, not meaning, so they become
//! spaces; a paragraph becomes its own segment.

use std::cell::{Cell, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::domain::text::{self, TextError};

/// The longest segment text kept (a paragraph of a long intervention fits easily).
pub const SEGMENT_CHARS: usize = 5_000;
/// The longest speaker label.
pub const SPEAKER_CHARS: usize = 80;
/// The most segments one file may hold (a full IGF day is well under this).
pub const MAX_SEGMENTS: usize = 20_000;

/// A file format we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The IGF's raw transcript page.
    IgfHtml,
    WebVtt,
    Srt,
}

impl Format {
    /// The value stored in `transcript.source`.
    pub fn source(self) -> &'static str {
        match self {
            Format::IgfHtml => "igf_html",
            Format::WebVtt => "webvtt",
            Format::Srt => "srt",
        }
    }

    /// From a `?format=` value (`igf_html`/`html`, `webvtt`/`vtt`, `srt`).
    pub fn parse(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "igf_html" | "html" => Some(Format::IgfHtml),
            "webvtt" | "vtt" => Some(Format::WebVtt),
            "srt" | "subrip" => Some(Format::Srt),
            _ => None,
        }
    }

    /// From a media type (`text/html`, `text/vtt`, `application/x-subrip`); `text/plain` and
    /// others say nothing, so the caller needs `?format=`.
    pub fn from_media_type(media_type: &str) -> Option<Format> {
        let essence = media_type.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "text/html" | "application/xhtml+xml" => Some(Format::IgfHtml),
            "text/vtt" => Some(Format::WebVtt),
            "application/x-subrip" | "text/srt" | "application/srt" => Some(Format::Srt),
            _ => None,
        }
    }

    /// From a file name's extension, for uploads whose browser sent no useful type.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let ext = name.rsplit('.').next()?.to_ascii_lowercase();
        match ext.as_str() {
            "html" | "htm" => Some(Format::IgfHtml),
            "vtt" => Some(Format::WebVtt),
            "srt" => Some(Format::Srt),
            _ => None,
        }
    }
}

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    Speech,
    /// "(Applause)", "(Music)": what the captioner notes besides speech.
    StageNote,
}

impl SegmentKind {
    /// The value stored in `transcript_segment.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Speech => "speech",
            SegmentKind::StageNote => "stage_note",
        }
    }

    /// From the stored value or a form's choice.
    pub fn parse(s: &str) -> Option<SegmentKind> {
        match s {
            "speech" => Some(SegmentKind::Speech),
            "stage_note" => Some(SegmentKind::StageNote),
            _ => None,
        }
    }
}

/// One segment read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSegment {
    pub starts_ms: Option<i64>,
    pub ends_ms: Option<i64>,
    pub speaker: String,
    pub kind: SegmentKind,
    pub text: String,
    /// The line of the file it started on (1-based), for error messages.
    pub line: usize,
}

/// Why a file could not be read; nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ImportError {
    pub line: usize,
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> ImportError {
    ImportError {
        line,
        message: message.into(),
    }
}

/// Reads a file in `format`.
pub fn parse(format: Format, bytes: &[u8]) -> Result<Vec<ParsedSegment>, ImportError> {
    let text = decode(bytes)?;
    let segments = match format {
        Format::IgfHtml => parse_igf_html(&text)?,
        Format::WebVtt => parse_webvtt(&text)?,
        Format::Srt => parse_srt(&text)?,
    };
    if segments.is_empty() {
        let hint = match format {
            Format::IgfHtml => {
                "no speaker turns (>> NAME:) or stage notes such as (Applause) were found; is this an IGF raw transcript page?"
            }
            Format::WebVtt | Format::Srt => "the file holds no cues with text",
        };
        return Err(error(1, hint));
    }
    if segments.len() > MAX_SEGMENTS {
        return Err(error(
            segments[MAX_SEGMENTS].line,
            format!("a transcript may hold at most {MAX_SEGMENTS} segments"),
        ));
    }
    Ok(segments)
}

/// UTF-8 without a byte-order mark, line endings as `\n`.
fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        error(line, "the file is not UTF-8 text")
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Invisible marks subtitle tools leave in text: they change nothing a reader sees, so they go.
/// Other control and bidi characters make the file an error (see [`text::clean`]).
fn strip_invisible(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{FEFF}'))
        .collect()
}

/// Whitespace runs (tabs, line breaks, no-break spaces) as one space, trimmed.
fn collapse(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{A0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn text_error(line: usize, what: &str, e: TextError) -> ImportError {
    error(line, format!("{what}: {e}"))
}

/// A finished segment, its text and speaker checked like everything people type.
fn segment(
    line: usize,
    speaker: &str,
    raw: &str,
    times: Option<(i64, i64)>,
) -> Result<Option<ParsedSegment>, ImportError> {
    let body = collapse(&strip_invisible(raw));
    if body.is_empty() {
        return Ok(None);
    }
    let body = text::clean(&body, SEGMENT_CHARS, false).map_err(|e| text_error(line, "text", e))?;
    let speaker = collapse(&strip_invisible(speaker));
    let speaker = text::clean_optional(&speaker, SPEAKER_CHARS)
        .map_err(|e| text_error(line, "speaker", e))?;
    Ok(Some(ParsedSegment {
        starts_ms: times.map(|t| t.0),
        ends_ms: times.map(|t| t.1),
        kind: classify(&body),
        speaker,
        text: body,
        line,
    }))
}

/// A stage note is a whole line in parentheses or brackets: "(Applause)", "[Music]".
pub fn classify(text: &str) -> SegmentKind {
    let t = text.trim();
    let pair = match t.chars().next() {
        Some('(') => ')',
        Some('[') => ']',
        _ => return SegmentKind::Speech,
    };
    let closes_once = t.find(pair) == Some(t.len() - 1);
    if t.chars().count() <= 80 && t.len() > 2 && closes_once {
        SegmentKind::StageNote
    } else {
        SegmentKind::Speech
    }
}

/// Name particles written in lower case ("Ana de la Cruz", "Jan van Dijk").
const PARTICLES: &[&str] = &[
    "de", "da", "del", "della", "der", "den", "di", "do", "dos", "du", "la", "le", "van", "von",
    "al", "el", "bin", "bint", "ibn", "y", "e", "of", "the", "and",
];

/// Whether `s` reads as a speaker label: a few capitalised words ("JANE DOE", "Moderator",
/// "Dr. Ana de la Cruz", "SPEAKER 2"), not the start of a sentence ("So the question is").
fn looks_like_name(s: &str) -> bool {
    let s = s.trim();
    let words: Vec<&str> = s.split_whitespace().collect();
    if s.is_empty() || s.chars().count() > 60 || words.len() > 8 {
        return false;
    }
    if !s.chars().next().is_some_and(char::is_alphabetic) {
        return false;
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '.' | '\'' | '-' | '&' | '’');
    if !s.chars().all(allowed) {
        return false;
    }
    words
        .iter()
        .all(|w| PARTICLES.contains(w) || w.chars().next().is_some_and(|c| !c.is_lowercase()))
}

/// Splits "NAME: words" into the name and the words, when the part before the colon reads as a
/// name; otherwise the speaker is unknown.
fn split_speaker(s: &str) -> (String, String) {
    if let Some((name, rest)) = s.split_once(':') {
        if looks_like_name(name) {
            return (name.trim().to_string(), rest.trim().to_string());
        }
    }
    (String::new(), s.trim().to_string())
}

// ---------------------------------------------------------------------------------------------
// The IGF's raw transcript pages

/// Elements whose text is never transcript: scripts, navigation, page furniture, forms.
const SKIPPED: &[&str] = &[
    "script", "style", "title", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "select", "button", "textarea", "svg", "iframe", "object", "head",
];
/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "section",
    "article",
    "main",
    "hr",
    "dd",
    "dt",
    "dl",
    "pre",
    "body",
    "td",
    "th",
];

#[derive(Debug)]
enum Piece {
    Text(String, usize),
    /// `hard`: a paragraph ends; otherwise a line break within one (`<br>`).
    Break {
        hard: bool,
    },
}

#[derive(Default)]
struct HtmlSink {
    pieces: RefCell<Vec<Piece>>,
    /// How deep inside skipped elements we are, per name (a stray end tag cannot go below 0).
    skipping: RefCell<Vec<(String, u32)>>,
    pre: Cell<u32>,
}

impl HtmlSink {
    fn skipped(&self) -> bool {
        self.skipping.borrow().iter().any(|(_, n)| *n > 0)
    }

    fn tag(&self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let start = tag.kind == TagKind::StartTag;
        if SKIPPED.contains(&name) && !(start && tag.self_closing) {
            let mut skipping = self.skipping.borrow_mut();
            let entry = match skipping.iter_mut().find(|(n, _)| n == name) {
                Some(e) => e,
                None => {
                    skipping.push((name.to_string(), 0));
                    skipping.last_mut().expect("just pushed")
                }
            };
            entry.1 = if start {
                entry.1 + 1
            } else {
                entry.1.saturating_sub(1)
            };
        }
        if name == "pre" {
            self.pre.set(if start {
                self.pre.get() + 1
            } else {
                self.pre.get().saturating_sub(1)
            });
        }
        if name == "br" {
            self.pieces.borrow_mut().push(Piece::Break { hard: false });
        } else if BLOCKS.contains(&name) {
            self.pieces.borrow_mut().push(Piece::Break { hard: true });
        }
        // Script and style bodies are raw text: read them as such so markup-like text in them
        // cannot open or close elements.
        match (start, name) {
            (true, "script") => {
                TokenSinkResult::RawData(html5ever::tokenizer::states::RawKind::ScriptData)
            }
            (true, "style" | "noscript" | "iframe" | "template") => {
                TokenSinkResult::RawData(html5ever::tokenizer::states::RawKind::Rawtext)
            }
            (true, "title" | "textarea") => {
                TokenSinkResult::RawData(html5ever::tokenizer::states::RawKind::Rcdata)
            }
            _ => TokenSinkResult::Continue,
        }
    }

    fn text(&self, text: &StrTendril, line: u64) {
        if self.skipped() {
            return;
        }
        let line = usize::try_from(line).unwrap_or(usize::MAX);
        let mut pieces = self.pieces.borrow_mut();
        if self.pre.get() > 0 {
            // Inside <pre> a line break is a break.
            for (i, part) in text.split('\n').enumerate() {
                if i > 0 {
                    pieces.push(Piece::Break { hard: false });
                }
                pieces.push(Piece::Text(part.to_string(), line + i));
            }
        } else {
            pieces.push(Piece::Text(text.to_string(), line));
        }
    }
}

impl TokenSink for HtmlSink {
    type Handle = ();

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => self.tag(&tag),
            Token::CharacterTokens(text) => {
                self.text(&text, line_number);
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

/// One line of visible text: where it starts, and whether a paragraph ended before it.
struct TextLine {
    text: String,
    line: usize,
    new_paragraph: bool,
}

fn html_lines(html: &str) -> Vec<TextLine> {
    let tokenizer = Tokenizer::new(HtmlSink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let pieces = tokenizer.sink.pieces.take();
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut first_line = 0;
    let mut hard_pending = true;
    let mut hard_of_current = true;
    for piece in pieces {
        match piece {
            Piece::Text(t, line) => {
                if current.trim().is_empty() && !t.trim().is_empty() {
                    first_line = line
                        + t.chars()
                            .take_while(|c| c.is_whitespace())
                            .filter(|c| *c == '\n')
                            .count();
                    hard_of_current = hard_pending;
                }
                current.push_str(&t);
            }
            Piece::Break { hard } => {
                // A blank line (two breaks with nothing between) ends a paragraph too.
                hard_pending |= hard || current.trim().is_empty();
                if !current.trim().is_empty() {
                    lines.push(TextLine {
                        text: std::mem::take(&mut current),
                        line: first_line,
                        new_paragraph: hard_of_current,
                    });
                    hard_pending = hard;
                } else {
                    current.clear();
                }
            }
        }
    }
    if !current.trim().is_empty() {
        lines.push(TextLine {
            text: current,
            line: first_line,
            new_paragraph: hard_of_current,
        });
    }
    lines
}

/// Reads an IGF raw transcript page. Text before the first turn or stage note is the page's
/// heading and disclaimer, and is left out. A `>>` starts a turn (`>> NAME:` names its
/// speaker; a bare `>>` is an unnamed one); a line that is all "(…)" is a stage note; a new
/// paragraph within a turn is a new segment of the same speaker; a `<br>` only wraps.
pub fn parse_igf_html(html: &str) -> Result<Vec<ParsedSegment>, ImportError> {
    let mut out = Vec::new();
    // The segment being gathered: its line, speaker and text.
    let mut open: Option<(usize, String, String)> = None;
    let mut speaker = String::new();
    let mut started = false;
    let flush = |open: &mut Option<(usize, String, String)>,
                 out: &mut Vec<ParsedSegment>|
     -> Result<(), ImportError> {
        if let Some((line, who, body)) = open.take() {
            if let Some(s) = segment(line, &who, &body, None)? {
                out.push(s);
            }
        }
        Ok(())
    };
    for l in html_lines(html) {
        let collapsed = collapse(&l.text);
        // A turn may begin mid-line; each `>>` starts one.
        let mut parts = collapsed.split(">>");
        let before = parts.next().unwrap_or("").trim().to_string();
        let turns: Vec<String> = parts.map(|p| p.trim().to_string()).collect();
        if !before.is_empty() {
            if classify(&before) == SegmentKind::StageNote {
                flush(&mut open, &mut out)?;
                started = true;
                open = Some((l.line, String::new(), before));
                flush(&mut open, &mut out)?;
            } else if started {
                match &mut open {
                    Some((_, _, body)) if !l.new_paragraph => {
                        body.push(' ');
                        body.push_str(&before);
                    }
                    _ => {
                        flush(&mut open, &mut out)?;
                        open = Some((l.line, speaker.clone(), before));
                    }
                }
            }
        }
        for turn in turns {
            started = true;
            flush(&mut open, &mut out)?;
            let (who, words) = split_speaker(&turn);
            speaker = who;
            open = Some((l.line, speaker.clone(), words));
        }
    }
    flush(&mut open, &mut out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// WebVTT

/// `hh:mm:ss.ttt` or `mm:ss.ttt` (WebVTT), or with a comma (SRT), in milliseconds.
fn parse_timestamp(s: &str, separator: char) -> Option<i64> {
    let (clock, millis) = s.split_once(separator)?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let (h, m, sec) = match parts.as_slice() {
        [m, s] if m.len() == 2 && s.len() == 2 => ("0", *m, *s),
        [h, m, s] if h.len() >= 2 && h.len() <= 6 && m.len() == 2 && s.len() == 2 => (*h, *m, *s),
        _ => return None,
    };
    let (h, m, sec, ms): (i64, i64, i64, i64) = (
        h.parse().ok()?,
        m.parse().ok()?,
        sec.parse().ok()?,
        millis.parse().ok()?,
    );
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// A timing line: `start --> end` and, in WebVTT, cue settings after it.
fn parse_timing(line: &str, n: usize, separator: char) -> Result<(i64, i64), ImportError> {
    let example = if separator == '.' {
        "00:00:01.000 --> 00:00:04.000"
    } else {
        "00:00:01,000 --> 00:00:04,000"
    };
    let (start, rest) = line
        .split_once("-->")
        .ok_or_else(|| error(n, format!("expected a cue timing such as {example}")))?;
    let end = rest.split_whitespace().next().unwrap_or("");
    let bad = |what: &str, value: &str| {
        error(
            n,
            format!("the cue's {what} time \"{value}\" is not a time such as {example}"),
        )
    };
    let start_ms =
        parse_timestamp(start.trim(), separator).ok_or_else(|| bad("start", start.trim()))?;
    let end_ms = parse_timestamp(end, separator).ok_or_else(|| bad("end", end))?;
    if end_ms <= start_ms {
        return Err(error(n, "the cue ends before it starts"));
    }
    Ok((start_ms, end_ms))
}

/// Decodes the character references WebVTT and subtitle tools write; unknown ones stay as
/// written.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|e| e + 1);
        let decoded = match end {
            Some(e) if rest[e..].starts_with(';') => {
                let name = &rest[1..e];
                let c = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some(' '),
                    "lrm" => Some('\u{200E}'),
                    "rlm" => Some('\u{200F}'),
                    _ => name
                        .strip_prefix("#x")
                        .or_else(|| name.strip_prefix("#X"))
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                c.map(|c| (c, e + 1))
            }
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A cue's text as runs of one voice each: `<v Name>` starts a voice, other tags (`<i>`, `<c>`,
/// `<00:00:01.000>`) are dropped, entities decoded.
fn voice_runs(payload: &str) -> Vec<(Option<String>, String)> {
    let mut runs: Vec<(Option<String>, String)> = vec![(None, String::new())];
    let mut rest = payload;
    while let Some(open) = rest.find('<') {
        runs.last_mut()
            .expect("never empty")
            .1
            .push_str(&decode_entities(&rest[..open]));
        rest = &rest[open..];
        let Some(close) = rest.find('>') else {
            // A lone "<" is text.
            runs.last_mut()
                .expect("never empty")
                .1
                .push_str(&decode_entities(rest));
            rest = "";
            break;
        };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        let voice = tag
            .strip_prefix('v')
            .filter(|t| t.starts_with([' ', '\t', '.']));
        if let Some(v) = voice {
            let name = v
                .split_once([' ', '\t'])
                .map(|(_, n)| decode_entities(n.trim()))
                .unwrap_or_default();
            runs.push((Some(name), String::new()));
        }
    }
    runs.last_mut()
        .expect("never empty")
        .1
        .push_str(&decode_entities(rest));
    runs.into_iter()
        .filter(|(v, t)| v.is_some() || !t.trim().is_empty())
        .collect()
}

/// Blocks of non-blank lines with the (1-based) number of their first line.
fn blocks(lines: &[&str], from: usize) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut start = 0;
    for (i, line) in lines.iter().enumerate().skip(from) {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push((start, std::mem::take(&mut current)));
            }
        } else {
            if current.is_empty() {
                start = i + 1;
            }
            current.push((*line).to_string());
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// Reads WebVTT: cues with times, `<v Speaker>` voices, NOTE/STYLE/REGION blocks skipped, cue
/// settings ignored. A cue whose text starts with `>> NAME:` (as CART captioners write) names
/// its speaker that way.
pub fn parse_webvtt(text: &str) -> Result<Vec<ParsedSegment>, ImportError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let first = lines.first().copied().unwrap_or("");
    let signature =
        first == "WEBVTT" || first.starts_with("WEBVTT ") || first.starts_with("WEBVTT\t");
    if !signature {
        return Err(error(1, "a WebVTT file starts with the line WEBVTT"));
    }
    // The header runs to the first blank line.
    let body_from = lines
        .iter()
        .position(|l| l.trim().is_empty())
        .unwrap_or(lines.len());
    let mut out = Vec::new();
    for (start, block) in blocks(&lines, body_from) {
        let head = block[0].trim();
        let is = |word: &str| {
            head == word
                || head.starts_with(&format!("{word} "))
                || head.starts_with(&format!("{word}\t"))
        };
        if is("NOTE") || is("STYLE") || is("REGION") {
            continue;
        }
        let timing_at = if block[0].contains("-->") {
            0
        } else if block.len() > 1 && block[1].contains("-->") {
            1
        } else {
            return Err(error(
                start,
                "expected a cue: an optional identifier, then a timing line such as 00:00:01.000 --> 00:00:04.000",
            ));
        };
        let timing_line = start + timing_at;
        let times = parse_timing(&block[timing_at], timing_line, '.')?;
        let payload = &block[timing_at + 1..];
        if let Some(i) = payload.iter().position(|l| l.contains("-->")) {
            return Err(error(
                timing_line + 1 + i,
                "a cue's text cannot hold \"-->\" (is a blank line missing before this cue?)",
            ));
        }
        let joined = payload.join("\n");
        // Only a literal ">>" marks a turn: an escaped "&gt;&gt;" is text.
        let turn_marked = joined.trim_start().starts_with(">>");
        let runs = voice_runs(&joined);
        for (i, (voice, words)) in runs.into_iter().enumerate() {
            let (speaker, words) = match voice {
                Some(v) => (v, words),
                None if turn_marked && i == 0 => {
                    split_speaker(words.trim_start().trim_start_matches(">>"))
                }
                None => (String::new(), words),
            };
            if let Some(s) = segment(timing_line, &speaker, &words, Some(times))? {
                out.push(s);
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// SRT

/// Drops SubRip's formatting: `<i>`, `<b>`, `<font …>` tags and `{\an8}` overrides.
fn strip_srt_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => {
                let tag: String = chars.clone().take_while(|c| *c != '>').collect();
                let name = tag.trim_start_matches('/').to_ascii_lowercase();
                let known =
                    ["i", "b", "u", "s"].contains(&name.as_str()) || name.starts_with("font");
                if known && chars.clone().any(|c| c == '>') {
                    for n in chars.by_ref() {
                        if n == '>' {
                            break;
                        }
                    }
                } else {
                    out.push(c);
                }
            }
            '{' if chars.peek() == Some(&'\\') => {
                for n in chars.by_ref() {
                    if n == '}' {
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// A speaker prefix as SubRip files write it: `>> NAME:`, or `NAME:` in capitals.
fn srt_speaker(text: &str) -> Option<(String, String)> {
    let t = text.trim_start();
    if let Some(turn) = t.strip_prefix(">>") {
        return Some(split_speaker(turn));
    }
    let (name, rest) = t.split_once(':')?;
    let shouting = name.chars().any(char::is_alphabetic) && !name.chars().any(char::is_lowercase);
    (shouting && looks_like_name(name)).then(|| (name.trim().to_string(), rest.trim().to_string()))
}

/// Reads SubRip: numbered cues, `00:00:01,000 --> 00:00:04,000`, text lines. A speaker named
/// by a prefix keeps speaking in the cues that follow until another is named.
pub fn parse_srt(text: &str) -> Result<Vec<ParsedSegment>, ImportError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::new();
    let mut speaker = String::new();
    for (start, block) in blocks(&lines, 0) {
        if !block[0].trim().bytes().all(|b| b.is_ascii_digit()) {
            return Err(error(
                start,
                format!(
                    "expected a cue number, found \"{}\"",
                    block[0].trim().chars().take(40).collect::<String>()
                ),
            ));
        }
        let Some(timing) = block.get(1) else {
            return Err(error(
                start + 1,
                "a cue number must be followed by its timing line such as 00:00:01,000 --> 00:00:04,000",
            ));
        };
        // Some tools write WebVTT's "." in SRT; read both.
        let separator = if timing.contains(',') { ',' } else { '.' };
        let times = parse_timing(timing, start + 1, separator)?;
        let words = strip_srt_markup(&block[2..].join(" "));
        let words = if classify(&collapse(&words)) == SegmentKind::StageNote {
            if let Some(s) = segment(start + 1, "", &words, Some(times))? {
                out.push(s);
            }
            continue;
        } else {
            match srt_speaker(&words) {
                Some((who, rest)) => {
                    speaker = who;
                    rest
                }
                None => words,
            }
        };
        if let Some(s) = segment(start + 1, &speaker, &words, Some(times))? {
            out.push(s);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(segments: &[ParsedSegment]) -> Vec<(String, &'static str, String)> {
        segments
            .iter()
            .map(|s| (s.speaker.clone(), s.kind.as_str(), s.text.clone()))
            .collect()
    }

    fn row(speaker: &str, kind: &'static str, text: &str) -> (String, &'static str, String) {
        (speaker.into(), kind, text.into())
    }

    #[test]
    fn an_igf_page_becomes_turns_and_stage_notes() {
        let html = r#"<!DOCTYPE html><html><head><title>Raw &gt;&gt; page</title>
<script>var x = "<p>>> NOT: a turn</p>";</script></head>
<body><nav><a href="/">Home</a> &gt;&gt; Transcripts</nav>
<div class="content">
<p>IGF 2026 &ndash; Day 2 &ndash; DC Session &ndash; RAW</p>
<p>The following are the outputs of the real-time captioning.</p>
<p>(Music)</p>
<p>&gt;&gt; MODERATOR:&nbsp; Good morning, everyone.<br>Welcome to the session.</p>
<p>We start with reporting.</p>
<p>(Applause)</p>
<p>&gt;&gt; JANE O&#39;NEIL: Thank you &amp; hello. &gt;&gt; So the question is: where now?</p>
</div><footer>Copyright &copy; IGF</footer></body></html>"#;
        let segments = parse_igf_html(html).unwrap();
        assert_eq!(
            texts(&segments),
            vec![
                row("", "stage_note", "(Music)"),
                row(
                    "MODERATOR",
                    "speech",
                    "Good morning, everyone. Welcome to the session."
                ),
                row("MODERATOR", "speech", "We start with reporting."),
                row("", "stage_note", "(Applause)"),
                row("JANE O'NEIL", "speech", "Thank you & hello."),
                row("", "speech", "So the question is: where now?"),
            ]
        );
        assert!(segments.iter().all(|s| s.starts_ms.is_none()));
        assert_eq!(segments[1].line, 8);
    }

    #[test]
    fn an_html_page_without_turns_is_an_error() {
        let err = parse(Format::IgfHtml, b"<html><body><p>Hello</p></body></html>").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains(">> NAME:"), "{err}");
    }

    #[test]
    fn a_bidi_override_names_its_line() {
        let html = "<p>&gt;&gt; A: fine</p>\n<p>&gt;&gt; B: evil &#x202E;txet</p>";
        let err = parse(Format::IgfHtml, html.as_bytes()).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }

    #[test]
    fn webvtt_cues_voices_notes_and_settings() {
        let vtt = "WEBVTT - Session 12\nKind: captions\n\nNOTE\nThis is a note\nwith two lines\n\nSTYLE\n::cue { color: yellow }\n\n1\n00:00:01.000 --> 00:00:04.500 align:start position:10%\n<v Roger Bingham>We are in New York City\nand it&apos;s &lt;cold&gt; &amp; wet</v>\n\n00:05.000 --> 00:00:06.000\n(Applause)\n\nintro-3\n00:00:07.000 --> 00:00:09.000\n<v.loud Esme>It's a blue apple tree!\n<v Mary>No it isn't!\n\n00:00:10.000 --> 00:00:11.000\n>> AMINA: Thank <i>you</i>.\n";
        let segments = parse_webvtt(vtt).unwrap();
        assert_eq!(
            texts(&segments),
            vec![
                row(
                    "Roger Bingham",
                    "speech",
                    "We are in New York City and it's <cold> & wet"
                ),
                row("", "stage_note", "(Applause)"),
                row("Esme", "speech", "It's a blue apple tree!"),
                row("Mary", "speech", "No it isn't!"),
                row("AMINA", "speech", "Thank you."),
            ]
        );
        assert_eq!(segments[0].starts_ms, Some(1000));
        assert_eq!(segments[0].ends_ms, Some(4500));
        assert_eq!(segments[1].starts_ms, Some(5000));
        assert_eq!(segments[2].line, 20);
    }

    #[test]
    fn bad_webvtt_names_the_line() {
        let cases = [
            ("WEBVTX\n\n00:01.000 --> 00:02.000\nx\n", 1),
            (
                "WEBVTT\n\n00:01.000 --> 00:02.000\nfine\n\n00:03.000 --> 00:0x.000\nbad\n",
                6,
            ),
            ("WEBVTT\n\n00:05.000 --> 00:02.000\nbackwards\n", 3),
            ("WEBVTT\n\njust text\nmore text\n", 3),
            (
                "WEBVTT\n\n00:01.000 --> 00:02.000\nfine\n00:03.000 --> 00:04.000\nglued\n",
                5,
            ),
        ];
        for (vtt, line) in cases {
            let err = parse(Format::WebVtt, vtt.as_bytes()).unwrap_err();
            assert_eq!(err.line, line, "{vtt:?}: {err}");
        }
    }

    #[test]
    fn srt_cues_with_speaker_prefixes() {
        let srt = "1\n00:00:01,000 --> 00:00:03,000\nMODERATOR: Welcome, all.\n\n2\n00:00:03,500 --> 00:00:05,000\n<i>Let us begin.</i>\n\n3\n00:00:05,000 --> 00:00:06,000\n[Laughter]\n\n4\n00:00:06,000 --> 00:00:08,000\n>> Dr. Ana de la Cruz: Note: this\nspans two lines.\n";
        let segments = parse_srt(srt).unwrap();
        assert_eq!(
            texts(&segments),
            vec![
                row("MODERATOR", "speech", "Welcome, all."),
                row("MODERATOR", "speech", "Let us begin."),
                row("", "stage_note", "[Laughter]"),
                row(
                    "Dr. Ana de la Cruz",
                    "speech",
                    "Note: this spans two lines."
                ),
            ]
        );
        assert_eq!(segments[3].starts_ms, Some(6000));
    }

    #[test]
    fn bad_srt_names_the_line() {
        let err = parse(
            Format::Srt,
            b"1\n00:00:01,000 --> 00:00:02,000\nok\n\nx\n00:00:03,000 --> 00:00:04,000\nno\n",
        )
        .unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        let err = parse(Format::Srt, b"1\n00:00:01,000 -> 00:00:02,000\nok\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let err = parse(Format::Srt, b"1\n00:00:01,000 --> 00:00:02,000\nok\xff\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn speaker_labels_are_names_not_sentences() {
        assert!(looks_like_name("JANE DOE"));
        assert!(looks_like_name("Moderator"));
        assert!(looks_like_name("Dr. Ana de la Cruz"));
        assert!(looks_like_name("SPEAKER 2"));
        assert!(looks_like_name("نور"));
        assert!(!looks_like_name("So the question is"));
        assert!(!looks_like_name("Is it? Yes"));
        assert!(!looks_like_name(""));
    }

    proptest::proptest! {
        #[test]
        fn no_input_makes_a_parser_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            for format in [Format::IgfHtml, Format::WebVtt, Format::Srt] {
                let _ = parse(format, &bytes);
            }
        }

        #[test]
        fn no_text_input_makes_a_parser_panic(text in "(WEBVTT\n\n)?([0-9:.,]{0,14}( --> )?[0-9:.,]{0,14}\n|[<>&;v a-zA-Z()\\[\\]]{0,20}\n|\n){0,12}") {
            for format in [Format::IgfHtml, Format::WebVtt, Format::Srt] {
                let _ = parse(format, text.as_bytes());
            }
        }
    }
}
