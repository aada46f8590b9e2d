//! The floor queue's balanced order: propose the next speaker so that stakeholder groups and
//! regions take turns, falling back to first come, first served.

/// What the balancing looks at in one raised hand (or one speaker already called).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    pub stakeholder_group: Option<String>,
    pub regional_group: Option<String>,
}

/// The order in which `waiting` (in arrival order) should be called, as indices into it, given
/// who has already spoken (`called`, oldest first).
///
/// Each step picks the waiting entry whose stakeholder group and region have spoken least so far
/// (counting the picks before it), breaking ties by arrival. People who stated neither count as
/// one more group, so they are neither favoured nor pushed back.
pub fn balanced_order(called: &[Speaker], waiting: &[Speaker]) -> Vec<usize> {
    use std::collections::HashMap;
    let mut group_turns: HashMap<Option<&str>, usize> = HashMap::new();
    let mut region_turns: HashMap<Option<&str>, usize> = HashMap::new();
    for s in called {
        *group_turns
            .entry(s.stakeholder_group.as_deref())
            .or_default() += 1;
        *region_turns.entry(s.regional_group.as_deref()).or_default() += 1;
    }
    let mut left: Vec<usize> = (0..waiting.len()).collect();
    let mut order = Vec::with_capacity(waiting.len());
    while !left.is_empty() {
        let (pos, &pick) = left
            .iter()
            .enumerate()
            .min_by_key(|&(_, &i)| {
                let s = &waiting[i];
                let g = group_turns
                    .get(&s.stakeholder_group.as_deref())
                    .copied()
                    .unwrap_or(0);
                let r = region_turns
                    .get(&s.regional_group.as_deref())
                    .copied()
                    .unwrap_or(0);
                (g + r, i)
            })
            .expect("left is not empty inside the loop");
        left.remove(pos);
        let s = &waiting[pick];
        *group_turns
            .entry(s.stakeholder_group.as_deref())
            .or_default() += 1;
        *region_turns.entry(s.regional_group.as_deref()).or_default() += 1;
        order.push(pick);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(group: &str, region: &str) -> Speaker {
        Speaker {
            stakeholder_group: Some(group.into()),
            regional_group: Some(region.into()),
        }
    }

    #[test]
    fn groups_and_regions_take_turns() {
        let waiting = [
            sp("government", "weog"),
            sp("government", "weog"),
            sp("civil_society", "african"),
            sp("government", "weog"),
            sp("private_sector", "grulac"),
        ];
        assert_eq!(balanced_order(&[], &waiting), vec![0, 2, 4, 1, 3]);
    }

    #[test]
    fn who_already_spoke_counts() {
        let called = [sp("government", "weog")];
        let waiting = [sp("government", "weog"), sp("academia", "asia_pacific")];
        assert_eq!(balanced_order(&called, &waiting), vec![1, 0]);
    }

    #[test]
    fn with_nothing_stated_it_is_first_come() {
        let blank = Speaker {
            stakeholder_group: None,
            regional_group: None,
        };
        let waiting = vec![blank.clone(), blank.clone(), blank];
        assert_eq!(balanced_order(&[], &waiting), vec![0, 1, 2]);
    }

    proptest::proptest! {
        #[test]
        fn the_order_is_a_permutation(groups in proptest::collection::vec((0u8..4, 0u8..3), 0..30)) {
            let waiting: Vec<Speaker> = groups.iter().map(|(g, r)| sp(&g.to_string(), &r.to_string())).collect();
            let mut order = balanced_order(&[], &waiting);
            order.sort_unstable();
            proptest::prop_assert_eq!(order, (0..waiting.len()).collect::<Vec<_>>());
        }
    }
}
