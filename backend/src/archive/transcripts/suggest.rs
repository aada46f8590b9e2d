//! Redaction suggestions: spans of personal data the question detector (`domain::pii`) finds,
//! and names (young participants' handles, names the rapporteur adds). A rapporteur accepts
//! each one by one; nothing is hidden without them.

use serde::Serialize;
use utoipa::ToSchema;

use super::{RedactionReason, StaffSegment};
use crate::domain::pii::{self, Finding};

/// A span the rapporteur may want to hide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Suggestion {
    pub segment_id: i64,
    /// Offsets in Unicode scalar values, end exclusive.
    pub start_char: i64,
    pub end_char: i64,
    pub reason: RedactionReason,
    /// What was found: `email`, `phone`, `link`, `social_handle`, `street_address`,
    /// `young_participant` or `name`.
    pub found: String,
    /// The words the span covers.
    pub text: String,
}

/// The most words one finding spans (a street address is the longest).
const MAX_WINDOW: usize = 10;

/// Spans of `text` where the detector finds contact details: the shortest runs of whole words
/// it flags, so "call me on +41 22 555 01 99 today" suggests just the number.
pub fn personal_data_spans(text: &str) -> Vec<(usize, usize, Finding)> {
    if pii::detect(text).is_empty() {
        return Vec::new();
    }
    // Words with their character offsets.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, chars.len()));
    }
    let slice = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let mut found: Vec<(usize, usize, Finding)> = Vec::new();
    for i in 0..words.len() {
        for j in i..words.len().min(i + MAX_WINDOW) {
            let kinds = pii::detect(&slice(words[i].0, words[j].1));
            if let Some(kind) = kinds.first() {
                // Keep it only if no shorter window starting later inside it finds the same.
                let inner =
                    (i + 1..=j).any(|k| !pii::detect(&slice(words[k].0, words[j].1)).is_empty());
                if !inner {
                    // The detector fires at seven digits; the rest of the number goes too.
                    let mut j = j;
                    if *kind == Finding::Phone {
                        let digits_only = |w: &(usize, usize)| {
                            chars[w.0..w.1].iter().all(|c| {
                                c.is_numeric()
                                    || matches!(c, '(' | ')' | '.' | '-' | '/' | '+' | ',')
                            })
                        };
                        while j + 1 < words.len() && digits_only(&words[j + 1]) {
                            j += 1;
                        }
                    }
                    let (mut a, mut b) = (words[i].0, words[j].1);
                    // Sentence punctuation around the finding is not part of it.
                    while b > a + 1
                        && matches!(chars[b - 1], '.' | ',' | ';' | ':' | '!' | '?' | ')')
                    {
                        b -= 1;
                    }
                    while a + 1 < b && matches!(chars[a], '(' | '"' | '\'') {
                        a += 1;
                    }
                    if pii::detect(&slice(a, b)).is_empty() {
                        (a, b) = (words[i].0, words[j].1);
                    }
                    found.push((a, b, *kind));
                }
                break;
            }
        }
    }
    found.sort_by_key(|(a, b, _)| (*a, *b));
    found.dedup_by(|n, p| n.0 < p.1);
    found
}

/// Whole-word places of `name` in `text`, ignoring case.
fn name_spans(text: &str, name: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    super::find_spans(text, name)
        .into_iter()
        .filter(|(a, b)| {
            let before = a.checked_sub(1).map(|i| chars[i]);
            let after = chars.get(*b).copied();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
        .collect()
}

/// Every suggestion for these segments, in reading order, leaving out spans already hidden.
pub fn suggest(segments: &[StaffSegment], young: &[String], names: &[String]) -> Vec<Suggestion> {
    let mut out = Vec::new();
    for s in segments {
        let hidden = |a: usize, b: usize| {
            s.redactions
                .iter()
                .any(|r| r.start_char as usize <= a && b <= r.end_char as usize)
        };
        let chars: Vec<char> = s.text.chars().collect();
        let mut push = |a: usize, b: usize, reason: RedactionReason, found: &str| {
            if !hidden(a, b) {
                out.push(Suggestion {
                    segment_id: s.segment_id,
                    start_char: a as i64,
                    end_char: b as i64,
                    reason,
                    found: found.to_string(),
                    text: chars[a..b].iter().collect(),
                });
            }
        };
        for (a, b, kind) in personal_data_spans(&s.text) {
            push(a, b, RedactionReason::PersonalData, kind.as_str());
        }
        for (list, reason, found) in [
            (
                young,
                RedactionReason::YoungParticipant,
                "young_participant",
            ),
            (names, RedactionReason::Other, "name"),
        ] {
            for name in list.iter().filter(|n| n.trim().chars().count() >= 2) {
                for (a, b) in name_spans(&s.text, name) {
                    push(a, b, reason, found);
                }
            }
        }
    }
    out.sort_by_key(|x| (x.segment_id, x.start_char));
    out.dedup_by(|n, p| {
        n.segment_id == p.segment_id && n.start_char == p.start_char && n.end_char == p.end_char
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(id: i64, text: &str) -> StaffSegment {
        StaffSegment {
            segment_id: id,
            position: id,
            starts_ms: None,
            ends_ms: None,
            speaker: String::new(),
            kind: "speech".into(),
            source: "imported".into(),
            text: text.into(),
            redactions: vec![],
        }
    }

    #[test]
    fn a_phone_number_is_suggested_as_its_own_span() {
        let text = "You can reach our helpline on +41 22 555 01 99 today.";
        let spans = personal_data_spans(text);
        assert_eq!(spans.len(), 1, "{spans:?}");
        let (a, b, kind) = spans[0];
        assert_eq!(kind, Finding::Phone);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[a..b].iter().collect::<String>(), "+41 22 555 01 99");
    }

    #[test]
    fn names_are_whole_words_and_hidden_spans_are_skipped() {
        let mut s = segment(
            1,
            "Noor asked, and Noorani answered; write to amina@example.org.",
        );
        let found = suggest(
            std::slice::from_ref(&s),
            &["Noor".into()],
            &["amina".into()],
        );
        let kinds: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.found.as_str(), f.text.as_str()))
            .collect();
        assert!(kinds.contains(&("young_participant", "Noor")), "{kinds:?}");
        assert!(kinds.contains(&("email", "amina@example.org")), "{kinds:?}");
        assert!(!kinds.iter().any(|(_, t)| *t == "Noorani"), "{kinds:?}");
        s.redactions.push(super::super::Redaction {
            redaction_id: 1,
            segment_id: 1,
            start_char: 0,
            end_char: 4,
            reason: "young_participant".into(),
            hidden: "Noor".into(),
        });
        let found = suggest(&[s], &["Noor".into()], &[]);
        assert!(!found.iter().any(|f| f.text == "Noor"), "{found:?}");
    }
}
