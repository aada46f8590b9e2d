//! Writing transcripts out: WebVTT (only when every segment has a time), plain text in the
//! IGF's own shape (`>> NAME:` turns, stage notes on their own lines, the disclaimer on top),
//! and JSON (the same shape the API answers with).

use super::DISCLAIMER;

/// One segment as the writers need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub starts_ms: Option<i64>,
    pub ends_ms: Option<i64>,
    pub speaker: &'a str,
    pub kind: &'a str,
    pub text: &'a str,
}

/// How long a line with no end time stays up when nothing follows it.
const DEFAULT_CUE_MS: i64 = 3_000;

/// `hh:mm:ss.ttt`.
fn timestamp(ms: i64) -> String {
    let ms = ms.max(0);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Text safe inside a cue: `&`, `<` and `>` as character references.
fn escape_cue(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// WebVTT, or `None` when some segment has no time (a transcript from an IGF page).
///
/// A line with no end time (live captions) lasts until the next line starts, or
/// [`DEFAULT_CUE_MS`] for the last one.
pub fn webvtt(title: &str, lines: &[Line]) -> Option<String> {
    if lines.iter().any(|l| l.starts_ms.is_none()) {
        return None;
    }
    let mut out = String::from("WEBVTT\n\nNOTE\n");
    // A NOTE may not hold "-->"; the title is a person's text, so make sure.
    out.push_str(&title.replace("-->", "- >"));
    out.push('\n');
    out.push_str(DISCLAIMER);
    out.push('\n');
    for (i, l) in lines.iter().enumerate() {
        let start = l.starts_ms.unwrap_or_default();
        let end = l
            .ends_ms
            .or_else(|| lines.get(i + 1).and_then(|n| n.starts_ms))
            .filter(|e| *e > start)
            .unwrap_or(start + DEFAULT_CUE_MS);
        out.push_str(&format!(
            "\n{}\n{} --> {}\n",
            i + 1,
            timestamp(start),
            timestamp(end)
        ));
        if !l.speaker.is_empty() {
            out.push_str(&format!("<v {}>", escape_cue(l.speaker)));
        }
        out.push_str(&escape_cue(l.text));
        out.push('\n');
    }
    Some(out)
}

/// Plain text: the title, the disclaimer, then one paragraph per segment, `>> NAME:` where
/// the speaker changes, stage notes as written.
pub fn plain_text(title: &str, lines: &[Line]) -> String {
    let mut out = format!("{title}\n\n{DISCLAIMER}\n");
    let mut last_speaker: Option<&str> = None;
    for l in lines {
        out.push('\n');
        if l.kind == "stage_note" {
            out.push_str(l.text);
            out.push('\n');
            continue;
        }
        if last_speaker != Some(l.speaker) {
            if l.speaker.is_empty() {
                out.push_str(">> ");
            } else {
                out.push_str(&format!(">> {}: ", l.speaker));
            }
        }
        last_speaker = Some(l.speaker);
        out.push_str(l.text);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::import::{self, Format, SegmentKind};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn webvtt_needs_times_and_escapes_text() {
        let untimed = [Line {
            starts_ms: None,
            ends_ms: None,
            speaker: "A",
            kind: "speech",
            text: "hi",
        }];
        assert!(webvtt("T", &untimed).is_none());
        let timed = [
            Line {
                starts_ms: Some(61_001),
                ends_ms: None,
                speaker: "R&D <lead>",
                kind: "speech",
                text: "a --> b & c",
            },
            Line {
                starts_ms: Some(3_600_000),
                ends_ms: None,
                speaker: "",
                kind: "stage_note",
                text: "(Applause)",
            },
        ];
        let vtt = webvtt("Session --> one", &timed).unwrap();
        assert!(vtt.starts_with("WEBVTT\n"));
        assert!(
            vtt.contains(
                "00:01:01.001 --> 01:00:00.000\n<v R&amp;D &lt;lead&gt;>a --&gt; b &amp; c\n"
            ),
            "{vtt}"
        );
        assert!(
            vtt.contains("01:00:00.000 --> 01:00:03.000\n(Applause)\n"),
            "{vtt}"
        );
        let back = import::parse(Format::WebVtt, vtt.as_bytes()).unwrap();
        assert_eq!(back[0].speaker, "R&D <lead>");
        assert_eq!(back[0].text, "a --> b & c");
        assert_eq!(back[1].kind, SegmentKind::StageNote);
    }

    #[test]
    fn plain_text_reads_like_an_igf_transcript() {
        let lines = [
            Line {
                starts_ms: None,
                ends_ms: None,
                speaker: "MODERATOR",
                kind: "speech",
                text: "Welcome.",
            },
            Line {
                starts_ms: None,
                ends_ms: None,
                speaker: "MODERATOR",
                kind: "speech",
                text: "Let us start.",
            },
            Line {
                starts_ms: None,
                ends_ms: None,
                speaker: "",
                kind: "stage_note",
                text: "(Applause)",
            },
            Line {
                starts_ms: None,
                ends_ms: None,
                speaker: "AMINA",
                kind: "speech",
                text: "Thanks.",
            },
        ];
        let text = plain_text("DC session", &lines);
        assert!(text.starts_with("DC session\n\nThis raw transcript"));
        assert!(
            text.ends_with(
                "\n>> MODERATOR: Welcome.\n\nLet us start.\n\n(Applause)\n\n>> AMINA: Thanks.\n"
            ),
            "{text}"
        );
        let back = import::parse_igf_html(&format!(
            "<pre>{}</pre>",
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        ))
        .unwrap();
        assert_eq!(back.len(), 4);
    }

    fn segment_strategy() -> impl Strategy<Value = (String, String, bool)> {
        (
            "[A-Z][a-z]{0,6}( [A-Z][a-z]{0,6})?|",
            "[a-zA-Z0-9<>&;:.,!?' -]{1,40}",
            proptest::bool::ANY,
        )
    }

    proptest! {
        #[test]
        fn webvtt_export_then_import_gives_the_same_segments(
            parts in proptest::collection::vec((segment_strategy(), 1i64..5_000, 1i64..5_000), 1..12)
        ) {
            let mut at = 0;
            let mut owned = Vec::new();
            for ((speaker, text, stage), gap, length) in parts {
                let text = if stage { format!("({})", text.replace(['(', ')'], "")) } else { text };
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if text.is_empty() || text == "()" {
                    continue;
                }
                at += gap;
                owned.push((at, at + length, speaker, text));
            }
            prop_assume!(!owned.is_empty());
            let lines: Vec<Line> = owned
                .iter()
                .map(|(s, e, speaker, text)| Line {
                    starts_ms: Some(*s),
                    ends_ms: Some(*e),
                    speaker,
                    kind: import::classify(text).as_str(),
                    text,
                })
                .collect();
            let vtt = webvtt("T", &lines).unwrap();
            let back = import::parse(Format::WebVtt, vtt.as_bytes()).unwrap();
            let again: Vec<Line> = back
                .iter()
                .map(|s| Line {
                    starts_ms: s.starts_ms,
                    ends_ms: s.ends_ms,
                    speaker: &s.speaker,
                    kind: s.kind.as_str(),
                    text: &s.text,
                })
                .collect();
            prop_assert_eq!(again, lines);
        }
    }
}
