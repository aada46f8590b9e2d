//! Detects contact details and identifiers in what participants write, so a question holding one
//! is held for a moderator (whatever the moderation mode) and a handle holding one is refused.

use std::sync::LazyLock;

use regex::Regex;

/// A kind of contact detail found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Finding {
    Email,
    Phone,
    Link,
    SocialHandle,
}

impl Finding {
    /// The stable name moderators see ("held for: email").
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Email => "email",
            Finding::Phone => "phone",
            Finding::Link => "link",
            Finding::SocialHandle => "social_handle",
        }
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{N}._%+\-]+\s*(?:@|＠|\(at\)|\[at\])\s*[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}")
        .expect("the e-mail pattern is valid")
});
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\b(?:https?|ftp)://|\bwww\.|\b[\p{L}\p{N}\-]+\.(?:com|org|net|info|io|me|ly|gg|app|co|tv|xyz|link|site|online|uk|de|fr|ru|cn|in|ng|ke|br)\b)",
    )
    .expect("the link pattern is valid")
});
static SOCIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s(])@[\p{L}\p{N}_.]{2,}").expect("the handle pattern is valid")
});
/// Runs of digits (any script) with the separators people put in phone numbers.
static DIGIT_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+?\p{Nd}[\p{Nd}\s().\-/]{5,}\p{Nd}").expect("the digit-run pattern is valid")
});

/// Every kind of contact detail found in `text`, each once, in a fixed order.
pub fn detect(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    if EMAIL.is_match(text) {
        found.push(Finding::Email);
    }
    // An address's domain is not a second finding of its own.
    let without_emails = EMAIL.replace_all(text, " ");
    let text = without_emails.as_ref();
    let phone = DIGIT_RUN
        .find_iter(text)
        .any(|m| m.as_str().chars().filter(|c| c.is_numeric()).count() >= 7);
    if phone {
        found.push(Finding::Phone);
    }
    if LINK.is_match(text) {
        found.push(Finding::Link);
    }
    if SOCIAL.is_match(text) {
        found.push(Finding::SocialHandle);
    }
    found
}

/// The findings as the comma-separated list stored with a held question ("" for none).
pub fn held_for(text: &str) -> String {
    detect(text)
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_are_found() {
        let cases = [
            ("write to me at maya.k@example.org", Finding::Email),
            ("maya (at) example.org", Finding::Email),
            ("call +44 7700 900123 after", Finding::Phone),
            ("my number is 0803-555-0199", Finding::Phone),
            ("رقمي ٠٥٥١٢٣٤٥٦٧", Finding::Phone),
            ("see https://example.net/x", Finding::Link),
            ("visit www.example.org", Finding::Link),
            ("go to mysite.xyz now", Finding::Link),
            ("DM me @maya_k on there", Finding::SocialHandle),
        ];
        for (text, finding) in cases {
            assert!(
                detect(text).contains(&finding),
                "{text}: {:?}",
                detect(text)
            );
        }
    }

    #[test]
    fn an_address_is_one_finding() {
        assert_eq!(detect("mail kid@example.org"), vec![Finding::Email]);
        assert_eq!(
            detect("mail kid@example.org or see example.net"),
            vec![Finding::Email, Finding::Link]
        );
    }

    #[test]
    fn ordinary_questions_pass() {
        for text in [
            "How will the 2025 report reach young people in 12 countries?",
            "What did WS #101 conclude about age assurance?",
            "Is 1.5 billion children online a fair estimate?",
            "Can the DC-COS work with ITU on COP guidelines (2020)?",
            "Why do platforms ignore e.g. Article 8?",
        ] {
            assert!(detect(text).is_empty(), "{text}: {:?}", detect(text));
        }
    }
}
