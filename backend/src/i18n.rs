//! The message catalog: Fluent files in `frontend/locales/{en,fr,ar}` compiled into the binary,
//! the visitor's language (cookie, then `Accept-Language`, then English), and the translator
//! templates call (`{{ t.get("key") }}`).

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::CookieJar;
use chrono::{Datelike, NaiveDate};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "../frontend/locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would end up inside attributes and titles;
        // our arguments are names and numbers whose direction the page's `dir` already handles.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The cookie that remembers a visitor's language choice.
pub const LANG_COOKIE: &str = "lang";

/// The languages the catalog covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
    Ar,
}

static EN: LanguageIdentifier = langid!("en");
static FR: LanguageIdentifier = langid!("fr");
static AR: LanguageIdentifier = langid!("ar");

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Fr, Lang::Ar];

    /// The BCP 47 code, for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Ar => "ar",
        }
    }

    /// The language's own name, as the switch shows it whatever the page language.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Ar => "العربية",
        }
    }

    /// Writing direction for `<html dir>`.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::En | Lang::Fr => "ltr",
        }
    }

    /// Parses a code such as `fr` or `fr-CA` (only the primary subtag counts).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            "ar" => Some(Lang::Ar),
            _ => None,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
            Lang::Ar => &AR,
        }
    }

    /// The best supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag) {
                if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                    best = Some((lang, q));
                }
            }
        }
        best.map(|(lang, _)| lang)
    }

    /// The visitor's language: the `lang` cookie, then `Accept-Language`, then English.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let jar = CookieJar::from_headers(headers);
        jar.get(LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or(Lang::En)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

/// Looks messages up in one language. Missing keys fall back to English, then to the key
/// itself, so a forgotten translation shows up as English rather than breaking the page.
#[derive(Debug, Clone, Copy)]
pub struct Translator {
    pub lang: Lang,
}

type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

impl Translator {
    pub fn new(lang: Lang) -> Self {
        Translator { lang }
    }

    /// A message without arguments.
    pub fn get(&self, key: &str) -> String {
        LOCALES
            .try_lookup(self.lang.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// A message with one argument.
    pub fn arg(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.with(key, &[(name, value.to_string())])
    }

    /// A message with two arguments.
    pub fn arg2(
        &self,
        key: &str,
        n1: &str,
        v1: impl std::fmt::Display,
        n2: &str,
        v2: impl std::fmt::Display,
    ) -> String {
        self.with(key, &[(n1, v1.to_string()), (n2, v2.to_string())])
    }

    /// A message with any number of string arguments.
    pub fn with(&self, key: &str, args: &[(&str, String)]) -> String {
        let args: Args = args
            .iter()
            .map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(self.lang.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    /// The name of a value of one of the programme's closed vocabularies: `role-speaker`.
    pub fn term(&self, prefix: &str, value: impl std::fmt::Display) -> String {
        self.get(&format!("{prefix}-{value}"))
    }

    /// A day heading in this language: "Monday 23 June 2025", "lundi 23 juin 2025", ...
    pub fn day(&self, date: &NaiveDate) -> String {
        let weekday = self.get(&format!("weekday-{}", date.weekday().number_from_monday()));
        let month = self.get(&format!("month-{}", date.month()));
        self.with(
            "day-heading",
            &[
                ("weekday", weekday),
                ("day", date.day().to_string()),
                ("month", month),
                ("year", date.year().to_string()),
            ],
        )
    }

    /// A short day label for tabs: "Mon 23 Jun" in the page language.
    pub fn short_day(&self, date: &NaiveDate) -> String {
        let weekday = self.get(&format!(
            "weekday-short-{}",
            date.weekday().number_from_monday()
        ));
        let month = self.get(&format!("month-short-{}", date.month()));
        self.with(
            "day-short",
            &[
                ("weekday", weekday),
                ("day", date.day().to_string()),
                ("month", month),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids defined in every `.ftl` file of one language folder, with duplicates.
    fn message_ids(lang: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../frontend/locales")
            .join(lang);
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("the locale folder exists") {
            let path = entry.expect("a readable folder").path();
            if path.extension().is_some_and(|e| e == "ftl") {
                let text = std::fs::read_to_string(&path).expect("a readable catalog");
                ids.extend(text.lines().filter_map(|line| {
                    let (id, _) = line.split_once(" =")?;
                    let id = id.trim_end();
                    (id.chars().next()?.is_ascii_lowercase()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .then(|| id.to_string())
                }));
            }
        }
        ids
    }

    #[test]
    fn every_language_has_every_message_once() {
        let english: std::collections::BTreeSet<String> = message_ids("en").into_iter().collect();
        for lang in ["en", "fr", "ar"] {
            let ids = message_ids(lang);
            let unique: std::collections::BTreeSet<String> = ids.iter().cloned().collect();
            assert_eq!(
                unique.len(),
                ids.len(),
                "{lang}: a message is defined twice"
            );
            let missing: Vec<_> = english.difference(&unique).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            let extra: Vec<_> = unique.difference(&english).collect();
            assert!(
                extra.is_empty(),
                "{lang} has messages English lacks: {extra:?}"
            );
        }
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            Lang::from_accept_language("de-DE,fr;q=0.8,en;q=0.5"),
            Some(Lang::Fr)
        );
        assert_eq!(Lang::from_accept_language("ar-EG"), Some(Lang::Ar));
        assert_eq!(Lang::from_accept_language("de, it"), None);
        assert_eq!(
            Lang::from_accept_language("fr;q=0, en;q=0.1"),
            Some(Lang::En)
        );
    }

    #[test]
    fn every_language_has_the_shell_and_day_names() {
        for lang in Lang::ALL {
            let t = Translator::new(lang);
            for key in [
                "site-name",
                "nav-programme",
                "skip-link",
                "lang-switch",
                "login-heading",
                "weekday-1",
                "month-12",
            ] {
                assert!(
                    LOCALES.try_lookup(lang.id(), key).is_some(),
                    "{key} missing in {}",
                    lang.code()
                );
            }
            assert_ne!(
                t.day(&NaiveDate::from_ymd_opt(2025, 6, 23).unwrap()),
                "day-heading"
            );
        }
        assert_eq!(
            Translator::new(Lang::Fr).day(&NaiveDate::from_ymd_opt(2025, 6, 23).unwrap()),
            "lundi 23 juin 2025"
        );
    }
}
