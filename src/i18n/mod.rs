//! Translations (Fluent files under `locales/`) and the language a person reads.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./src/i18n/locales",
        fallback_language: "zh-CN",
        // Unicode isolation marks around arguments would end up inside HTML attributes.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH_CN: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

/// The two languages of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, for `<html lang>` and the language cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best language from an `Accept-Language` header (by q-value), if any fits.
    pub fn negotiate(accept_language: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            if let Some(lang) = Lang::from_code(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }

    /// The text for `key`.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The text for `key` with named arguments (`{ $name }` in the Fluent file).
    pub fn t_args(self, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'static>> =
            args.iter().map(|(name, value)| (Cow::Borrowed(*name), value.clone())).collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }
}

pub use fluent_templates::fluent_bundle::FluentValue as Arg;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(file: &str) -> BTreeSet<String> {
        file.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t', '.']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(str::to_owned)
            .collect()
    }

    /// Every key of a locale, from all its Fluent files (one file per area).
    fn locale_keys(locale: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/i18n/locales").join(locale);
        let mut all = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("locale folder").flatten() {
            let text = std::fs::read_to_string(entry.path()).expect("ftl file");
            let found = keys(&text);
            let overlap: Vec<_> = all.intersection(&found).cloned().collect();
            assert!(overlap.is_empty(), "{locale}: keys defined twice: {overlap:?}");
            all.extend(found);
        }
        all
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh = locale_keys("zh-CN");
        let en = locale_keys("en");
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty() && only_en.is_empty(), "only in zh-CN: {only_zh:?}; only in en: {only_en:?}");
        assert!(zh.len() > 50);
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let en = locale_keys("en");
        let mut missing = Vec::new();
        for dir in ["templates", "src"] {
            for path in walk(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)) {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for key in quoted_keys(&text) {
                    if !en.contains(&key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys without a translation: {missing:#?}");
    }

    /// Literal keys passed to `.t(…)` and `.t_args(…)`.
    fn quoted_keys(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for marker in [".t(\"", ".t_args(\""] {
            for (i, _) in text.match_indices(marker) {
                let rest = &text[i + marker.len()..];
                if let Some(end) = rest.find('"') {
                    out.push(rest[..end].to_owned());
                }
            }
        }
        out
    }

    fn walk(dir: std::path::PathBuf) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(path));
            } else if path.extension().is_some_and(|e| e == "html" || e == "rs") && !path.ends_with("i18n/mod.rs") {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn negotiation() {
        assert_eq!(Lang::negotiate("en-US,en;q=0.9,zh-CN;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::negotiate("zh-TW, en;q=0.5"), Some(Lang::ZhCn));
        assert_eq!(Lang::negotiate("fr-FR, de;q=0.9"), None);
        assert_eq!(Lang::negotiate("fr, en;q=0.1, zh;q=0.7"), Some(Lang::ZhCn));
        assert_eq!(Lang::negotiate("garbage;;;q=x"), None);
    }

    #[test]
    fn lookups_with_arguments() {
        assert_eq!(Lang::En.t_args("error-too-long", &[("max", Arg::from(10))]), "At most 10 characters.");
        assert_eq!(Lang::ZhCn.t("nav-queue"), "工单队列");
    }
}
