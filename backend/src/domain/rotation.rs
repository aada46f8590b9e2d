//! Fair rotation of call times across members' time zones.
//!
//! Coalitions with members from Manila to New York rotate their call time so that the same
//! region does not always take the 06:00 or 23:00 slot. [`propose_rotation`] picks `slots`
//! UTC start times that minimise, in order: the largest total inconvenience any one zone carries
//! over the rotation (fairness), the member-weighted total (most people comfortable), and then
//! the UTC times themselves (earlier first, so the answer is deterministic).

use chrono::{Duration, NaiveDate, NaiveTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::Serialize;

/// Candidate starts: every 30 minutes of the UTC day.
const CANDIDATES: usize = 48;

/// Most slots a rotation may have; beyond six, monthly calls would take half a year to rotate.
const MAX_SLOTS: usize = 6;

/// Search nodes visited before settling for the best rotation found so far. Pruning keeps real
/// inputs far below this; it only guards the response time on pathological member lists.
const MAX_NODES: u64 = 2_000_000;

/// Why a rotation could not be proposed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationError {
    /// The member list is empty.
    #[error("add at least one member time zone to propose call times")]
    NoMembers,
    /// Slots outside 1..=6.
    #[error("a rotation has between 1 and 6 call times; {slots} was asked for")]
    SlotsOutOfRange {
        /// The number asked for.
        slots: usize,
    },
    /// Duration outside 1..=1440 minutes.
    #[error("a call lasts between 1 and 1440 minutes; {minutes} was given")]
    DurationOutOfRange {
        /// The duration given.
        minutes: u32,
    },
    /// A member entry with weight 0 (it would count for nothing).
    #[error("the member entry for {zone} has weight 0; use at least 1")]
    ZeroWeight {
        /// The zone of that entry.
        zone: String,
    },
}

/// Members in one time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Their IANA zone.
    pub time_zone: Tz,
    /// How many members this entry stands for (1 per person, or the zone's head count).
    pub weight: u32,
}

/// One zone's view of a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LocalTime {
    /// IANA zone name.
    pub zone: String,
    /// Local start.
    pub start: NaiveTime,
    /// Local end.
    pub end: NaiveTime,
    /// Local start date minus the UTC date: -1, 0 or +1.
    pub day_offset: i8,
    /// How inconvenient the call is there (0 = fully within 08:00–18:00).
    pub inconvenience: u32,
}

/// One call time of the rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RotationSlot {
    /// UTC start.
    pub starts_utc: NaiveTime,
    /// Local times, one per zone, in the order zones first appear among the members.
    pub local: Vec<LocalTime>,
}

/// A proposed rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rotation {
    /// Call times in UTC order.
    pub slots: Vec<RotationSlot>,
    /// Each zone's total inconvenience over all slots, in member order.
    pub burden_by_zone: Vec<(String, u32)>,
}

/// Inconvenience of being in a call during local hour `hour` (0–23). Office hours cost nothing,
/// the shoulders rise towards the evening, early morning and late evening cost a lot, and the
/// night costs most: one night call must outweigh several awkward evenings.
fn hour_cost(hour: u32) -> u32 {
    match hour {
        8..=17 => 0,
        18 => 1,
        7 | 19 => 2,
        20 => 3,
        6 | 21 | 22 => 6,
        _ => NIGHT_COST,
    }
}

/// Night hours (23:00–06:00) in the [`hour_cost`] scale.
const NIGHT_COST: u32 = 12;

/// Inconvenience of a call running `duration` minutes from local minute-of-day `start`: the
/// worst hour it touches, because a call ending at 23:30 keeps someone up until 23:30.
fn inconvenience(start_minute: u32, duration: u32) -> u32 {
    let end = start_minute + duration;
    let mut minute = start_minute;
    let mut worst = 0;
    while minute < end {
        worst = worst.max(hour_cost((minute / 60) % 24));
        minute = (minute / 60 + 1) * 60;
    }
    worst
}

/// One candidate start with each zone's local view.
struct Candidate {
    starts_utc: NaiveTime,
    local: Vec<LocalTime>,
}

impl Candidate {
    fn cost(&self, zone: usize) -> u32 {
        self.local[zone].inconvenience
    }
}

/// Proposes `slots` rotating call times for `members`, using the UTC offsets in force on `on`.
pub fn propose_rotation(
    members: &[Member],
    slots: usize,
    on: NaiveDate,
    duration_minutes: u32,
) -> Result<Rotation, RotationError> {
    if members.is_empty() {
        return Err(RotationError::NoMembers);
    }
    if !(1..=MAX_SLOTS).contains(&slots) {
        return Err(RotationError::SlotsOutOfRange { slots });
    }
    if !(1..=1440).contains(&duration_minutes) {
        return Err(RotationError::DurationOutOfRange {
            minutes: duration_minutes,
        });
    }
    // Merge entries per zone: fairness is between zones, the weights only count people.
    let mut zones: Vec<(Tz, u64)> = Vec::new();
    for member in members {
        if member.weight == 0 {
            return Err(RotationError::ZeroWeight {
                zone: member.time_zone.name().into(),
            });
        }
        match zones.iter_mut().find(|(tz, _)| *tz == member.time_zone) {
            Some((_, weight)) => *weight += u64::from(member.weight),
            None => zones.push((member.time_zone, u64::from(member.weight))),
        }
    }
    let candidates: Vec<Candidate> = (0..CANDIDATES)
        .map(|i| candidate(&zones, on, i, duration_minutes))
        .collect();
    let weights: Vec<u64> = zones.iter().map(|(_, w)| *w).collect();
    let chosen = Search::run(&candidates, &weights, slots);

    let burden_by_zone = zones
        .iter()
        .enumerate()
        .map(|(z, (tz, _))| {
            let burden = chosen.iter().map(|&c| candidates[c].cost(z)).sum();
            (tz.name().to_owned(), burden)
        })
        .collect();
    let slots = chosen
        .iter()
        .map(|&c| RotationSlot {
            starts_utc: candidates[c].starts_utc,
            local: candidates[c].local.clone(),
        })
        .collect();
    Ok(Rotation {
        slots,
        burden_by_zone,
    })
}

fn candidate(zones: &[(Tz, u64)], on: NaiveDate, index: usize, duration: u32) -> Candidate {
    let minutes_utc = u32::try_from(index * 30).expect("48 half hours fit in u32");
    let starts_utc = NaiveTime::from_hms_opt(minutes_utc / 60, minutes_utc % 60, 0)
        .expect("index < 48 gives a time within the day");
    let start = on.and_time(starts_utc).and_utc();
    let end = start + Duration::minutes(i64::from(duration));
    let local = zones
        .iter()
        .map(|(tz, _)| {
            let offset = tz.offset_from_utc_datetime(&start.naive_utc()).fix();
            let local_start = start.with_timezone(&offset);
            let local_end = end.with_timezone(&offset);
            let day_offset = (local_start.date_naive() - on).num_days();
            LocalTime {
                zone: tz.name().to_owned(),
                start: local_start.time(),
                end: local_end.time(),
                day_offset: i8::try_from(day_offset).unwrap_or(0),
                inconvenience: inconvenience(
                    local_start.hour() * 60 + local_start.minute(),
                    duration,
                ),
            }
        })
        .collect();
    Candidate { starts_utc, local }
}

/// Lexicographic score of a rotation: (worst zone burden, weighted total, candidate indices).
type Score = (u32, u64, Vec<usize>);

/// Exact branch-and-bound over combinations of candidates, in increasing UTC order.
struct Search<'a> {
    candidates: Vec<&'a Candidate>,
    indices: Vec<usize>,
    weights: &'a [u64],
    slots: usize,
    /// `suffix_min[i][z]`: the least zone `z` can pay for any candidate from `i` on.
    suffix_min: Vec<Vec<u32>>,
    best: Option<Score>,
    nodes: u64,
}

impl<'a> Search<'a> {
    fn run(all: &'a [Candidate], weights: &'a [u64], slots: usize) -> Vec<usize> {
        let indices = useful_candidates(all, weights, slots);
        let candidates: Vec<&Candidate> = indices.iter().map(|&i| &all[i]).collect();
        let zones = weights.len();
        // Built back to front: each row is the previous row lowered by one more candidate.
        let mut suffix_min = vec![vec![u32::MAX; zones]];
        for candidate in candidates.iter().rev() {
            let later = suffix_min.last().expect("starts with the sentinel row");
            let row = later
                .iter()
                .enumerate()
                .map(|(z, least)| (*least).min(candidate.cost(z)))
                .collect();
            suffix_min.push(row);
        }
        suffix_min.reverse();
        let mut search = Search {
            candidates,
            indices,
            weights,
            slots,
            suffix_min,
            best: None,
            nodes: 0,
        };
        search.descend(0, &mut Vec::new(), &mut vec![0; zones]);
        search
            .best
            .map(|(_, _, chosen)| chosen)
            .expect("at least `slots` candidates survive pruning, so one combination exists")
    }

    fn descend(&mut self, next: usize, chosen: &mut Vec<usize>, burden: &mut [u32]) {
        self.nodes += 1;
        if chosen.len() == self.slots {
            let score = self.score(chosen, burden);
            if self.best.as_ref().is_none_or(|best| score < *best) {
                self.best = Some(score);
            }
            return;
        }
        let remaining = self.slots - chosen.len();
        if self.candidates.len() - next < remaining || self.nodes > MAX_NODES {
            return;
        }
        if let Some((best_max, best_total, _)) = &self.best {
            // Burdens only grow, and each zone pays at least its cheapest remaining candidate.
            let bound_max = (0..burden.len())
                .map(|z| {
                    let least = self.suffix_min[next][z].saturating_mul(remaining as u32);
                    burden[z].saturating_add(least)
                })
                .max()
                .unwrap_or(0);
            if bound_max > *best_max {
                return;
            }
            let total: u64 = self.total(burden);
            if bound_max == *best_max && total > *best_total {
                return;
            }
        }
        for i in next..self.candidates.len() {
            for (z, b) in burden.iter_mut().enumerate() {
                *b += self.candidates[i].cost(z);
            }
            chosen.push(i);
            self.descend(i + 1, chosen, burden);
            chosen.pop();
            for (z, b) in burden.iter_mut().enumerate() {
                *b -= self.candidates[i].cost(z);
            }
        }
    }

    fn total(&self, burden: &[u32]) -> u64 {
        burden
            .iter()
            .zip(self.weights)
            .map(|(b, w)| u64::from(*b) * w)
            .sum()
    }

    fn score(&self, chosen: &[usize], burden: &[u32]) -> Score {
        let max = burden.iter().copied().max().unwrap_or(0);
        let picked = chosen.iter().map(|&i| self.indices[i]).collect();
        (max, self.total(burden), picked)
    }
}

/// Drops candidates that can never be in the best rotation: if at least `slots` other
/// candidates are at least as good for every zone (and strictly better somewhere, or equal and
/// earlier), any rotation using it can swap it for one of them and lose nothing. This is exact,
/// and it shrinks 48 candidates to the handful that trade one region's comfort for another's.
fn useful_candidates(all: &[Candidate], weights: &[u64], slots: usize) -> Vec<usize> {
    let zones = weights.len();
    let dominates = |a: &Candidate, b: &Candidate, a_earlier: bool| {
        let no_worse = (0..zones).all(|z| a.cost(z) <= b.cost(z));
        let better = (0..zones).any(|z| a.cost(z) < b.cost(z));
        no_worse && (better || a_earlier)
    };
    (0..all.len())
        .filter(|&i| {
            let dominators = (0..all.len())
                .filter(|&j| j != i && dominates(&all[j], &all[i], j < i))
                .count();
            dominators < slots
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(zones: &[Tz]) -> Vec<Member> {
        zones
            .iter()
            .map(|&time_zone| Member {
                time_zone,
                weight: 1,
            })
            .collect()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    /// Each zone's burden for the candidates at the given half-hour indices.
    fn burden_of(zones: &[Tz], on: NaiveDate, indices: &[usize]) -> Vec<u32> {
        let weighted: Vec<(Tz, u64)> = zones.iter().map(|&tz| (tz, 1)).collect();
        (0..zones.len())
            .map(|z| {
                indices
                    .iter()
                    .map(|&i| candidate(&weighted, on, i, 60).cost(z))
                    .sum()
            })
            .collect()
    }

    fn is_night(local: &LocalTime) -> bool {
        local.inconvenience >= NIGHT_COST
    }

    #[test]
    fn european_members_get_one_call_inside_office_hours() {
        use chrono_tz::Europe::{Berlin, Lisbon, Zurich};
        let rotation = propose_rotation(
            &members(&[Zurich, Lisbon, Berlin]),
            1,
            date(2026, 1, 15),
            60,
        )
        .expect("valid input");
        assert_eq!(rotation.slots.len(), 1);
        let slot = &rotation.slots[0];
        for local in &slot.local {
            assert_eq!(local.inconvenience, 0, "{local:?}");
            assert!(local.start >= NaiveTime::from_hms_opt(8, 0, 0).unwrap());
            assert!(local.end <= NaiveTime::from_hms_opt(18, 0, 0).unwrap());
        }
        // Earliest fitting UTC time: 08:00 in Lisbon (UTC+0 in January) is 08:00 UTC.
        assert_eq!(slot.starts_utc, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        assert!(rotation.burden_by_zone.iter().all(|(_, b)| *b == 0));
    }

    #[test]
    fn a_worldwide_coalition_shares_the_night_calls() {
        use chrono_tz::{
            Africa::Nairobi, America::New_York, Asia::Manila, Australia::Sydney, Europe::Zurich,
        };
        let zones = [Zurich, Nairobi, New_York, Manila, Sydney];
        let rotation =
            propose_rotation(&members(&zones), 3, date(2026, 3, 15), 60).expect("valid input");
        assert_eq!(rotation.slots.len(), 3);
        assert!(
            rotation
                .slots
                .windows(2)
                .all(|w| w[0].starts_utc < w[1].starts_utc)
        );

        for (z, zone) in zones.iter().enumerate() {
            let nights = rotation
                .slots
                .iter()
                .filter(|slot| is_night(&slot.local[z]))
                .count();
            assert!(nights <= 1, "{} is at night in {nights} slots", zone.name());
        }

        // The search minimises the worst zone's burden exactly, so it can do no worse than a
        // rotation checked by hand: 00:00, 10:00 and 11:00 UTC cost Zurich 12+0+0, Nairobi
        // 12+0+0, New York 3+6+2, Manila 0+1+2 and Sydney 0+6+6, i.e. at most one night call
        // (12) for anyone. Hence the worst-off zone carries no more than one night's worth and
        // is at most that far from the luckiest zone.
        let witness = burden_of(&zones, date(2026, 3, 15), &[0, 20, 22]);
        assert_eq!(witness, [12, 12, 11, 3, 12]);
        let burdens: Vec<u32> = rotation.burden_by_zone.iter().map(|(_, b)| *b).collect();
        let max = *burdens.iter().max().unwrap();
        let min = *burdens.iter().min().unwrap();
        assert!(max <= *witness.iter().max().unwrap(), "burdens {burdens:?}");
        assert!(max <= NIGHT_COST, "burdens {burdens:?}");
        assert!(max - min <= NIGHT_COST, "burdens {burdens:?}");

        // Fixing any single time for everyone is worse for the worst-off zone than the rotation.
        let single = propose_rotation(&members(&zones), 1, date(2026, 3, 15), 60).unwrap();
        let single_max = single.burden_by_zone.iter().map(|(_, b)| *b).max().unwrap();
        assert!(
            3 * single_max > max,
            "rotating must beat repeating the best single slot"
        );
    }

    #[test]
    fn the_whole_call_counts_not_just_its_start() {
        // 17:30 local is fine for a 30-minute call but runs into the evening for 90 minutes.
        assert_eq!(inconvenience(17 * 60, 60), 0);
        assert_eq!(inconvenience(17 * 60 + 30, 90), 1);
        assert_eq!(inconvenience(22 * 60 + 30, 60), NIGHT_COST);
        assert_eq!(inconvenience(5 * 60 + 30, 60), NIGHT_COST);
        assert_eq!(inconvenience(6 * 60 + 30, 30), 6);
    }

    #[test]
    fn local_times_report_the_day_they_fall_on() {
        use chrono_tz::{America::Los_Angeles, Pacific::Auckland};
        let rotation =
            propose_rotation(&members(&[Los_Angeles, Auckland]), 2, date(2026, 6, 10), 60).unwrap();
        for slot in &rotation.slots {
            let utc_minutes = slot.starts_utc.hour() * 60 + slot.starts_utc.minute();
            for local in &slot.local {
                let local_minutes = local.start.hour() * 60 + local.start.minute();
                let shift = i64::from(local.day_offset) * 1440 + i64::from(local_minutes)
                    - i64::from(utc_minutes);
                let expected = if local.zone == "America/Los_Angeles" {
                    -7 * 60
                } else {
                    12 * 60
                };
                assert_eq!(shift, expected, "{local:?} at {}", slot.starts_utc);
            }
        }
    }

    #[test]
    fn weights_favour_where_most_members_are_once_fairness_is_met() {
        use chrono_tz::{Europe::Zurich, Pacific::Honolulu};
        // Zurich (UTC+1) and Honolulu (UTC-10) share no office hour in January. 17:00 and
        // 18:00 UTC are equally fair (worst zone pays 2); the larger group gets the easier side.
        let start_for = |zurich: u32, honolulu: u32| {
            let members = [
                Member {
                    time_zone: Zurich,
                    weight: zurich,
                },
                Member {
                    time_zone: Honolulu,
                    weight: honolulu,
                },
            ];
            let rotation = propose_rotation(&members, 1, date(2026, 1, 15), 60).unwrap();
            let worst = rotation
                .burden_by_zone
                .iter()
                .map(|(_, b)| *b)
                .max()
                .unwrap();
            assert_eq!(worst, 2);
            rotation.slots[0].starts_utc
        };
        assert_eq!(start_for(10, 1), NaiveTime::from_hms_opt(17, 0, 0).unwrap());
        assert_eq!(start_for(1, 10), NaiveTime::from_hms_opt(18, 0, 0).unwrap());
    }

    #[test]
    fn invalid_input_is_refused() {
        let on = date(2026, 1, 15);
        let one = members(&[chrono_tz::UTC]);
        assert_eq!(
            propose_rotation(&[], 1, on, 60),
            Err(RotationError::NoMembers)
        );
        assert_eq!(
            propose_rotation(&one, 0, on, 60),
            Err(RotationError::SlotsOutOfRange { slots: 0 })
        );
        assert_eq!(
            propose_rotation(&one, 7, on, 60),
            Err(RotationError::SlotsOutOfRange { slots: 7 })
        );
        assert_eq!(
            propose_rotation(&one, 1, on, 0),
            Err(RotationError::DurationOutOfRange { minutes: 0 })
        );
        let zero = [Member {
            time_zone: chrono_tz::UTC,
            weight: 0,
        }];
        assert!(
            propose_rotation(&zero, 1, on, 60)
                .unwrap_err()
                .to_string()
                .contains("UTC")
        );
    }

    #[test]
    fn many_zones_and_six_slots_still_answer() {
        let zones: Vec<Tz> = [
            "Pacific/Honolulu",
            "America/Anchorage",
            "America/Los_Angeles",
            "America/Denver",
            "America/Chicago",
            "America/New_York",
            "America/Sao_Paulo",
            "Atlantic/Azores",
            "Europe/London",
            "Europe/Zurich",
            "Africa/Nairobi",
            "Asia/Dubai",
            "Asia/Kolkata",
            "Asia/Kathmandu",
            "Asia/Dhaka",
            "Asia/Bangkok",
            "Asia/Manila",
            "Asia/Tokyo",
            "Australia/Adelaide",
            "Australia/Sydney",
            "Pacific/Auckland",
            "Pacific/Tongatapu",
        ]
        .iter()
        .map(|name| name.parse().expect("known zone"))
        .collect();
        let rotation = propose_rotation(&members(&zones), 6, date(2026, 3, 15), 90).unwrap();
        assert_eq!(rotation.slots.len(), 6);
        assert_eq!(rotation.burden_by_zone.len(), zones.len());
    }
}
