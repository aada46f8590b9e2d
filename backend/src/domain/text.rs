//! Checks on text people type into live sessions: questions, replies, notes, handles.
//!
//! Text is normalised (NFC, trimmed) and refused when it holds characters that can disguise what
//! others read: control characters, bidirectional overrides and invisible formatting marks.

use unicode_normalization::UnicodeNormalization;
use unicode_security::MixedScript;

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the text holds a control, bidirectional-override or invisible character")]
    ForbiddenCharacter,
    #[error("{0}")]
    Handle(&'static str),
}

/// True for characters that reorder or hide text: bidi embeddings, overrides and isolates,
/// zero-width characters, and other invisible format characters.
fn is_disguising(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{FEFF}' | '\u{180E}' | '\u{061C}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Normalises `raw` and checks it: at most `max` characters, line breaks only where `multiline`.
pub fn clean(raw: &str, max: usize, multiline: bool) -> Result<String, TextError> {
    let text: String = raw.nfc().collect::<String>().replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    for c in text.chars() {
        let allowed_break = multiline && c == '\n';
        if (c.is_control() && !allowed_break) || is_disguising(c) {
            return Err(TextError::ForbiddenCharacter);
        }
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text.to_string())
}

/// Like [`clean`], but an empty text is allowed (it clears a label or reply).
pub fn clean_optional(raw: &str, max: usize) -> Result<String, TextError> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    clean(raw, max, false)
}

/// Words a handle may not look like, so nobody can pass as staff.
const RESERVED: &[&str] = &[
    "moderator",
    "organizer",
    "organiser",
    "admin",
    "plenary",
    "staff",
];

/// The skeletons of [`RESERVED`], worked out once.
static RESERVED_KEYS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    RESERVED
        .iter()
        .map(|word| unicode_security::skeleton(word).collect())
        .collect()
});

/// A participant's handle, checked, with the skeleton that makes look-alikes collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle {
    pub text: String,
    /// The UTS #39 confusable skeleton, lowercased: "Aca" and Cyrillic "Аса" share one.
    pub key: String,
}

impl Handle {
    /// Checks a handle: 2–32 letters, digits, spaces, `.`, `-` or `_`, in one script, with no
    /// contact details and no staff-like word.
    pub fn parse(raw: &str) -> Result<Handle, TextError> {
        let text = clean(raw, 32, false)?;
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() < 2 {
            return Err(TextError::Handle("a handle needs at least 2 characters"));
        }
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_');
        // Combining marks belong to letters in many scripts (Devanagari, Arabic vowel marks).
        if !text
            .chars()
            .all(|c| allowed(c) || unicode_security::GeneralSecurityProfile::identifier_allowed(c))
            || text.contains('@')
        {
            return Err(TextError::Handle(
                "a handle may hold letters, digits, spaces, '.', '-' and '_' only",
            ));
        }
        if !text.as_str().is_single_script() {
            return Err(TextError::Handle("a handle must be written in one script"));
        }
        if !crate::domain::pii::detect(&text).is_empty()
            || text.chars().filter(|c| c.is_numeric()).count() >= 5
        {
            return Err(TextError::Handle(
                "a handle must not hold contact details such as an e-mail address, phone number or link",
            ));
        }
        let key: String = unicode_security::skeleton(&text.to_lowercase())
            .collect::<String>()
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '_'))
            .collect();
        if RESERVED_KEYS
            .iter()
            .any(|word_key| key.contains(word_key.as_str()))
        {
            return Err(TextError::Handle(
                "this handle is reserved; please choose another",
            ));
        }
        Ok(Handle { text, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_normalised() {
        assert_eq!(clean("  Cafe\u{301}? ", 10, false).unwrap(), "Café?");
        assert_eq!(clean("a\r\nb", 10, true).unwrap(), "a\nb");
    }

    #[test]
    fn disguising_characters_are_refused() {
        for bad in [
            "a\u{202E}b",
            "a\u{200B}b",
            "a\u{0007}b",
            "a\nb",
            "\u{2066}x",
        ] {
            assert_eq!(
                clean(bad, 50, false),
                Err(TextError::ForbiddenCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(clean(&"é".repeat(10), 10, false).is_ok());
        assert_eq!(
            clean(&"é".repeat(11), 10, false),
            Err(TextError::TooLong { max: 10 })
        );
        assert_eq!(clean("   ", 10, false), Err(TextError::Empty));
    }

    #[test]
    fn look_alike_handles_share_a_key() {
        // "Aca" in Latin letters and "Аса" in Cyrillic ones look the same on screen.
        let latin = Handle::parse("Aca").unwrap();
        let cyrillic = Handle::parse("\u{410}\u{441}\u{430}").unwrap();
        assert_ne!(latin.text, cyrillic.text);
        assert_eq!(latin.key, cyrillic.key);
        assert_eq!(Handle::parse("aca_").unwrap().key, latin.key);
        assert_ne!(Handle::parse("Ada").unwrap().key, latin.key);
    }

    #[test]
    fn handles_in_other_scripts_are_welcome() {
        for ok in ["سارة", "Lê Minh", "玲玲", "Ngozi-22", "अनन्या"] {
            assert!(Handle::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn handles_with_contact_details_or_staff_words_are_refused() {
        for bad in [
            "a@b.com",
            "@someone",
            "call 07700900123",
            "www.example.com",
            "Moderator",
            "M0derator",
            "x",
            "Pаypal", // Latin with a Cyrillic а: mixed scripts
            "a<b>",
        ] {
            assert!(Handle::parse(bad).is_err(), "{bad}");
        }
    }
}
