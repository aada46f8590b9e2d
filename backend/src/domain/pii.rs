//! Detects contact details and identifiers in what participants write, so a question holding one
//! is held for a moderator (whatever the moderation mode) and a handle holding one is refused.
//!
//! Patterns cover the UN's six languages: digits of any script, e-mail addresses (also written
//! "(at)"), links, @handles, and street addresses as people write them in English, French,
//! Spanish, Russian, Arabic and Chinese. A configurable risk-word list adds a flag; nothing is
//! ever deleted by it: moderators decide.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// A kind of contact detail found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Finding {
    Email,
    Phone,
    Link,
    SocialHandle,
    StreetAddress,
    /// A word or phrase from the configured risk list (`safeguarding.risk_words`).
    RiskWord,
}

impl Finding {
    /// The stable name moderators see ("held for: email").
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Email => "email",
            Finding::Phone => "phone",
            Finding::Link => "link",
            Finding::SocialHandle => "social_handle",
            Finding::StreetAddress => "street_address",
            Finding::RiskWord => "risk_word",
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

/// Street addresses: a house number next to a street word, in the UN's six languages.
static STREET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:",
        // 12 Main Street, 4b Elm Rd
        r"\b\p{Nd}{1,5}[a-z]?\s+(?:[\p{L}'.\-]+\s+){0,3}(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|boulevard|blvd|place|crescent|terrace)\b",
        // 5 rue de la Paix, 12 bis avenue Foch
        r"|\b\p{Nd}{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|bd|chemin|allée|impasse|quai|route)\b",
        // Calle Mayor 12, Avenida de Mayo nº 1370
        r"|\b(?:calle|avenida|avda\.?|paseo|carrera|carretera|camino)\s+[\p{L}\s.'\-]{2,40}?,?\s*(?:n[º°o]\.?\s*)?\p{Nd}{1,5}\b",
        // ул. Ленина, д. 5 / улица Пушкина 10
        r"|(?:ул\.|улица|проспект|пр-т|переулок|пер\.|бульвар|шоссе)\s*[\p{L}\s.\-]{2,40}?,?\s*(?:д\.|дом)?\s*\p{Nd}{1,5}",
        // شارع الجامعة ١٢
        r"|(?:شارع|طريق|عمارة)\s+[\p{L}\s]{2,40}?\s*\p{Nd}{1,5}",
        // 中山路12号
        r"|\p{Han}{1,10}(?:路|街|道|巷|弄)\s*\p{Nd}{1,5}\s*号",
        r")"
    ))
    .expect("the street-address pattern is valid")
});

/// Every kind of contact detail found in `text`, each once, in a fixed order.
///
/// Each pattern needs characters that most texts lack (an at sign, a digit, a dot or a colon),
/// and the patterns are most of the cost: every handle is checked at each join, where they were
/// 2% of a join storm's samples. A text without a pattern's characters skips it
/// (`the_shortcuts_never_skip_a_match` holds each shortcut to its pattern).
pub fn detect(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    // An address's domain is not a second finding of its own, so the rest looks at the text
    // without them. `replace_all` borrows the text when nothing matched: one scan for both.
    let without_emails = if may_hold_email(text) {
        EMAIL.replace_all(text, " ")
    } else {
        Cow::Borrowed(text)
    };
    if matches!(without_emails, Cow::Owned(_)) {
        found.push(Finding::Email);
    }
    let text = without_emails.as_ref();
    let digits = has_digit(text);
    let phone = digits
        && DIGIT_RUN
            .find_iter(text)
            .any(|m| m.as_str().chars().filter(|c| c.is_numeric()).count() >= 7);
    if phone {
        found.push(Finding::Phone);
    }
    if may_hold_link(text) && LINK.is_match(text) {
        found.push(Finding::Link);
    }
    if text.contains('@') && SOCIAL.is_match(text) {
        found.push(Finding::SocialHandle);
    }
    // Every street pattern has a house number.
    if digits && STREET.is_match(text) {
        found.push(Finding::StreetAddress);
    }
    found
}

/// What [`EMAIL`] cannot match without: an at sign, or "(at)" / "[at]".
fn may_hold_email(text: &str) -> bool {
    text.contains(['@', '＠']) || text.contains("(at)") || text.contains("[at]")
}

/// A digit of any script: `is_numeric` holds every `\p{Nd}` (and other numbers besides).
fn has_digit(text: &str) -> bool {
    text.chars().any(char::is_numeric)
}

/// What [`LINK`] cannot match without: "://" has a colon, the rest a dot.
fn may_hold_link(text: &str) -> bool {
    text.contains(['.', ':'])
}

/// True when `text` holds one of `risk_words` (case-insensitive, on word boundaries where the
/// script has them).
pub fn has_risk_word(text: &str, risk_words: &[String]) -> bool {
    let lower = text.to_lowercase();
    risk_words.iter().any(|word| {
        let word = word.trim().to_lowercase();
        !word.is_empty()
            && lower.match_indices(&word).any(|(at, _)| {
                let before = lower[..at].chars().next_back();
                let after = lower[at + word.len()..].chars().next();
                let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
                // Scripts without spaces between words (Chinese) match anywhere.
                let spaced = word.chars().all(|c| !is_han(c));
                !spaced || (boundary(before) && boundary(after))
            })
    })
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The findings as the comma-separated list stored with a held question ("" for none).
pub fn held_for(text: &str, risk_words: &[String]) -> String {
    let mut names: Vec<&str> = detect(text).iter().map(|f| f.as_str()).collect();
    if has_risk_word(text, risk_words) {
        names.push(Finding::RiskWord.as_str());
    }
    names.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces that the patterns match when put together, and pieces they do not.
    const PIECES: &[&str] = &[
        " ",
        "a",
        "Maya",
        "kid",
        "ул.",
        "Ленина",
        "д.",
        "شارع",
        "الجامعة",
        "中山",
        "路",
        "号",
        "rue",
        "de la Paix",
        "Station Road",
        "St",
        "Calle Mayor",
        "nº",
        "12",
        "4b",
        "٥",
        "１２",
        "0803-555-0199",
        "+44 7700 900123",
        "@",
        "＠",
        "(at)",
        "[at]",
        "example",
        ".org",
        ".xyz",
        ".",
        ",",
        ":",
        "https://",
        "www.",
        "/x",
        "(",
        ")",
        "_",
        "-",
    ];

    proptest! {
        #[test]
        fn the_shortcuts_never_skip_a_match(
            picks in proptest::collection::vec(0..PIECES.len(), 1..12)
        ) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            if EMAIL.is_match(&text) {
                prop_assert!(may_hold_email(&text), "{text}");
            }
            if DIGIT_RUN.is_match(&text) || STREET.is_match(&text) {
                prop_assert!(has_digit(&text), "{text}");
            }
            if LINK.is_match(&text) {
                prop_assert!(may_hold_link(&text), "{text}");
            }
            if SOCIAL.is_match(&text) {
                prop_assert!(text.contains('@'), "{text}");
            }
        }
    }

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
            ("I live at 12 Station Road, come by", Finding::StreetAddress),
            ("j'habite au 5 rue de la Paix", Finding::StreetAddress),
            ("vivo en Calle Mayor 12, Madrid", Finding::StreetAddress),
            ("мой адрес: ул. Ленина, д. 5", Finding::StreetAddress),
            ("أسكن في شارع الجامعة ١٢", Finding::StreetAddress),
            ("我住在中山路12号", Finding::StreetAddress),
            ("écris-moi : nom (at) exemple.fr", Finding::Email),
            ("мой номер +7 912 345-67-89", Finding::Phone),
            ("电话 138 0013 8000", Finding::Phone),
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
            "Should the 2 main streets of policy, safety and rights, meet?",
            "Что делают 5 стран для защиты детей?",
            "ما دور ١٩٣ دولة في حماية الأطفال؟",
            "¿Qué hace la calle digital por los niños?",
            "儿童在网上有哪些权利?",
        ] {
            assert!(detect(text).is_empty(), "{text}: {:?}", detect(text));
        }
    }

    #[test]
    fn risk_words_flag_whole_words_only() {
        let words = vec![
            "snapchat".to_string(),
            "meet me".to_string(),
            "私聊".to_string(),
        ];
        assert!(has_risk_word("add me on Snapchat!", &words));
        assert!(has_risk_word("can you MEET ME after?", &words));
        assert!(has_risk_word("我们私聊吧", &words));
        assert!(!has_risk_word("snapchatting is a verb now", &words));
        assert!(!has_risk_word("we meet meaningfully", &words));
        assert_eq!(
            held_for("meet me at 12 Station Road", &words),
            "street_address,risk_word"
        );
    }
}
