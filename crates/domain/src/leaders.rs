//! The arithmetic of the leaders' dashboard: which kecamatan a unit belongs to, participation
//! per unit kind and per kecamatan, tallies of BerAKHLAK values and SDGs, and score
//! histograms. Storage hands over plain rows (one query each); everything here is a pure
//! function of them.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::{BerakhlakValue, Id, Sdg, UnitKind};

/// One unit as the tree walk needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitNode {
    pub id: Id,
    pub kind: UnitKind,
    pub parent_id: Option<Id>,
}

/// Where a unit is counted on the map: under one kecamatan, or at city level (perangkat
/// daerah, their UPT and schools, anything not below a kecamatan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "area", content = "kecamatan_id")]
pub enum Area {
    Kecamatan(Id),
    City,
}

/// The kecamatan of every unit: a kecamatan is its own; any other unit walks up `parent_id`
/// to the first kecamatan it meets (a kelurahan's parent). A unit with no kecamatan above it
/// is at city level. A broken tree (a cycle or a missing parent) ends the walk at city level
/// rather than looping.
pub fn kecamatan_of(units: &[UnitNode]) -> HashMap<Id, Area> {
    let by_id: HashMap<Id, &UnitNode> = units.iter().map(|u| (u.id, u)).collect();
    units
        .iter()
        .map(|u| {
            let mut seen = HashSet::new();
            let mut at = Some(u);
            let mut area = Area::City;
            while let Some(node) = at {
                if !seen.insert(node.id) {
                    break;
                }
                if node.kind == UnitKind::Kecamatan {
                    area = Area::Kecamatan(node.id);
                    break;
                }
                at = node.parent_id.and_then(|p| by_id.get(&p).copied());
            }
            (u.id, area)
        })
        .collect()
}

/// Units taking part in a group: how many there are, how many submitted at least one
/// proposal, and how many proposals they submitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Participation {
    pub units: i64,
    pub participating: i64,
    pub proposals: i64,
}

impl Participation {
    /// Share of the group's units that took part, in whole percent (rounded down, so 100
    /// means every unit); 0 for an empty group.
    pub fn rate_percent(&self) -> i64 {
        if self.units == 0 {
            0
        } else {
            self.participating * 100 / self.units
        }
    }

    fn add(&mut self, submitted: i64) {
        self.units += 1;
        if submitted > 0 {
            self.participating += 1;
            self.proposals += submitted;
        }
    }
}

/// Participation per unit kind (every kind, in the canonical order) from the units and the
/// number of submitted proposals of each unit.
pub fn participation_by_kind(
    units: &[UnitNode],
    submitted: &HashMap<Id, i64>,
) -> Vec<(UnitKind, Participation)> {
    let mut out: Vec<(UnitKind, Participation)> = UnitKind::ALL
        .iter()
        .map(|&k| (k, Participation::default()))
        .collect();
    for u in units {
        if let Some((_, p)) = out.iter_mut().find(|(k, _)| *k == u.kind) {
            p.add(submitted.get(&u.id).copied().unwrap_or(0));
        }
    }
    out
}

/// Participation per kecamatan (every kecamatan, by id) and then city level.
pub fn participation_by_area(
    units: &[UnitNode],
    submitted: &HashMap<Id, i64>,
) -> Vec<(Area, Participation)> {
    let areas = kecamatan_of(units);
    let mut out: BTreeMap<Area, Participation> = units
        .iter()
        .filter(|u| u.kind == UnitKind::Kecamatan)
        .map(|u| (Area::Kecamatan(u.id), Participation::default()))
        .collect();
    out.insert(Area::City, Participation::default());
    for u in units {
        let area = areas.get(&u.id).copied().unwrap_or(Area::City);
        out.entry(area)
            .or_default()
            .add(submitted.get(&u.id).copied().unwrap_or(0));
    }
    out.into_iter().collect()
}

/// Proposals per BerAKHLAK value, all seven in order: a proposal counts once for each value
/// it names (so the sum can exceed the number of proposals).
pub fn tally_values<'a>(
    proposals: impl IntoIterator<Item = &'a [BerakhlakValue]>,
) -> Vec<(BerakhlakValue, i64)> {
    let mut out: Vec<(BerakhlakValue, i64)> = BerakhlakValue::ALL.iter().map(|&v| (v, 0)).collect();
    for values in proposals {
        let distinct: HashSet<&BerakhlakValue> = values.iter().collect();
        for v in distinct {
            if let Some(slot) = out.iter_mut().find(|(k, _)| k == v) {
                slot.1 += 1;
            }
        }
    }
    out
}

/// Proposals per SDG, all seventeen in order, once per goal a proposal names.
pub fn tally_sdgs<'a>(proposals: impl IntoIterator<Item = &'a [Sdg]>) -> Vec<(Sdg, i64)> {
    let mut counts = [0i64; 17];
    for sdgs in proposals {
        let distinct: HashSet<&Sdg> = sdgs.iter().collect();
        for s in distinct {
            counts[usize::from(s.number()) - 1] += 1;
        }
    }
    (1..=17u8)
        .filter_map(Sdg::new)
        .zip(counts)
        .collect::<Vec<_>>()
}

/// Number of histogram bins: ten points wide over 0–100.
pub const BINS: usize = 10;

/// A distribution of scores on the 0–100 scale: ten bins (0–<10, …, 80–<90, 90–100; a
/// score of exactly 100 falls in the last), and its size, mean and median.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    pub bins: [i64; BINS],
    pub count: i64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

impl Histogram {
    /// Scores outside 0–100 are clamped into the end bins (a rubric never produces them,
    /// but a histogram must not lose a row); NaN is not a score and is left out.
    pub fn of(scores: &[f64]) -> Histogram {
        let mut sorted: Vec<f64> = scores.iter().copied().filter(|s| !s.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        let mut bins = [0i64; BINS];
        for s in &sorted {
            let bin = (s.clamp(0.0, 100.0) / 10.0).floor() as usize;
            bins[bin.min(BINS - 1)] += 1;
        }
        let n = sorted.len();
        let mean = (n > 0).then(|| sorted.iter().sum::<f64>() / n as f64);
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => Some(sorted[n / 2]),
            _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
        };
        Histogram {
            bins,
            count: n as i64,
            mean,
            median,
        }
    }

    /// The label of bin `i`: "0–<10", …, "80–<90", "90–100".
    pub fn bin_label(i: usize) -> String {
        let lo = i * 10;
        if i + 1 == BINS {
            format!("{lo}–100")
        } else {
            format!("{lo}–<{}", lo + 10)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: Id, kind: UnitKind, parent_id: Option<Id>) -> UnitNode {
        UnitNode {
            id,
            kind,
            parent_id,
        }
    }

    #[test]
    fn kelurahan_belong_to_their_kecamatan_and_the_rest_to_the_city() {
        let units = [
            node(1, UnitKind::PerangkatDaerah, None),
            node(2, UnitKind::Kecamatan, None),
            node(3, UnitKind::Kelurahan, Some(2)),
            node(4, UnitKind::UnitLayananLainnya, Some(3)),
            node(5, UnitKind::SatuanPendidikan, Some(1)),
            node(6, UnitKind::Kelurahan, None),
            node(7, UnitKind::Kelurahan, Some(99)),
        ];
        let areas = kecamatan_of(&units);
        assert_eq!(areas[&1], Area::City);
        assert_eq!(areas[&2], Area::Kecamatan(2));
        assert_eq!(areas[&3], Area::Kecamatan(2));
        assert_eq!(areas[&4], Area::Kecamatan(2), "two levels up");
        assert_eq!(areas[&5], Area::City);
        assert_eq!(areas[&6], Area::City, "a kelurahan without parent");
        assert_eq!(areas[&7], Area::City, "a missing parent");
    }

    #[test]
    fn a_cycle_in_the_tree_ends_at_city_level() {
        let units = [
            node(1, UnitKind::Kelurahan, Some(2)),
            node(2, UnitKind::Kelurahan, Some(1)),
        ];
        let areas = kecamatan_of(&units);
        assert_eq!(areas[&1], Area::City);
        assert_eq!(areas[&2], Area::City);
    }

    #[test]
    fn participation_counts_units_with_a_proposal_and_their_proposals() {
        let units = [
            node(1, UnitKind::Kecamatan, None),
            node(2, UnitKind::Kelurahan, Some(1)),
            node(3, UnitKind::Kelurahan, Some(1)),
            node(4, UnitKind::PerangkatDaerah, None),
            node(5, UnitKind::Kecamatan, None),
        ];
        let submitted = HashMap::from([(2, 3), (4, 1), (3, 0)]);
        let by_kind = participation_by_kind(&units, &submitted);
        let kel = by_kind
            .iter()
            .find(|(k, _)| *k == UnitKind::Kelurahan)
            .map(|(_, p)| *p);
        assert_eq!(
            kel,
            Some(Participation {
                units: 2,
                participating: 1,
                proposals: 3
            })
        );
        assert_eq!(kel.map(|p| p.rate_percent()), Some(50));
        assert_eq!(
            by_kind.len(),
            UnitKind::ALL.len(),
            "every kind, zeros included"
        );

        let by_area = participation_by_area(&units, &submitted);
        assert_eq!(
            by_area,
            vec![
                (
                    Area::Kecamatan(1),
                    Participation {
                        units: 3,
                        participating: 1,
                        proposals: 3
                    }
                ),
                (
                    Area::Kecamatan(5),
                    Participation {
                        units: 1,
                        participating: 0,
                        proposals: 0
                    }
                ),
                (
                    Area::City,
                    Participation {
                        units: 1,
                        participating: 1,
                        proposals: 1
                    }
                ),
            ]
        );
        assert_eq!(Participation::default().rate_percent(), 0);
    }

    #[test]
    fn values_and_goals_count_once_per_proposal_that_names_them() {
        use BerakhlakValue::*;
        let a = [Akuntabel, Adaptif];
        let b = [Akuntabel, Akuntabel];
        let values = tally_values([&a[..], &b[..]]);
        assert_eq!(values.len(), 7);
        assert_eq!(
            values.iter().find(|(v, _)| *v == Akuntabel).map(|x| x.1),
            Some(2)
        );
        assert_eq!(
            values.iter().find(|(v, _)| *v == Adaptif).map(|x| x.1),
            Some(1)
        );
        assert_eq!(
            values.iter().find(|(v, _)| *v == Loyal).map(|x| x.1),
            Some(0)
        );

        let s = |n| Sdg::new(n).expect("sdg");
        let x = [s(1), s(17)];
        let y = [s(17)];
        let sdgs = tally_sdgs([&x[..], &y[..]]);
        assert_eq!(sdgs.len(), 17);
        assert_eq!(sdgs[0], (s(1), 1));
        assert_eq!(sdgs[16], (s(17), 2));
        assert_eq!(sdgs[5], (s(6), 0));
    }

    #[test]
    fn histogram_bins_are_ten_points_wide_and_100_is_in_the_last() {
        let h = Histogram::of(&[
            0.0,
            9.99,
            10.0,
            55.5,
            89.9,
            90.0,
            100.0,
            120.0,
            -3.0,
            f64::NAN,
        ]);
        assert_eq!(h.bins, [3, 1, 0, 0, 0, 1, 0, 0, 1, 3]);
        assert_eq!(h.count, 9);
        assert_eq!(h.median, Some(55.5));
        let h = Histogram::of(&[70.0, 80.0]);
        assert_eq!(h.mean, Some(75.0));
        assert_eq!(h.median, Some(75.0));
        let empty = Histogram::of(&[]);
        assert_eq!((empty.count, empty.mean, empty.median), (0, None, None));
        assert_eq!(Histogram::bin_label(0), "0–<10");
        assert_eq!(Histogram::bin_label(9), "90–100");
    }
}
