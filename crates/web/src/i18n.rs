//! The translation catalogue: `i18n/id.toml` (the reference) and `i18n/en.toml`, compiled
//! into the binary. Keys are dotted paths into the TOML tables. Rust code holds keys only;
//! every sentence a user reads comes from here.

use std::collections::HashMap;
use std::sync::OnceLock;

use kolabik_domain::Lang;

const ID: &str = include_str!("../i18n/id.toml");
const EN: &str = include_str!("../i18n/en.toml");

pub struct Catalogue {
    id: HashMap<String, String>,
    en: HashMap<String, String>,
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn parse(src: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    // The catalogues are compiled in and checked by tests; an unparsable one is a build
    // defect, shown as raw keys rather than a crash.
    if let Ok(table) = src.parse::<toml::Table>() {
        flatten("", &table, &mut out);
    }
    out
}

pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue {
        id: parse(ID),
        en: parse(EN),
    })
}

impl Catalogue {
    pub fn keys(&self, lang: Lang) -> Vec<&str> {
        let map = match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        };
        map.keys().map(String::as_str).collect()
    }
}

/// Translator for one request's language.
#[derive(Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The text for `key`, falling back to Indonesian, then to the key itself.
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        let c = catalogue();
        let primary = match self.lang {
            Lang::Id => &c.id,
            Lang::En => &c.en,
        };
        primary
            .get(key)
            .or_else(|| c.id.get(key))
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// `get` with `{name}` placeholders replaced.
    pub fn fmt(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.get(key).to_owned();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    pub fn code(&self) -> &'static str {
        self.lang.as_str()
    }
}

/// Picks a language from the `lang` cookie, else from `Accept-Language`, else Indonesian.
pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = cookie.and_then(Lang::parse) {
        return lang;
    }
    let Some(header) = accept_language else {
        return Lang::Id;
    };
    for part in header.split(',') {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("id") || tag.starts_with("in") {
            return Lang::Id;
        }
        if tag.starts_with("en") {
            return Lang::En;
        }
    }
    Lang::Id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_parse_and_hold_the_same_keys() {
        assert!(ID.parse::<toml::Table>().is_ok(), "id.toml does not parse");
        assert!(EN.parse::<toml::Table>().is_ok(), "en.toml does not parse");
        let c = catalogue();
        let mut id = c.keys(Lang::Id);
        let mut en = c.keys(Lang::En);
        id.sort();
        en.sort();
        let missing_en: Vec<_> = id.iter().filter(|k| !en.contains(k)).collect();
        let missing_id: Vec<_> = en.iter().filter(|k| !id.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(missing_id.is_empty(), "missing in id.toml: {missing_id:?}");
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let c = catalogue();
        let id = c.keys(Lang::Id);
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut used = Vec::new();
        let src_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        for d in [
            dir,
            src_dir,
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/pages"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates/presentation"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates/field"),
        ] {
            for entry in std::fs::read_dir(d).unwrap().flatten() {
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                for (needle, end) in [("t(\"", '"'), ("get(\"", '"'), ("fmt(\"", '"')] {
                    let mut rest = text.as_str();
                    while let Some(i) = rest.find(needle) {
                        rest = &rest[i + needle.len()..];
                        if let Some(j) = rest.find(end) {
                            let key = &rest[..j];
                            if key.contains('.') && !key.contains(' ') && !key.contains('{') {
                                used.push(key.to_owned());
                            }
                        }
                    }
                }
            }
        }
        // Keys built from enum codes.
        for &k in kolabik_domain::ProposalState::ALL {
            used.push(k.label_key().into());
        }
        for &k in kolabik_domain::UnitKind::ALL {
            used.push(k.label_key().into());
        }
        for &k in kolabik_domain::Role::ALL {
            used.push(k.label_key().into());
        }
        for &k in kolabik_domain::StageKind::ALL {
            used.push(k.label_key().into());
        }
        for &k in kolabik_domain::JudgeKind::ALL {
            used.push(k.label_key().into());
        }
        for &k in kolabik_domain::InnovationStage::ALL {
            used.push(k.label_key().into());
        }
        for &k in kolabik_domain::BerakhlakValue::ALL {
            used.push(k.label_key().into());
        }
        for &k in kolabik_domain::MailState::ALL {
            used.push(k.label_key().into());
        }
        for &k in kolabik_app::notify::NOTICE_KEYS {
            used.push(k.into());
        }
        for e in [
            kolabik_domain::IdError::NipLength,
            kolabik_domain::IdError::NipBirthDate,
            kolabik_domain::IdError::NipAppointment,
            kolabik_domain::IdError::NipGender,
            kolabik_domain::IdError::Npsn,
            kolabik_domain::IdError::RegionFormat,
            kolabik_domain::IdError::RegionRange,
            kolabik_domain::IdError::Email,
            kolabik_domain::IdError::Slug,
        ] {
            used.push(e.key().into());
        }
        used.extend(
            kolabik_domain::units::PROBLEM_KEYS
                .iter()
                .map(|k| k.to_string()),
        );
        used.extend(kolabik_app::units::KEYS.iter().map(|k| k.to_string()));
        used.extend(kolabik_app::invitations::KEYS.iter().map(|k| k.to_string()));
        used.extend(kolabik_app::attachments::KEYS.iter().map(|k| k.to_string()));
        used.extend(
            kolabik_app::presentation::KEYS
                .iter()
                .map(|k| k.to_string()),
        );
        used.extend(kolabik_app::field::KEYS.iter().map(|k| k.to_string()));
        for f in kolabik_domain::field::Finding::ALL {
            used.push(f.label_key().into());
        }
        use kolabik_domain::password::PasswordError as P;
        for e in [P::TooShort, P::TooLong, P::ContainsEmail, P::TooSimple] {
            used.push(e.key().into());
        }
        let missing: Vec<_> = used.iter().filter(|k| !id.contains(&k.as_str())).collect();
        assert!(
            missing.is_empty(),
            "keys used but missing from the catalogue: {missing:?}"
        );
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(Some("en"), Some("id")), Lang::En);
        assert_eq!(negotiate(None, Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(negotiate(None, Some("fr, id;q=0.5")), Lang::Id);
        assert_eq!(negotiate(None, None), Lang::Id);
    }
}
