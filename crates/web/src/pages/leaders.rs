//! The leaders' dashboard (`/pimpinan`) and its printable version (`/pimpinan/cetak`): the
//! same charts, each a figure with its numbers in a table; the printable page has no
//! navigation and is laid out for A4.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kolabik_app::leaders::LeadersDashboard;
use kolabik_domain::Lang;
use kolabik_domain::leaders::{Area, Histogram, Participation};

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::view::{Bar, Chrome, bars};

/// One cell of a table chart: its text, and a meter (percent of the column's largest).
pub struct Cell {
    pub text: String,
    pub meter: Option<i64>,
}

pub struct GridRow {
    pub label: String,
    pub cells: Vec<Cell>,
}

/// A chart with several numbers per row (`macros.html` `grid`).
pub struct Grid {
    /// Header of the label column.
    pub head: String,
    pub columns: Vec<String>,
    pub rows: Vec<GridRow>,
}

/// One score histogram with its summary numbers, formatted.
pub struct ScoreChart {
    pub caption: String,
    pub bars: Vec<Bar>,
    pub count: i64,
    pub mean: String,
    pub median: String,
}

/// Everything the two templates show, ready in the user's language.
pub struct Charts {
    pub submitted: i64,
    pub participating: i64,
    pub state_bars: Vec<Bar>,
    pub kind_grid: Grid,
    pub kecamatan_grid: Grid,
    pub category_bars: Vec<Bar>,
    pub value_bars: Vec<Bar>,
    pub sdg_bars: Vec<Bar>,
    pub pipeline_bars: Vec<Bar>,
    pub scores: Vec<ScoreChart>,
    pub yoy_grid: Grid,
}

/// A number with one decimal in the user's language (decimal comma in Indonesian).
fn decimal(c: &Chrome, x: Option<f64>) -> String {
    match x {
        None => "–".to_owned(),
        Some(x) => {
            let s = format!("{x:.1}");
            if c.tr.lang == Lang::Id {
                s.replace('.', ",")
            } else {
                s
            }
        }
    }
}

fn meter(value: i64, max: i64) -> Option<i64> {
    Some(value * 100 / max.max(1))
}

fn participation_grid<'a>(
    c: &Chrome,
    head: &str,
    rows: impl Iterator<Item = (String, &'a Participation)>,
) -> Grid {
    Grid {
        head: head.to_owned(),
        columns: [
            "leaders.dash.col_units",
            "leaders.dash.col_participating",
            "leaders.dash.col_rate",
            "leaders.dash.col_proposals",
        ]
        .iter()
        .map(|k| c.t(k).to_owned())
        .collect(),
        rows: rows
            .map(|(label, p)| GridRow {
                label,
                cells: vec![
                    Cell {
                        text: c.num(&p.units),
                        meter: None,
                    },
                    Cell {
                        text: c.num(&p.participating),
                        meter: None,
                    },
                    Cell {
                        text: c.num(&p.rate_percent()),
                        meter: Some(p.rate_percent()),
                    },
                    Cell {
                        text: c.num(&p.proposals),
                        meter: None,
                    },
                ],
            })
            .collect(),
    }
}

fn charts(c: &Chrome, d: &LeadersDashboard) -> Charts {
    let kind_grid = participation_grid(
        c,
        c.t("leaders.dash.col_kind"),
        d.by_unit_kind
            .iter()
            .map(|(k, p)| (c.t(k.label_key()).to_owned(), p)),
    );
    let kecamatan_grid = participation_grid(
        c,
        c.t("leaders.dash.col_area"),
        d.by_kecamatan.iter().map(|a| {
            let label = match (&a.area, &a.name) {
                (Area::Kecamatan(_), Some(name)) => name.clone(),
                _ => c.t("leaders.dash.city_level").to_owned(),
            };
            (label, &a.participation)
        }),
    );
    let scores = d
        .scores
        .iter()
        .map(|s| {
            let stage = match s.stage {
                Some(k) => c.t(k.label_key()),
                None => c.t("leaders.dash.scores_final"),
            };
            ScoreChart {
                caption: c.fmt("leaders.dash.scores_caption", "stage", stage),
                bars: bars(
                    s.histogram
                        .bins
                        .iter()
                        .enumerate()
                        .map(|(i, n)| (Histogram::bin_label(i), *n)),
                ),
                count: s.histogram.count,
                mean: decimal(c, s.histogram.mean),
                median: decimal(c, s.histogram.median),
            }
        })
        .collect();
    let col_max = |f: fn(&kolabik_app::leaders::EditionTotals) -> i64| {
        d.editions.iter().map(f).max().unwrap_or(0)
    };
    let maxes = [
        col_max(|e| e.units_participating),
        col_max(|e| e.proposals_submitted),
        col_max(|e| e.finalists),
        col_max(|e| e.winners),
    ];
    let yoy_grid = Grid {
        head: c.t("leaders.dash.col_edition").to_owned(),
        columns: [
            "leaders.dash.col_participating",
            "leaders.dash.col_proposals",
            "leaders.dash.col_finalists",
            "leaders.dash.col_winners",
        ]
        .iter()
        .map(|k| c.t(k).to_owned())
        .collect(),
        rows: d
            .editions
            .iter()
            .map(|e| GridRow {
                label: if e.is_current {
                    format!("{} ({})", e.year, c.t("leaders.dash.current"))
                } else {
                    e.year.to_string()
                },
                cells: [
                    e.units_participating,
                    e.proposals_submitted,
                    e.finalists,
                    e.winners,
                ]
                .iter()
                .zip(maxes)
                .map(|(n, max)| Cell {
                    text: c.num(n),
                    meter: meter(*n, max),
                })
                .collect(),
            })
            .collect(),
    };
    Charts {
        submitted: d.proposals_submitted,
        participating: d.by_unit_kind.iter().map(|(_, p)| p.participating).sum(),
        state_bars: bars(
            d.by_state
                .iter()
                .map(|(s, n)| (c.t(s.label_key()).to_owned(), *n)),
        ),
        kind_grid,
        kecamatan_grid,
        category_bars: bars(d.by_category.iter().cloned()),
        value_bars: bars(
            d.by_value
                .iter()
                .map(|(v, n)| (c.t(v.label_key()).to_owned(), *n)),
        ),
        sdg_bars: bars(d.by_sdg.iter().map(|(s, n)| {
            let key = format!("leaders.sdg.{}", s.number());
            (c.t(&key).to_owned(), *n)
        })),
        pipeline_bars: bars(
            d.pipeline
                .iter()
                .map(|(step, n)| (c.t(step.label_key()).to_owned(), *n)),
        ),
        scores,
        yoy_grid,
    }
}

#[derive(Template)]
#[template(path = "leaders.html")]
struct LeadersPage {
    c: Chrome,
    d: LeadersDashboard,
    x: Charts,
    as_of: String,
}

#[derive(Template)]
#[template(path = "leaders_print.html")]
struct PrintPage {
    c: Chrome,
    d: LeadersDashboard,
    x: Charts,
    as_of: String,
}

async fn load(
    state: &AppState,
    ctx: &Ctx,
    title_key: &str,
) -> Result<(Chrome, LeadersDashboard, Charts, String), WebError> {
    let d = state.app.leaders_dashboard().await?;
    let c = Chrome::new(ctx, ctx.tr().get(title_key));
    let x = charts(&c, &d);
    let as_of = c.fmt(
        "leaders.dash.generated",
        "at",
        &c.when(&d.edition.time_zone, &state.app.now()),
    );
    Ok((c, d, x, as_of))
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (c, d, x, as_of) = load(&state, &ctx, "viewer.title").await?;
    Ok(render(&LeadersPage { c, d, x, as_of }))
}

pub async fn print(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (c, d, x, as_of) = load(&state, &ctx, "leaders.dash.print_title").await?;
    Ok(render(&PrintPage { c, d, x, as_of }))
}
