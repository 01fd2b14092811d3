//! French first, English through Fluent. The language comes from `?lang=`, then the `lang`
//! cookie, else French.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::Arc;
use unic_langid::langid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

pub struct I18n {
    fr: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: unic_langid::LanguageIdentifier, sources: &[&str]) -> FluentBundle<FluentResource> {
    let mut b = FluentBundle::new_concurrent(vec![lang]);
    // No Unicode isolation marks: the strings end up in HTML where they would show as noise.
    b.set_use_isolating(false);
    for source in sources {
        let resource = FluentResource::try_new(source.to_string())
            .unwrap_or_else(|(_, errors)| panic!("invalid Fluent file: {errors:?}"));
        b.add_resource(resource)
            .expect("no duplicate Fluent message");
    }
    b
}

/// The French messages, one file per part of the site (`locales/fr/*.ftl`).
pub const FR_SOURCES: &[&str] = &[
    include_str!("../../../locales/fr/main.ftl"),
    include_str!("../../../locales/fr/recherche.ftl"),
    include_str!("../../../locales/fr/bibliotheque.ftl"),
    include_str!("../../../locales/fr/tableaux.ftl"),
];
/// The English messages: the same files as French, in the same order.
pub const EN_SOURCES: &[&str] = &[
    include_str!("../../../locales/en/main.ftl"),
    include_str!("../../../locales/en/recherche.ftl"),
    include_str!("../../../locales/en/bibliotheque.ftl"),
    include_str!("../../../locales/en/tableaux.ftl"),
];

impl I18n {
    pub fn new() -> Self {
        Self {
            fr: bundle(langid!("fr"), FR_SOURCES),
            en: bundle(langid!("en"), EN_SOURCES),
        }
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }

    pub fn message(&self, lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, lang = lang.code(), "missing translation");
            return key.to_string();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, ?errors, "translation error");
        }
        text.into_owned()
    }
}

impl Default for I18n {
    fn default() -> Self {
        Self::new()
    }
}

/// A translator bound to one language, handed to templates.
#[derive(Clone)]
pub struct Tr {
    i18n: Arc<I18n>,
    pub lang: Lang,
}

impl Tr {
    pub fn new(i18n: Arc<I18n>, lang: Lang) -> Self {
        Self { i18n, lang }
    }

    pub fn t(&self, key: &str) -> String {
        self.i18n.message(self.lang, key, None)
    }

    /// A message with named arguments; numbers are formatted for the language by the caller.
    pub fn ta(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(*v));
        }
        self.i18n.message(self.lang, key, Some(&fa))
    }

    /// A message whose plural form depends on `count`.
    pub fn tn(&self, key: &str, count: usize, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        fa.set("total", FluentValue::from(count));
        for (k, v) in args {
            fa.set(*k, FluentValue::from(*v));
        }
        let text = self.i18n.message(self.lang, key, Some(&fa));
        // Fluent formats the number itself; show it the French way.
        text.replacen(&count.to_string(), &self.nombre(count as u64), 1)
    }

    /// A whole number with thousands separated (`12 345` in French, `12,345` in English).
    pub fn nombre(&self, n: u64) -> String {
        let sep = match self.lang {
            Lang::Fr => '\u{202f}',
            Lang::En => ',',
        };
        group_thousands(n, sep)
    }
}

pub fn group_thousands(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<String> {
        let mut k: Vec<String> = source
            .lines()
            .filter(|l| {
                !l.starts_with(' ') && !l.starts_with('#') && l.contains(" = ") || l.ends_with(" =")
            })
            .filter_map(|l| l.split(" =").next().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty() && !s.starts_with('[') && !s.starts_with('*'))
            .collect();
        k.sort();
        k
    }

    #[test]
    fn french_and_english_have_the_same_messages() {
        assert_eq!(FR_SOURCES.len(), EN_SOURCES.len());
        for (fr, en) in FR_SOURCES.iter().zip(EN_SOURCES) {
            assert_eq!(keys(fr), keys(en));
        }
        assert!(keys(FR_SOURCES[0]).len() > 50);
    }

    #[test]
    fn formats_numbers_and_plurals() {
        let i18n = Arc::new(I18n::new());
        let fr = Tr::new(i18n.clone(), Lang::Fr);
        assert_eq!(fr.nombre(2_103_778), "2\u{202f}103\u{202f}778");
        assert_eq!(fr.nombre(12), "12");
        assert_eq!(
            fr.tn("recherche-resultats", 0, &[("q", "x")]),
            "Aucun territoire trouvé pour « x »."
        );
        assert_eq!(
            fr.tn("recherche-resultats", 1, &[("q", "x")]),
            "1 territoire trouvé pour « x »."
        );
        assert_eq!(
            fr.tn("recherche-resultats", 1234, &[("q", "x")]),
            "1\u{202f}234 territoires trouvés pour « x »."
        );
        let en = Tr::new(i18n, Lang::En);
        assert_eq!(en.nombre(1234), "1,234");
        assert_eq!(en.t("nav-accueil"), "Home");
    }
}
