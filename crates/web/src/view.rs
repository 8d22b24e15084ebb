//! What every page's layout needs (`Chrome`), and small helpers the templates call.

use kolabik_domain::{Instant, Lang, Role, TimeZone};

use crate::ctx::Ctx;
use crate::i18n::Tr;

pub struct NavItem {
    pub href: &'static str,
    pub label_key: &'static str,
    pub current: bool,
}

/// The page frame: title, language, navigation, the signed-in user.
pub struct Chrome {
    pub tr: Tr,
    pub title: String,
    pub path: String,
    pub user_name: Option<String>,
    pub nav: Vec<NavItem>,
    pub signed_in: bool,
    pub description: String,
    /// Unread notices, for the badge next to the notices link.
    pub unread_notices: i64,
}

/// The dashboard of each role, in the order they appear in the navigation.
pub fn role_home(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Committee => ("/panitia", "nav.committee"),
        Role::UnitOperator => ("/operator", "nav.operator"),
        Role::UnitHead => ("/kepala-unit", "nav.unit_head"),
        Role::Judge => ("/juri", "nav.judge"),
        Role::Viewer => ("/pimpinan", "nav.viewer"),
    }
}

impl Chrome {
    pub fn new(ctx: &Ctx, title: &str) -> Chrome {
        let tr = ctx.tr();
        let mut nav = vec![
            NavItem {
                href: "/",
                label_key: "nav.home",
                current: ctx.path == "/",
            },
            NavItem {
                href: "/sosialisasi",
                label_key: "nav.sosialisasi",
                current: ctx.path.starts_with("/sosialisasi"),
            },
            NavItem {
                href: "/katalog",
                label_key: "catalog.title",
                current: ctx.path.starts_with("/katalog"),
            },
            NavItem {
                href: "/hasil",
                label_key: "nav.results",
                current: ctx.path.starts_with("/hasil"),
            },
        ];
        for role in ctx.roles() {
            let (href, label_key) = role_home(role);
            let current = ctx.path == href || ctx.path.starts_with(&format!("{href}/"));
            nav.push(NavItem {
                href,
                label_key,
                current,
            });
        }
        Chrome {
            tr,
            title: title.to_owned(),
            path: ctx.path.clone(),
            user_name: ctx.user.as_ref().map(|u| u.name.clone()),
            nav,
            signed_in: ctx.user.is_some(),
            description: tr.get("site.description").to_owned(),
            unread_notices: ctx.unread_notices,
        }
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.tr.get(key)
    }

    pub fn fmt(&self, key: &str, name: &str, value: &str) -> String {
        self.tr.fmt(key, &[(name, value)])
    }

    pub fn lang(&self) -> &'static str {
        self.tr.code()
    }

    /// The language to offer in the switch.
    pub fn other_lang(&self) -> &'static str {
        match self.tr.lang {
            Lang::Id => "en",
            Lang::En => "id",
        }
    }

    pub fn when(&self, tz: &TimeZone, at: &Instant) -> String {
        tz.format(*at, self.tr.lang)
    }

    /// A count with Indonesian or English digit grouping (1.234 / 1,234).
    pub fn num(&self, n: &i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let sep = if self.tr.lang == Lang::Id { '.' } else { ',' };
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(ch);
        }
        if *n < 0 { format!("-{out}") } else { out }
    }
}

/// One bar of a server-rendered SVG bar chart.
pub struct Bar {
    pub label: String,
    pub value: i64,
    /// Width in percent of the largest bar.
    pub width: i64,
}

pub fn bars(items: impl IntoIterator<Item = (String, i64)>) -> Vec<Bar> {
    let items: Vec<(String, i64)> = items.into_iter().collect();
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    items
        .into_iter()
        .map(|(label, value)| Bar {
            label,
            value,
            width: value * 100 / max,
        })
        .collect()
}

/// The sentence for a stage gate: "open, deadline …" or why it is not open, with its instant
/// in the edition's zone and the user's language.
pub fn deadline_text(
    tr: Tr,
    tz: TimeZone,
    gate: Result<Instant, kolabik_domain::edition::DeadlineRefusal>,
) -> String {
    match gate {
        Ok(until) => tr.fmt(
            "operator.deadline_open",
            &[("at", &tz.format(until, tr.lang))],
        ),
        Err(r) => {
            let at = r.at().map(|a| tz.format(a, tr.lang)).unwrap_or_default();
            tr.fmt(r.key(), &[("at", &at)])
        }
    }
}
