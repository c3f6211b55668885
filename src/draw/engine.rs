//! The draw proper (§7.3, §8.3, §9, §10): from a [`Frozen`] and a seed to an [`Outcome`].
//!
//! Nothing here can fail: [`Frozen`] exists only for feasible inputs, and the feasibility conditions
//! guarantee that every candidate list of §8.3 is non-empty. Should that ever not hold it is a bug: debug
//! builds stop on an assertion, release builds leave the group short rather than inventing a member.

use std::collections::BTreeMap;

use super::ALGORITHM;
use super::assign::assign;
use super::encode::Hash32;
use super::freeze::{Frozen, NO_REGION, Pool};
use super::outcome::{Excluded, GroupEntry, Ineligible, Outcome, ReserveEntry, TargetEntry};
use super::population::Population;
use super::rng::{WordStream, subseed};

/// Facts about a draw that the outcome does not record, for tests and the operator's log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrawTrace {
    /// Targets that were placed by an augmenting path (§9 step 2).
    pub augmenting_paths: u32,
}

/// Runs the draw: the outcome is a pure function of the frozen inputs and the seed.
pub fn draw<P: Population>(frozen: &Frozen<P>, seed: &Hash32) -> Outcome {
    draw_traced(frozen, seed).0
}

/// From this many excluded entities on, their list (which does not depend on the seed) is written on a
/// second thread while the draw runs: a quarter of a million codes copied take longer than the draw itself.
const EXCLUDED_BESIDE: usize = 50_000;

/// The excluded entities with their reasons, in canonical order (§6.2, recorded in §10).
fn excluded_list<P: Population>(frozen: &Frozen<P>) -> Vec<Excluded> {
    frozen
        .excluded
        .iter()
        .map(|&(e, reason)| Excluded {
            code: frozen.population.code(e as usize).to_owned(),
            reason,
        })
        .collect()
}

/// [`draw`], also returning what happened on the way.
pub fn draw_traced<P: Population>(frozen: &Frozen<P>, seed: &Hash32) -> (Outcome, DrawTrace) {
    if frozen.excluded.len() < EXCLUDED_BESIDE {
        return draw_with(frozen, seed, || excluded_list(frozen));
    }
    std::thread::scope(|s| {
        let excluded = s.spawn(|| excluded_list(frozen));
        draw_with(frozen, seed, || {
            excluded
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

/// What the draw decides (§7.3, §8.3, §9), by position, before it is written out as an [`Outcome`].
struct Decided {
    /// (entity, stratum index) in target order.
    targets: Vec<(u32, usize)>,
    /// (entity, stratum index), stratum by stratum, each in reserve order.
    reserves: Vec<(u32, usize)>,
    /// Each group's members (positions in the pool).
    groups: Vec<Vec<u32>>,
    assignment: super::assign::Assignment,
}

fn decide<P: Population>(frozen: &Frozen<P>, seed: &Hash32) -> Decided {
    // §7.3: targets and reserves per stratum, strata in key order.
    let mut targets: Vec<(u32, usize)> = Vec::with_capacity(frozen.k as usize);
    let mut reserves: Vec<(u32, usize)> = Vec::new();
    for (si, s) in frozen.strata.iter().enumerate() {
        let l = (s.quota + s.reserve) as usize;
        if l == 0 {
            continue;
        }
        let mut rng = WordStream::new(&subseed(seed, "stratum", &s.key));
        let drawn = fisher_yates_prefix(&s.members, l, &mut rng);
        let q = s.quota as usize;
        targets.extend(drawn[..q].iter().map(|&e| (e, si)));
        reserves.extend(drawn[q..].iter().map(|&e| (e, si)));
    }
    debug_assert_eq!(targets.len(), frozen.k as usize);

    // §8.3 and §9.
    let groups = if frozen.k > 0 {
        form_groups(frozen, seed)
    } else {
        Vec::new()
    };
    let conflicts = Conflicts::new(frozen, &groups, &targets);
    let assignment = assign(targets.len(), groups.len(), |h, t| conflicts.conflict(h, t));
    Decided {
        targets,
        reserves,
        groups,
        assignment,
    }
}

/// A staff number of the pool by its position in the pool.
fn staff_no<P: Population>(frozen: &Frozen<P>, p: u32) -> &str {
    &frozen.inspectors[frozen.pool.index[p as usize] as usize].staff_no
}

/// The draw; `excluded` gives the excluded list when the outcome is put together.
fn draw_with<P: Population>(
    frozen: &Frozen<P>,
    seed: &Hash32,
    excluded: impl FnOnce() -> Vec<Excluded>,
) -> (Outcome, DrawTrace) {
    let Decided {
        targets,
        reserves,
        groups,
        assignment,
    } = decide(frozen, seed);

    // §10.
    // `as_str().to_owned()` copies directly; `to_string()` would go through the formatter.
    let code = |e: u32| frozen.population.code(e as usize).to_owned();
    let key = |si: usize| frozen.strata[si].key.clone();
    let staff = |p: u32| staff_no(frozen, p).to_owned();
    let leader_required = frozen.rules.inspectors.leader.required;
    let outcome = Outcome {
        algorithm: ALGORITHM.to_string(),
        seed: *seed,
        excluded: Vec::new(),
        strata: frozen.strata(),
        targets: targets
            .iter()
            .enumerate()
            .map(|(j, &(e, si))| TargetEntry {
                code: code(e),
                stratum: key(si),
                group: assignment.group_of[j].map(|h| h + 1),
            })
            .collect(),
        reserves: reserves
            .iter()
            .map(|&(e, si)| ReserveEntry {
                code: code(e),
                stratum: key(si),
            })
            .collect(),
        ineligible_inspectors: frozen
            .ineligible
            .iter()
            .map(|&(i, reason)| Ineligible {
                staff_no: frozen.inspectors[i as usize].staff_no.as_str().to_owned(),
                reason,
            })
            .collect(),
        groups: groups
            .iter()
            .zip(&assignment.lists)
            .enumerate()
            .map(|(h, (members, list))| GroupEntry {
                number: h as u32 + 1,
                leader: if leader_required {
                    members.first().map(|&p| staff(p))
                } else {
                    None
                },
                members: members.iter().map(|&p| staff(p)).collect(),
                targets: list.iter().map(|&t| code(targets[t as usize].0)).collect(),
            })
            .collect(),
        unassigned: targets
            .iter()
            .zip(&assignment.group_of)
            .filter(|(_, g)| g.is_none())
            .map(|(&(e, _), _)| code(e))
            .collect(),
    };
    // Joined last, so that the second thread had the whole draw's time.
    let outcome = Outcome {
        excluded: excluded(),
        ..outcome
    };
    let trace = DrawTrace {
        augmenting_paths: assignment.augmenting_paths,
    };
    (outcome, trace)
}

/// Whether [`draw`] of `frozen` and `seed` equals `recorded`, found without writing the outcome out: each
/// field of `recorded` is compared, in the order of [`Outcome`], with what the draw decided, read in place
/// (codes and staff numbers borrowed from the inputs). For a verifier that only needs to know whether a
/// record matches: a million-entity draw writes out over 350,000 strings (the excluded list, then
/// targets, reserves and the groups' lists) just to compare them once.
pub fn draw_matches<P: Population>(frozen: &Frozen<P>, seed: &Hash32, recorded: &Outcome) -> bool {
    if recorded.algorithm != ALGORITHM || recorded.seed != *seed {
        return false;
    }
    let code = |e: u32| frozen.population.code(e as usize);
    let excluded_same = || {
        recorded.excluded.len() == frozen.excluded.len()
            && recorded
                .excluded
                .iter()
                .zip(&frozen.excluded)
                .all(|(x, &(e, reason))| x.code == code(e) && x.reason == reason)
    };
    if recorded.strata != frozen.strata() {
        return false;
    }
    // As in `draw_traced`, a long excluded list (which does not depend on the seed) is compared beside
    // the draw.
    let (excluded_same, decided) = if frozen.excluded.len() < EXCLUDED_BESIDE {
        (excluded_same(), decide(frozen, seed))
    } else {
        std::thread::scope(|s| {
            let same = s.spawn(excluded_same);
            let decided = decide(frozen, seed);
            let same = same
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (same, decided)
        })
    };
    if !excluded_same {
        return false;
    }
    let Decided {
        targets,
        reserves,
        groups,
        assignment,
    } = decided;
    let key = |si: usize| frozen.strata[si].key.as_str();
    let staff = |p: u32| staff_no(frozen, p);
    let leader_required = frozen.rules.inspectors.leader.required;
    let same_targets = recorded.targets.len() == targets.len()
        && recorded
            .targets
            .iter()
            .zip(&targets)
            .zip(&assignment.group_of)
            .all(|((t, &(e, si)), g)| {
                t.code == code(e) && t.stratum == key(si) && t.group == g.map(|h| h + 1)
            });
    let same_reserves = recorded.reserves.len() == reserves.len()
        && recorded
            .reserves
            .iter()
            .zip(&reserves)
            .all(|(r, &(e, si))| r.code == code(e) && r.stratum == key(si));
    let same_ineligible = recorded.ineligible_inspectors.len() == frozen.ineligible.len()
        && recorded
            .ineligible_inspectors
            .iter()
            .zip(&frozen.ineligible)
            .all(|(x, &(i, reason))| {
                x.staff_no == frozen.inspectors[i as usize].staff_no && x.reason == reason
            });
    let same_groups = recorded.groups.len() == groups.len()
        && recorded
            .groups
            .iter()
            .zip(groups.iter().zip(&assignment.lists))
            .enumerate()
            .all(|(h, (g, (members, list)))| {
                let leader = if leader_required {
                    members.first().map(|&p| staff(p))
                } else {
                    None
                };
                g.number == h as u32 + 1
                    && g.leader.as_deref() == leader
                    && g.members.len() == members.len()
                    && g.members.iter().zip(members).all(|(m, &p)| m == staff(p))
                    && g.targets.len() == list.len()
                    && g.targets
                        .iter()
                        .zip(list)
                        .all(|(c, &t)| c == code(targets[t as usize].0))
            });
    let mut unassigned = targets
        .iter()
        .zip(&assignment.group_of)
        .filter(|(_, g)| g.is_none())
        .map(|(&(e, _), _)| code(e));
    let same_unassigned =
        recorded.unassigned.iter().all(|c| unassigned.next() == Some(c)) && unassigned.next().is_none();
    same_targets && same_reserves && same_ineligible && same_groups && same_unassigned
}

/// The first `l` entries of a forward Fisher–Yates shuffle of `a` (§7.3). When `l` is small against the
/// stratum (at most 1/256 of it), only the touched positions are tracked, so drawing a few hundred from a
/// million costs no copy of the stratum; a larger `l` costs more in map operations than a copy (a copy of
/// a quarter of a million positions takes well under a millisecond). Both ways give the same entries.
pub(crate) fn fisher_yates_prefix(a: &[u32], l: usize, rng: &mut WordStream) -> Vec<u32> {
    let n = a.len();
    debug_assert!(l <= n);
    let l = l.min(n);
    if l > n / 256 {
        let mut a = a.to_vec();
        for i in 0..l {
            let j = i + rng.uniform((n - i) as u64) as usize;
            a.swap(i, j);
        }
        a.truncate(l);
        return a;
    }
    // Positions that were swapped into hold a value other than `a[p]`; only those are recorded.
    let mut moved: BTreeMap<usize, u32> = BTreeMap::new();
    let mut out = Vec::with_capacity(l);
    for i in 0..l {
        let j = i + rng.uniform((n - i) as u64) as usize;
        let vi = moved.remove(&i).unwrap_or(a[i]);
        let vj = if j == i {
            vi
        } else {
            moved.get(&j).copied().unwrap_or(a[j])
        };
        out.push(vj);
        if j != i {
            moved.insert(j, vi);
        }
    }
    out
}

/// §8.3: groups as lists of positions in `P`, members in the order drawn.
fn form_groups<P: Population>(frozen: &Frozen<P>, seed: &Hash32) -> Vec<Vec<u32>> {
    let r = &frozen.rules.inspectors;
    let pool = &frozen.pool;
    let g = frozen.g as usize;
    let s = r.group_size as usize;
    let mut rng = WordStream::new(&subseed(seed, "inspectors", ""));
    let mut drawn = vec![false; pool.index.len()];
    let mut groups: Vec<Vec<u32>> = vec![Vec::with_capacity(s); g];
    let mut candidates: Vec<u32> = Vec::with_capacity(pool.index.len());
    let mut draw_from = |cond: &dyn Fn(usize) -> bool, group: &mut Vec<u32>| {
        candidates.clear();
        candidates.extend(
            (0..pool.index.len())
                .filter(|&p| !drawn[p] && cond(p))
                .map(|p| p as u32),
        );
        debug_assert!(!candidates.is_empty(), "feasibility guarantees a candidate");
        if candidates.is_empty() {
            return;
        }
        let x = candidates[rng.uniform(candidates.len() as u64) as usize];
        drawn[x as usize] = true;
        group.push(x);
    };
    if r.leader.required {
        for group in groups.iter_mut() {
            draw_from(&|p| pool.leader_ok[p], group);
        }
    }
    if r.expert_required {
        for group in groups.iter_mut() {
            if !group.iter().any(|&p| pool.expert[p as usize]) {
                draw_from(&|p| pool.expert[p], group);
            }
        }
    }
    for d in 0..r.departments.len() as u32 {
        for group in groups.iter_mut() {
            if !group.iter().any(|&p| pool.dept[p as usize] == d) {
                draw_from(&|p| pool.dept[p] == d, group);
            }
        }
    }
    for group in groups.iter_mut() {
        while group.len() < s {
            let before = group.len();
            draw_from(&|_| true, group);
            if group.len() == before {
                break;
            }
        }
    }
    groups
}

/// The conflict relation of §8.4 between drawn groups and targets, precomputed so that a test costs a lookup.
struct Conflicts {
    g: usize,
    /// `region_groups[r * g + h]`: group h has a member of region r (only when regions recuse).
    region_groups: Vec<bool>,
    /// Region id of each target (`NO_REGION` if none or not recusing by region).
    target_region: Vec<u32>,
    /// Groups that hold an inspector explicitly recused from the target, per target (mostly empty).
    explicit: Vec<Vec<u32>>,
}

impl Conflicts {
    fn new<P: Population>(frozen: &Frozen<P>, groups: &[Vec<u32>], targets: &[(u32, usize)]) -> Conflicts {
        let pool: &Pool = &frozen.pool;
        let g = groups.len();
        let same_region = frozen.rules.inspectors.recuse_same_region;
        let mut group_of_p = vec![u32::MAX; pool.index.len()];
        let mut region_groups = vec![false; if same_region { pool.regions.len() * g } else { 0 }];
        for (h, members) in groups.iter().enumerate() {
            for &p in members {
                group_of_p[p as usize] = h as u32;
                let r = pool.region[p as usize];
                if same_region && r != NO_REGION {
                    region_groups[r as usize * g + h] = true;
                }
            }
        }
        let target_region = targets
            .iter()
            .map(|&(e, _)| {
                if same_region {
                    pool.region_of(frozen.population.region(e as usize))
                } else {
                    NO_REGION
                }
            })
            .collect();
        let explicit = targets
            .iter()
            .map(|&(e, _)| {
                pool.explicit_of(e)
                    .map(|p| group_of_p[p as usize])
                    .filter(|&h| h != u32::MAX)
                    .collect()
            })
            .collect();
        Conflicts {
            g,
            region_groups,
            target_region,
            explicit,
        }
    }

    fn conflict(&self, h: usize, t: usize) -> bool {
        let r = self.target_region[t];
        (r != NO_REGION && self.region_groups[r as usize * self.g + h])
            || self.explicit[t].contains(&(h as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain algorithm of §7.3 on a full copy, to compare with the sparse path.
    fn fisher_yates_full(a: &[u32], l: usize, rng: &mut WordStream) -> Vec<u32> {
        let mut a = a.to_vec();
        for i in 0..l {
            let j = i + rng.uniform((a.len() - i) as u64) as usize;
            a.swap(i, j);
        }
        a.truncate(l);
        a
    }

    #[test]
    fn sparse_fisher_yates_equals_the_plain_one() {
        for n in [1usize, 2, 5, 17, 100, 1000] {
            let a: Vec<u32> = (0..n as u32).map(|x| x * 3).collect();
            for l in [0, 1, 2, 3, 4, n / 256, n / 256 + 1, n / 10, n / 8, n / 2, n]
                .into_iter()
                .filter(|&l| l <= n)
            {
                let key = subseed(&Hash32([n as u8; 32]), "stratum", &l.to_string());
                let sparse = fisher_yates_prefix(&a, l, &mut WordStream::new(&key));
                let full = fisher_yates_full(&a, l, &mut WordStream::new(&key));
                assert_eq!(sparse, full, "n = {n}, l = {l}");
            }
        }
    }

    #[test]
    fn five_element_fisher_yates_by_hand() {
        // Key: 32 zero bytes, whose keystream starts with the well-known words ade0b876 903df1a0 e56a5d40
        // 28bd8653 b819d2bd 1aed8da0 ccef36a8 c70d778b 7c5941da 8d485751. Worked by hand:
        //   i=0: uniform(5): x = 0x903df1a0ade0b876 = 10393729187455219830 ≥ 2^64 mod 5 = 1; x mod 5 = 0 → j = 0
        //   i=1: uniform(4): x = 0x28bd8653e56a5d40 = 2935650227004792128, threshold 0; x mod 4 = 0 → j = 1
        //   i=2: uniform(3): x = 0x1aed8da0b819d2bd = 1940362735889535677 ≥ 1; x mod 3 = 2 → j = 4: swap 12, 14
        //   i=3: uniform(2): x = 0xc70d778bccef36a8 = 14343251830567286440; x mod 2 = 0 → j = 3
        //   i=4: uniform(1): consumes 0x8d4857517c5941da, returns 0 → j = 4
        let a = [10u32, 11, 12, 13, 14];
        assert_eq!(
            fisher_yates_prefix(&a, 5, &mut WordStream::new(&Hash32([0; 32]))),
            [10, 11, 14, 13, 12]
        );
        assert_eq!(
            fisher_yates_prefix(&a, 3, &mut WordStream::new(&Hash32([0; 32]))),
            [10, 11, 14]
        );
        // Drawing from a large array goes the sparse way and must give the same three.
        let mut big: Vec<u32> = (0..5).map(|x| x + 10).collect();
        big.extend(100..1000);
        let mut r = WordStream::new(&Hash32([0; 32]));
        assert_eq!(
            fisher_yates_prefix(&big, 2, &mut r)[..2],
            [
                big[(10393729187455219830u64 % 905) as usize],
                big[1 + (2935650227004792128u64 % 904) as usize]
            ]
        );
    }
}
