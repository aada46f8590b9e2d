//! Redaction of transcript text: spans (Unicode scalar offsets, end exclusive) replaced by a
//! marker, so the public text never holds what was redacted.

/// What a redacted span reads as in public.
pub const MARKER: &str = "[redacted]";

/// `text` with every span replaced by [`MARKER`]. Overlapping or touching spans become one
/// marker; spans past the end are clipped; empty spans are ignored.
pub fn apply(text: &str, spans: &[(usize, usize)]) -> String {
    let mut spans: Vec<(usize, usize)> = spans.iter().copied().filter(|(s, e)| e > s).collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut next = merged.iter().peekable();
    let mut inside: Option<usize> = None;
    for (i, c) in text.chars().enumerate() {
        if let Some(end) = inside {
            if i < end {
                continue;
            }
            inside = None;
        }
        while next.peek().is_some_and(|(_, e)| *e <= i) {
            next.next();
        }
        if let Some(&&(s, e)) = next.peek() {
            if s <= i {
                out.push_str(MARKER);
                inside = Some(e);
                next.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_span_is_replaced_by_one_marker() {
        assert_eq!(
            apply("call me on 0612345678 please", &[(11, 21)]),
            "call me on [redacted] please"
        );
    }

    #[test]
    fn overlapping_spans_read_as_one_and_offsets_count_characters_not_bytes() {
        assert_eq!(apply("héllo wörld", &[(0, 3), (2, 5)]), "[redacted] wörld");
        assert_eq!(apply("مرحبا بكم", &[(6, 9)]), "مرحبا [redacted]");
        assert_eq!(apply("abc", &[(1, 99)]), "a[redacted]");
        assert_eq!(apply("abc", &[(2, 2)]), "abc");
    }

    proptest! {
        #[test]
        fn no_redacted_character_survives(text in "[a-z]{0,40}", spans in proptest::collection::vec((0usize..45, 0usize..45), 0..5)) {
            // Mark each character by its position so we can tell which survived.
            let chars: Vec<char> = text.chars().collect();
            let out = apply(&text, &spans);
            let hidden = |i: usize| spans.iter().any(|&(s, e)| s <= i && i < e);
            let kept: String = chars.iter().enumerate().filter(|(i, _)| !hidden(*i)).map(|(_, c)| *c).collect();
            prop_assert_eq!(out.replace(MARKER, ""), kept);
        }
    }
}
