//! Freezing (§4–§8.4): everything about a draw that does not need randomness.
//!
//! [`canonicalise`] validates and sorts the four inputs and computes their fingerprints; [`CanonicalInputs::plan`]
//! then checks the scope, computes exclusions, strata, quotas, reserve lengths, the number of targets `k` and
//! groups `g`, inspector eligibility, and the feasibility and recusal checks. The result, [`Frozen`], is what
//! the projector shows as "本次摇号规则" before any randomness exists, and the only input of the draw besides
//! the seed. A `Frozen` that exists is feasible: the draw cannot fail.

use std::collections::BTreeMap;

use serde::Serialize;

use super::encode::Hash32;
use super::error::{DrawError, Infeasible, InputCode, Lack, Place, StratumName};
use super::inputs::{
    DrawEntity, DrawInspector, Recusal, canonical_inspectors, canonical_population, canonical_recusals,
    fp_inputs,
};
use super::outcome::{ExclusionReason, IneligibleReason, StratumSummary};
use super::population::{Field, Population};
use super::rules::{Groups, Quota, Rules, Scope, StrataBy};
use super::text::parse_date;

/// The stratum key and risk-class scope value of an entity without a class or region.
pub const UNCLASSIFIED: &str = "未分类";

/// The four input fingerprints and `fp_inputs` (§4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InputFingerprints {
    pub population: Hash32,
    pub inspectors: Hash32,
    pub recusals: Hash32,
    pub rules: Hash32,
    pub inputs: Hash32,
}

/// Validated inputs in canonical order with their fingerprints; not yet checked for scope or feasibility.
/// The population is whole rows, or (for a verifier) a [`LeanPopulation`](super::LeanPopulation).
#[derive(Clone, Debug)]
pub struct CanonicalInputs<P = Vec<DrawEntity>> {
    pub(crate) rules: Rules,
    pub(crate) population: P,
    pub(crate) inspectors: Vec<DrawInspector>,
    pub(crate) recusals: Vec<Recusal>,
    pub(crate) fingerprints: InputFingerprints,
}

/// Validates the rules and the rows (§2, §4), sorts the rows into canonical order, refuses duplicates and
/// computes the fingerprints. Row numbers in errors are positions in the vectors as given.
pub fn canonicalise(
    population: Vec<DrawEntity>,
    pool: Vec<DrawInspector>,
    recusals: Vec<Recusal>,
    rules: Rules,
) -> Result<CanonicalInputs, DrawError> {
    rules.validate()?;
    let (population, population_fp) = canonical_population(population)?;
    canonicalise_sorted(population, population_fp, pool, recusals, rules)
}

/// [`canonicalise`] for a population already checked and in canonical order, with its fingerprint — both
/// from a [`SortedRows`](super::SortedRows) that accepted every row.
pub fn canonicalise_sorted<P: Population>(
    population: P,
    population_fp: Hash32,
    pool: Vec<DrawInspector>,
    recusals: Vec<Recusal>,
    rules: Rules,
) -> Result<CanonicalInputs<P>, DrawError> {
    rules.validate()?;
    let (inspectors, inspectors_fp) = canonical_inspectors(pool)?;
    let (recusals, recusals_fp) = canonical_recusals(recusals)?;
    let rules_fp = rules.fingerprint();
    let fingerprints = InputFingerprints {
        population: population_fp,
        inspectors: inspectors_fp,
        recusals: recusals_fp,
        rules: rules_fp,
        inputs: fp_inputs(&population_fp, &inspectors_fp, &recusals_fp, &rules_fp),
    };
    Ok(CanonicalInputs {
        rules,
        population,
        inspectors,
        recusals,
        fingerprints,
    })
}

/// Canonicalises and plans in one step: everything of a draw that does not need randomness.
pub fn freeze(
    population: Vec<DrawEntity>,
    pool: Vec<DrawInspector>,
    recusals: Vec<Recusal>,
    rules: Rules,
) -> Result<Frozen, DrawError> {
    canonicalise(population, pool, recusals, rules)?.plan()
}

/// A stratum with its members (population indices, canonical order) and its quota and reserve length.
#[derive(Clone, Debug)]
pub(crate) struct StratumPlan {
    pub(crate) key: String,
    pub(crate) members: Vec<u32>,
    pub(crate) quota: u32,
    pub(crate) reserve: u32,
}

/// Facts about the eligible inspectors `P` that the group phases and the recusal checks need, by position
/// in `P`.
#[derive(Clone, Debug)]
pub(crate) struct Pool {
    /// Inspector index (into the canonical pool) of each member of `P`.
    pub(crate) index: Vec<u32>,
    /// Position of the member's department in `rules.inspectors.departments`.
    pub(crate) dept: Vec<u32>,
    pub(crate) expert: Vec<bool>,
    /// May lead a group: lead department and the leader qualification (when one is required).
    pub(crate) leader_ok: Vec<bool>,
    /// Index into `regions`, or `NO_REGION` for an empty region.
    pub(crate) region: Vec<u32>,
    /// The distinct non-empty regions of `P`, ascending.
    pub(crate) regions: Vec<String>,
    /// Explicit recusals that matter: (population index, position in `P`), ascending.
    pub(crate) explicit: Vec<(u32, u32)>,
}

pub(crate) const NO_REGION: u32 = u32::MAX;

impl Pool {
    /// Region id of an entity region among `P`'s regions (`NO_REGION` if empty or held by nobody in `P`).
    pub(crate) fn region_of(&self, region: &str) -> u32 {
        if region.is_empty() {
            return NO_REGION;
        }
        self.regions
            .binary_search_by(|r| r.as_str().cmp(region))
            .map_or(NO_REGION, |i| i as u32)
    }

    /// Positions in `P` of the inspectors explicitly recused from entity `e`.
    pub(crate) fn explicit_of(&self, e: u32) -> impl Iterator<Item = u32> + '_ {
        let start = self.explicit.partition_point(|&(x, _)| x < e);
        self.explicit[start..]
            .iter()
            .take_while(move |&&(x, _)| x == e)
            .map(|&(_, p)| p)
    }
}

/// Everything of a draw that does not depend on the seed. Build it with [`freeze`] (or, for a verifier's
/// [`LeanPopulation`](super::LeanPopulation), [`canonicalise_sorted`] and [`CanonicalInputs::plan`]).
#[derive(Clone, Debug)]
pub struct Frozen<P = Vec<DrawEntity>> {
    pub(crate) rules: Rules,
    pub(crate) population: P,
    pub(crate) inspectors: Vec<DrawInspector>,
    pub(crate) recusals: Vec<Recusal>,
    pub(crate) fingerprints: InputFingerprints,
    pub(crate) excluded: Vec<(u32, ExclusionReason)>,
    pub(crate) strata: Vec<StratumPlan>,
    pub(crate) k: u32,
    pub(crate) g: u32,
    pub(crate) ineligible: Vec<(u32, IneligibleReason)>,
    pub(crate) pool: Pool,
}

/// A count per reason, for the projector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReasonCount<R> {
    pub reason: R,
    pub count: u32,
}

/// The plain summary of a frozen draw ("本次摇号规则"), for the projector and the command line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FreezeSummary {
    pub task_number: String,
    pub task_name: String,
    pub attempt: u32,
    pub draw_date: String,
    pub strata_by: StrataBy,
    /// Number of entities in the population (within scope, before exclusions).
    pub population: u32,
    /// Excluded entities by reason (every reason listed, also with count 0).
    pub excluded: Vec<ReasonCount<ExclusionReason>>,
    /// Per stratum: size n, quota q, reserve length R.
    pub strata: Vec<StratumSummary>,
    /// Number of targets k.
    pub targets: u32,
    /// Number of groups g.
    pub groups: u32,
    pub group_size: u32,
    pub inspectors: u32,
    pub eligible_inspectors: u32,
    pub ineligible_inspectors: Vec<ReasonCount<IneligibleReason>>,
    /// Department codes, lead first.
    pub departments: Vec<String>,
    pub leader_required: bool,
    pub expert_required: bool,
    pub recuse_same_region: bool,
    pub recusals: u32,
    pub fingerprints: InputFingerprints,
}

impl<P: Population> CanonicalInputs<P> {
    pub fn fingerprints(&self) -> &InputFingerprints {
        &self.fingerprints
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Scope, exclusions, strata, quotas, eligibility, groups and the feasibility and recusal checks (§6–§8).
    pub fn plan(self) -> Result<Frozen<P>, DrawError> {
        let rules = &self.rules;
        check_scope(rules, &self.population)?;
        let excluded = exclusions(rules, &self.population);
        let mut strata = strata(rules, &self.population, &excluded);
        quotas(rules, &mut strata)?;
        let k: u64 = strata.iter().map(|s| u64::from(s.quota)).sum();
        // k ≤ population size < 2^32, which canonicalisation guarantees.
        let k = k as u32;
        let (ineligible, eligible) = eligibility(rules, &self.inspectors);
        let pool = pool(
            rules,
            &self.inspectors,
            &self.population,
            &self.recusals,
            eligible,
        );
        let g = if k == 0 {
            0
        } else {
            match rules.inspectors.groups {
                Groups::Fixed { count } => count.min(k),
                Groups::PerTargets { max_targets } => k.div_ceil(max_targets),
            }
        };
        if k > 0 {
            check_groups(rules, &pool, g)?;
            check_recusals(rules, &self.population, &excluded, &strata, &pool)?;
        }
        Ok(Frozen {
            excluded: excluded.list,
            strata,
            k,
            g,
            ineligible,
            pool,
            rules: self.rules,
            population: self.population,
            inspectors: self.inspectors,
            recusals: self.recusals,
            fingerprints: self.fingerprints,
        })
    }
}

fn contains<S: AsRef<str>>(sorted: &[S], x: &str) -> bool {
    sorted.binary_search_by(|s| s.as_ref().cmp(x)).is_ok()
}

fn risk_key(risk_class: &str) -> &str {
    if risk_class.is_empty() {
        UNCLASSIFIED
    } else {
        risk_class
    }
}

/// Which scope filter (§6.1) entity `i` fails, if any.
fn scope_fault<P: Population + ?Sized>(s: &Scope, p: &P, i: usize) -> Option<String> {
    if !s.regions.is_empty() && !contains(&s.regions, p.region(i)) {
        Some(format!("region {:?}", p.region(i)))
    } else if !s.industries.is_empty() && !contains(&s.industries, p.industry(i)) {
        Some(format!("industry {:?}", p.industry(i)))
    } else if !s.entity_types.is_empty() && !contains(&s.entity_types, p.entity_type(i)) {
        Some(format!("entity_type {:?}", p.entity_type(i)))
    } else if !s.risk_classes.is_empty() && !contains(&s.risk_classes, risk_key(p.risk_class(i))) {
        Some(format!("risk_class {:?}", risk_key(p.risk_class(i))))
    } else if !s.tags_any.is_empty() && !p.tags(i).iter().any(|t| contains(&s.tags_any, t)) {
        Some(format!("tags {:?}", p.tags(i)))
    } else {
        None
    }
}

impl Scope {
    /// Whether an entity satisfies every filter of the scope (§6.1); used to build a population.
    pub fn admits(&self, e: &DrawEntity) -> bool {
        scope_fault(self, std::slice::from_ref(e), 0).is_none()
    }
}

/// From this many entities on, the passes of the plan over the whole population run on two threads, each
/// over one half, and the halves' results are joined in canonical order.
const HALVES_FROM: usize = 100_000;

/// `part` over `0..n` — over its two halves on two threads from [`HALVES_FROM`] on — results in order.
fn in_halves<T: Send>(n: usize, part: impl Fn(std::ops::Range<usize>) -> T + Sync) -> Vec<T> {
    if n < HALVES_FROM {
        return vec![part(0..n)];
    }
    let mid = n / 2;
    std::thread::scope(|s| {
        let first = s.spawn(|| part(0..mid));
        let second = part(mid..n);
        let first = first
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        vec![first, second]
    })
}

/// Decisions about one field's values, made once per distinct value for a population that numbers its
/// values ([`Population::value_id`]) and once per entity for any other.
struct PerValue<'p, P: ?Sized> {
    population: &'p P,
    field: Field,
    /// Per value number: 0 not decided yet, 1 no, 2 yes; empty for a population without numbers.
    known: Vec<u8>,
}

impl<'p, P: Population + ?Sized> PerValue<'p, P> {
    fn new(population: &'p P, field: Field) -> Self {
        PerValue {
            population,
            field,
            known: vec![0; population.distinct_values().unwrap_or(0)],
        }
    }

    /// `decide(i)` for entity `i`, or what it said for an earlier entity with the same value.
    #[inline]
    fn get(&mut self, i: usize, decide: impl FnOnce(usize) -> bool) -> bool {
        if self.known.is_empty() {
            return decide(i);
        }
        let id = self.population.value_id(i, self.field);
        match self.known[id] {
            0 => {
                let yes = decide(i);
                self.known[id] = 1 + u8::from(yes);
                yes
            }
            known => known == 2,
        }
    }
}

/// §6.1: the first entity (canonical order) outside the scope is an input error.
fn check_scope<P: Population + ?Sized>(rules: &Rules, population: &P) -> Result<(), DrawError> {
    let s = &rules.scope;
    let first = in_halves(population.len(), |range| {
        // Whether an entity is in scope as far as its region, industry, entity type and risk class go,
        // decided per value; the tags are a list per entity. An entity that may be out is named by
        // `scope_fault` itself, so the fault and its message are the one-pass ones.
        let mut region = PerValue::new(population, Field::Region);
        let mut industry = PerValue::new(population, Field::Industry);
        let mut entity_type = PerValue::new(population, Field::EntityType);
        let mut risk_class = PerValue::new(population, Field::RiskClass);
        range.into_iter().find_map(|i| {
            let plainly_in = s.tags_any.is_empty()
                && (s.regions.is_empty() || region.get(i, |i| contains(&s.regions, population.region(i))))
                && (s.industries.is_empty()
                    || industry.get(i, |i| contains(&s.industries, population.industry(i))))
                && (s.entity_types.is_empty()
                    || entity_type.get(i, |i| contains(&s.entity_types, population.entity_type(i))))
                && (s.risk_classes.is_empty()
                    || risk_class.get(i, |i| {
                        contains(&s.risk_classes, risk_key(population.risk_class(i)))
                    }));
            if plainly_in {
                return None;
            }
            scope_fault(s, population, i).map(|detail| (i, detail))
        })
    });
    if let Some((i, detail)) = first.into_iter().flatten().next() {
        return Err(DrawError::input(
            InputCode::OutOfScope,
            Place::Entity {
                code: population.code(i).to_owned(),
                name: population.name(i).to_owned(),
            },
            detail,
        ));
    }
    Ok(())
}

struct Excluded {
    list: Vec<(u32, ExclusionReason)>,
    flag: Vec<bool>,
}

/// §6.2, in canonical order, first applicable reason.
fn exclusions<P: Population + ?Sized>(rules: &Rules, population: &P) -> Excluded {
    let x = &rules.exclusions;
    // The rules are validated, so the draw date parses.
    let draw_day = parse_date(&rules.draw_date).unwrap_or(0);
    let halves = in_halves(population.len(), |range| {
        // The status and the last inspection are decided once per value (see `PerValue`).
        let mut status = PerValue::new(population, Field::Status);
        let mut recent = PerValue::new(population, Field::LastInspected);
        let mut reason = |i: usize| {
            if !x.entities.is_empty()
                && x.entities
                    .binary_search_by(|x| x.code.as_str().cmp(population.code(i)))
                    .is_ok()
            {
                Some(ExclusionReason::Explicit)
            } else if status.get(i, |i| contains(&x.statuses, population.status(i))) {
                Some(ExclusionReason::Status)
            } else if recent.get(i, |i| {
                recently_inspected(x.inspected_within_days, draw_day, population.last_inspected(i))
            }) {
                Some(ExclusionReason::RecentlyInspected)
            } else {
                None
            }
        };
        range
            .filter_map(|i| reason(i).map(|r| (i as u32, r)))
            .collect::<Vec<_>>()
    });
    let list = halves.concat();
    let mut flag = vec![false; population.len()];
    for &(i, _) in &list {
        flag[i as usize] = true;
    }
    Excluded { list, flag }
}

/// `days(draw_date) − days(last_inspected) < inspected_within_days` (a future date counts as recent).
fn recently_inspected(within: Option<u32>, draw_day: i64, last_inspected: &str) -> bool {
    match (within, parse_date(last_inspected)) {
        (Some(days), Some(last)) => draw_day - last < i64::from(days),
        _ => false,
    }
}

/// §7.1: strata in ascending key order, with quota-listed keys that have no entities.
fn strata<'a, P: Population + ?Sized>(
    rules: &Rules,
    population: &'a P,
    excluded: &Excluded,
) -> Vec<StratumPlan> {
    // Each half's members by key; the halves' lists joined in order.
    let field = match rules.strata {
        StrataBy::Region => Field::Region,
        _ => Field::RiskClass,
    };
    let key_of = |i: usize| -> &'a str {
        match rules.strata {
            StrataBy::None => "",
            StrataBy::RiskClass => risk_key(population.risk_class(i)),
            StrataBy::Region if population.region(i).is_empty() => UNCLASSIFIED,
            StrataBy::Region => population.region(i),
        }
    };
    let halves = in_halves(population.len(), |range| {
        // Each key's list is found once per value number in this half, for a population that numbers its
        // values (numbers of values with the same key, such as every risk class when there are no strata,
        // share a list), or else once per run of entities with the same key; every entity is then pushed
        // straight onto it.
        let numbered = population.distinct_values();
        let mut list_of: Vec<u32> = vec![u32::MAX; numbered.unwrap_or(0)];
        let mut lists: Vec<(&'a str, Vec<u32>)> = Vec::new();
        let mut list_at: BTreeMap<&'a str, usize> = BTreeMap::new();
        let mut last: Option<(&'a str, usize)> = None;
        for i in range {
            if excluded.flag[i] {
                continue;
            }
            let at = if numbered.is_some() {
                let id = population.value_id(i, field);
                match list_of[id] {
                    u32::MAX => {
                        let at = list_for(key_of(i), &mut lists, &mut list_at);
                        // A place is below `lists.len()`, at most the half's entities (≤ u32::MAX): never the mark.
                        list_of[id] = at as u32;
                        at
                    }
                    at => at as usize,
                }
            } else {
                let key = key_of(i);
                match last {
                    Some((k, at)) if k == key => at,
                    _ => {
                        let at = list_for(key, &mut lists, &mut list_at);
                        last = Some((key, at));
                        at
                    }
                }
            };
            lists[at].1.push(i as u32);
        }
        lists.into_iter().collect::<BTreeMap<&'a str, Vec<u32>>>()
    });
    let mut halves = halves.into_iter();
    let mut by_key = halves.next().unwrap_or_default();
    for (k, v) in halves.flatten() {
        by_key.entry(k).or_default().extend(v);
    }
    // Each list is ascending: pushed in canonical order, the first half's before the second's.
    let listed: Vec<&str> = match &rules.quota {
        Quota::Ratio { ratios, .. } => ratios.iter().map(|r| r.stratum.as_str()).collect(),
        Quota::Count { .. } => Vec::new(),
        Quota::PerStratum { counts } => counts.iter().map(|c| c.stratum.as_str()).collect(),
    };
    for key in listed {
        by_key.entry(key).or_default();
    }
    by_key
        .into_iter()
        .map(|(key, members)| StratumPlan {
            key: key.to_string(),
            members,
            quota: 0,
            reserve: 0,
        })
        .collect()
}

/// The place in `lists` of key's list, a new one (at the end) for a key not seen before.
fn list_for<'a>(
    key: &'a str,
    lists: &mut Vec<(&'a str, Vec<u32>)>,
    list_at: &mut BTreeMap<&'a str, usize>,
) -> usize {
    *list_at.entry(key).or_insert_with(|| {
        lists.push((key, Vec::new()));
        lists.len() - 1
    })
}

fn stratum_name(rules: &Rules, key: &str) -> StratumName {
    StratumName {
        by: rules.strata,
        key: key.to_string(),
    }
}

/// §7.2: quotas and reserve lengths.
fn quotas(rules: &Rules, strata: &mut [StratumPlan]) -> Result<(), DrawError> {
    match &rules.quota {
        Quota::Ratio { ratios, default_bp } => {
            for s in strata.iter_mut() {
                let n = s.members.len() as u64;
                if n == 0 {
                    continue;
                }
                let listed = ratios.binary_search_by(|r| r.stratum.as_str().cmp(&s.key));
                let bp = match (listed, default_bp) {
                    (Ok(i), _) => ratios[i].bp,
                    (Err(_), Some(bp)) => *bp,
                    (Err(_), None) => {
                        return Err(DrawError::Infeasible(Infeasible::NoRatio {
                            stratum: stratum_name(rules, &s.key),
                        }));
                    }
                };
                let mut q = (n * u64::from(bp)).div_ceil(10_000);
                if bp > 0 && q < 1 {
                    q = 1;
                }
                s.quota = q.min(n) as u32;
            }
        }
        Quota::Count { total } => {
            let t = u64::from(*total);
            let big_n: u64 = strata.iter().map(|s| s.members.len() as u64).sum();
            if t > big_n {
                return Err(DrawError::Infeasible(Infeasible::CountExceedsPopulation {
                    total: *total,
                    size: big_n,
                }));
            }
            // With N = 0 the total is 0 (checked above) and every quota stays 0.
            let mut left = t;
            let mut rema: Vec<(u64, u64, usize)> = Vec::with_capacity(strata.len());
            for (i, s) in strata.iter_mut().enumerate() {
                let n = s.members.len() as u64;
                let q = (t * n).checked_div(big_n).unwrap_or(0);
                s.quota = q as u32;
                left -= q;
                rema.push(((t * n).checked_rem(big_n).unwrap_or(0), n, i));
            }
            // Largest remainder first, then larger stratum, then smaller key (strata are in key order, so
            // the smaller index).
            rema.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
            for &(_, _, i) in rema.iter().take(left as usize) {
                strata[i].quota += 1;
            }
        }
        Quota::PerStratum { counts } => {
            for s in strata.iter_mut() {
                let count = counts
                    .binary_search_by(|c| c.stratum.as_str().cmp(&s.key))
                    .map_or(0, |i| counts[i].count);
                let n = s.members.len() as u32;
                if count > n {
                    return Err(DrawError::Infeasible(Infeasible::CountExceedsStratum {
                        stratum: stratum_name(rules, &s.key),
                        count,
                        size: n,
                    }));
                }
                s.quota = count;
            }
        }
    }
    for s in strata.iter_mut() {
        // A stratum without targets has nothing to replace, so no reserve list either.
        let spare = s.members.len() as u32 - s.quota;
        s.reserve = if s.quota == 0 {
            0
        } else {
            spare.min(rules.reserve_per_stratum.unwrap_or(s.quota))
        };
    }
    Ok(())
}

/// §8.1: the first applicable reason for each inspector, and the eligible ones (`P`) in canonical order.
fn eligibility(rules: &Rules, inspectors: &[DrawInspector]) -> (Vec<(u32, IneligibleReason)>, Vec<u32>) {
    let r = &rules.inspectors;
    let mut ineligible = Vec::new();
    let mut eligible = Vec::new();
    for (i, m) in inspectors.iter().enumerate() {
        let reason = if !r.departments.iter().any(|d| *d == m.department) {
            Some(IneligibleReason::Department)
        } else if !contains(&r.active_statuses, &m.status) {
            Some(IneligibleReason::Status)
        } else if m.certificate_no.is_empty() {
            Some(IneligibleReason::NoCertificate)
        } else if m.certificate_valid_until.is_empty() {
            Some(IneligibleReason::CertificateUnknown)
        } else if m.certificate_valid_until.as_str() < rules.draw_date.as_str() {
            Some(IneligibleReason::CertificateExpired)
        } else if !r
            .required_qualifications
            .iter()
            .all(|q| contains(&m.qualifications, q))
        {
            Some(IneligibleReason::Qualification)
        } else {
            None
        };
        match reason {
            Some(reason) => ineligible.push((i as u32, reason)),
            None => eligible.push(i as u32),
        }
    }
    (ineligible, eligible)
}

fn pool<P: Population + ?Sized>(
    rules: &Rules,
    inspectors: &[DrawInspector],
    population: &P,
    recusals: &[Recusal],
    eligible: Vec<u32>,
) -> Pool {
    let r = &rules.inspectors;
    let lead = rules.lead_department();
    let mut regions: Vec<String> = eligible
        .iter()
        .map(|&i| inspectors[i as usize].region.as_str().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    regions.sort();
    regions.dedup();
    let mut pool = Pool {
        dept: Vec::with_capacity(eligible.len()),
        expert: Vec::with_capacity(eligible.len()),
        leader_ok: Vec::with_capacity(eligible.len()),
        region: Vec::with_capacity(eligible.len()),
        regions,
        explicit: Vec::new(),
        index: eligible,
    };
    for &i in &pool.index {
        let m = &inspectors[i as usize];
        let dept = r.departments.iter().position(|d| *d == m.department).unwrap_or(0);
        pool.dept.push(dept as u32);
        pool.expert.push(m.expert);
        pool.leader_ok.push(
            m.department == lead
                && (r.leader.qualification.is_empty()
                    || contains(&m.qualifications, &r.leader.qualification)),
        );
        let region = pool.region_of(&m.region);
        pool.region.push(region);
    }
    for rec in recusals {
        let Ok(inspector) = inspectors.binary_search_by(|m| m.staff_no.as_str().cmp(&rec.staff_no)) else {
            continue;
        };
        let Ok(p) = pool.index.binary_search(&(inspector as u32)) else {
            continue;
        };
        let Some(e) = find_code(population, &rec.entity_code) else {
            continue;
        };
        pool.explicit.push((e as u32, p as u32));
    }
    pool.explicit.sort_unstable();
    pool
}

/// Counts over a set of eligible inspectors, for the §8.2 conditions.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tally {
    total: u32,
    experts: u32,
    leaders: u32,
    per_dept: Vec<u32>,
}

impl Tally {
    fn empty(departments: usize) -> Tally {
        Tally {
            total: 0,
            experts: 0,
            leaders: 0,
            per_dept: vec![0; departments],
        }
    }

    fn add(&mut self, pool: &Pool, p: usize, sign: i64) {
        let step = |x: &mut u32| *x = (i64::from(*x) + sign) as u32;
        step(&mut self.total);
        if pool.expert[p] {
            step(&mut self.experts);
        }
        if pool.leader_ok[p] {
            step(&mut self.leaders);
        }
        step(&mut self.per_dept[pool.dept[p] as usize]);
    }

    fn minus(&self, other: &Tally) -> Tally {
        Tally {
            total: self.total - other.total,
            experts: self.experts - other.experts,
            leaders: self.leaders - other.leaders,
            per_dept: self
                .per_dept
                .iter()
                .zip(&other.per_dept)
                .map(|(a, b)| a - b)
                .collect(),
        }
    }
}

/// The first §8.2 condition (in the listed order, after the group size) that `t` fails for `g` groups.
enum Shortage {
    Leaders(u32),
    Experts(u32),
    Department(usize, u32),
    Inspectors(u32, u32),
}

fn shortage(rules: &Rules, t: &Tally, g: u32) -> Option<Shortage> {
    let r = &rules.inspectors;
    if r.leader.required && t.leaders < g {
        return Some(Shortage::Leaders(t.leaders));
    }
    if r.expert_required && t.experts < g {
        return Some(Shortage::Experts(t.experts));
    }
    if let Some((d, &n)) = t.per_dept.iter().enumerate().find(|&(_, &n)| n < g) {
        return Some(Shortage::Department(d, n));
    }
    let needed = u64::from(g) * u64::from(r.group_size);
    if u64::from(t.total) < needed {
        return Some(Shortage::Inspectors(
            t.total,
            needed.min(u64::from(u32::MAX)) as u32,
        ));
    }
    None
}

fn tally_all(rules: &Rules, pool: &Pool) -> Tally {
    let mut t = Tally::empty(rules.inspectors.departments.len());
    for p in 0..pool.index.len() {
        t.add(pool, p, 1);
    }
    t
}

/// §8.2.
fn check_groups(rules: &Rules, pool: &Pool, g: u32) -> Result<(), DrawError> {
    let r = &rules.inspectors;
    let d = r.departments.len() as u32;
    let needed = if r.leader.required && r.expert_required {
        d + 1
    } else {
        d
    };
    if r.group_size < needed.max(2) {
        return Err(DrawError::Infeasible(Infeasible::GroupSize {
            group_size: r.group_size,
            needed: needed.max(2),
        }));
    }
    let t = tally_all(rules, pool);
    Err(DrawError::Infeasible(match shortage(rules, &t, g) {
        None => return Ok(()),
        Some(Shortage::Leaders(available)) => Infeasible::Leaders {
            department: rules.lead_department().to_string(),
            needed: g,
            available,
        },
        Some(Shortage::Experts(available)) => Infeasible::Experts { needed: g, available },
        Some(Shortage::Department(i, available)) => Infeasible::Department {
            department: r.departments[i].clone(),
            needed: g,
            available,
        },
        Some(Shortage::Inspectors(available, needed)) => Infeasible::Inspectors { needed, available },
    }))
}

/// §8.4: every non-excluded entity of a stratum with `q > 0` must leave, after removing the inspectors that
/// conflict with it, enough inspectors for one group. The first failing entity in canonical order is named.
///
/// Entities without explicit recusals depend only on their region, so their verdict is computed once per
/// region; the population is scanned only if some region fails.
fn check_recusals<P: Population + ?Sized>(
    rules: &Rules,
    population: &P,
    excluded: &Excluded,
    strata: &[StratumPlan],
    pool: &Pool,
) -> Result<(), DrawError> {
    let same_region = rules.inspectors.recuse_same_region;
    let all = tally_all(rules, pool);
    let n_dept = rules.inspectors.departments.len();
    let mut by_region = vec![Tally::empty(n_dept); pool.regions.len()];
    for p in 0..pool.index.len() {
        if pool.region[p] != NO_REGION {
            by_region[pool.region[p] as usize].add(pool, p, 1);
        }
    }
    let region_verdict: Vec<Option<Shortage>> = if same_region {
        by_region
            .iter()
            .map(|t| shortage(rules, &all.minus(t), 1))
            .collect()
    } else {
        Vec::new()
    };
    let base_verdict = shortage(rules, &all, 1);
    // The whole pool can form g ≥ 1 groups, so it can form one.
    debug_assert!(base_verdict.is_none());

    let mut drawn_from = vec![false; population.len()];
    for s in strata.iter().filter(|s| s.quota > 0) {
        for &e in &s.members {
            drawn_from[e as usize] = true;
        }
    }
    let verdict = |e: usize| -> Option<Shortage> {
        let region = if same_region {
            pool.region_of(population.region(e))
        } else {
            NO_REGION
        };
        let mut explicit = pool.explicit_of(e as u32).peekable();
        if explicit.peek().is_none() {
            return if region == NO_REGION {
                None
            } else {
                shortage(rules, &all.minus(&by_region[region as usize]), 1)
            };
        }
        let mut t = if region == NO_REGION {
            all.clone()
        } else {
            all.minus(&by_region[region as usize])
        };
        for p in explicit {
            if region == NO_REGION || pool.region[p as usize] != region {
                t.add(pool, p as usize, -1);
            }
        }
        shortage(rules, &t, 1)
    };
    let any_region_fails = region_verdict.iter().any(Option::is_some);
    let first = if any_region_fails {
        (0..population.len())
            .filter(|&e| drawn_from[e] && !excluded.flag[e])
            .find_map(|e| verdict(e).map(|s| (e, s)))
    } else {
        let mut candidates: Vec<usize> = pool.explicit.iter().map(|&(e, _)| e as usize).collect();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|&e| drawn_from[e] && !excluded.flag[e])
            .find_map(|e| verdict(e).map(|s| (e, s)))
    };
    let Some((e, s)) = first else {
        return Ok(());
    };
    let lacking = match s {
        Shortage::Leaders(_) => Lack::Leader,
        Shortage::Experts(_) => Lack::Expert,
        Shortage::Department(d, _) => Lack::Department(rules.inspectors.departments[d].clone()),
        Shortage::Inspectors(available, needed) => Lack::Inspectors { available, needed },
    };
    Err(DrawError::Infeasible(Infeasible::Recusal {
        code: population.code(e).to_owned(),
        name: population.name(e).to_owned(),
        lacking,
    }))
}

/// Position of the entity with `code` (binary search over the canonical order).
fn find_code<P: Population + ?Sized>(population: &P, code: &str) -> Option<usize> {
    let (mut lo, mut hi) = (0, population.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match population.code(mid).cmp(code) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Some(mid),
        }
    }
    None
}

impl Frozen {
    /// The population in canonical order.
    pub fn population(&self) -> &[DrawEntity] {
        &self.population
    }

    /// An entity by code (binary search over the canonical order).
    pub fn entity(&self, code: &str) -> Option<&DrawEntity> {
        find_code(&self.population, code).map(|i| &self.population[i])
    }
}

impl<P: Population> Frozen<P> {
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    pub fn fingerprints(&self) -> &InputFingerprints {
        &self.fingerprints
    }

    /// The inspector pool in canonical order.
    pub fn inspectors(&self) -> &[DrawInspector] {
        &self.inspectors
    }

    /// The recusal list in canonical order.
    pub fn recusals(&self) -> &[Recusal] {
        &self.recusals
    }

    /// The number of targets `k`.
    pub fn targets(&self) -> u32 {
        self.k
    }

    /// The number of groups `g`.
    pub fn groups(&self) -> u32 {
        self.g
    }

    /// An inspector by staff number.
    pub fn inspector(&self, staff_no: &str) -> Option<&DrawInspector> {
        self.inspectors
            .binary_search_by(|m| m.staff_no.as_str().cmp(staff_no))
            .ok()
            .map(|i| &self.inspectors[i])
    }

    /// The strata with size, quota and reserve length, in key order.
    pub fn strata(&self) -> Vec<StratumSummary> {
        self.strata
            .iter()
            .map(|s| StratumSummary {
                key: s.key.clone(),
                size: s.members.len() as u32,
                quota: s.quota,
                reserve: s.reserve,
            })
            .collect()
    }

    /// The plain summary shown before any randomness exists.
    pub fn summary(&self) -> FreezeSummary {
        let r = &self.rules;
        FreezeSummary {
            task_number: r.task.number.clone(),
            task_name: r.task.name.clone(),
            attempt: r.task.attempt,
            draw_date: r.draw_date.clone(),
            strata_by: r.strata,
            population: self.population.len() as u32,
            excluded: ExclusionReason::ALL
                .iter()
                .map(|&reason| ReasonCount {
                    reason,
                    count: self.excluded.iter().filter(|x| x.1 == reason).count() as u32,
                })
                .collect(),
            strata: self.strata(),
            targets: self.k,
            groups: self.g,
            group_size: r.inspectors.group_size,
            inspectors: self.inspectors.len() as u32,
            eligible_inspectors: self.pool.index.len() as u32,
            ineligible_inspectors: IneligibleReason::ALL
                .iter()
                .map(|&reason| ReasonCount {
                    reason,
                    count: self.ineligible.iter().filter(|x| x.1 == reason).count() as u32,
                })
                .collect(),
            departments: r.inspectors.departments.clone(),
            leader_required: r.inspectors.leader.required,
            expert_required: r.inspectors.expert_required,
            recuse_same_region: r.inspectors.recuse_same_region,
            recusals: self.recusals.len() as u32,
            fingerprints: self.fingerprints,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::population::LeanPopulation;
    use crate::draw::rules::tests::example;

    /// Just enough entities for the plan's passes to run over two halves, with exclusions of every kind and
    /// runs of keys on both sides of the middle.
    fn two_halves() -> (Rules, Vec<DrawEntity>) {
        let n = HALVES_FROM + 11;
        let population = (0..n)
            .map(|i| DrawEntity {
                code: format!("C{i:08}").into(),
                region: if i % 3 == 0 { "R1" } else { "R2" }.into(),
                status: if i % 7 == 0 { "注销" } else { "存续" }.into(),
                risk_class: ["A", "B", "", "C"][(i / 5) % 4].into(),
                last_inspected: if i % 11 == 0 { "2026-06-01" } else { "2024-01-01" }.into(),
                ..Default::default()
            })
            .collect();
        let mut v = example();
        v["scope"]["regions"] = serde_json::json!(["R1", "R2"]);
        v["exclusions"]["entities"] = serde_json::json!([
            { "code": format!("C{:08}", n / 2 - 1), "reason": "立案调查" },
            { "code": format!("C{:08}", n / 2), "reason": "立案调查" },
        ]);
        (Rules::from_value(v).unwrap(), population)
    }

    #[test]
    fn the_passes_over_two_halves_give_the_one_pass_results() {
        let (rules, population) = two_halves();
        let n = population.len();
        assert_eq!(check_scope(&rules, &population), Ok(()));

        let expected: Vec<(u32, ExclusionReason)> = (0..n)
            .filter_map(|i| {
                let reason = if i == n / 2 - 1 || i == n / 2 {
                    ExclusionReason::Explicit
                } else if i % 7 == 0 {
                    ExclusionReason::Status
                } else if i % 11 == 0 {
                    ExclusionReason::RecentlyInspected
                } else {
                    return None;
                };
                Some((i as u32, reason))
            })
            .collect();
        let excluded = exclusions(&rules, &population);
        assert_eq!(excluded.list, expected);
        assert_eq!(excluded.flag.iter().filter(|&&f| f).count(), expected.len());
        assert!(expected.iter().all(|&(i, _)| excluded.flag[i as usize]));

        let strata = strata(&rules, &population, &excluded);
        let keys: Vec<&str> = strata.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["A", "B", "C", UNCLASSIFIED]);
        for s in &strata {
            let members: Vec<u32> = (0..n)
                .filter(|&i| !excluded.flag[i] && risk_key(&population[i].risk_class) == s.key)
                .map(|i| i as u32)
                .collect();
            assert_eq!(s.members, members, "{}", s.key);
        }
    }

    /// A lean population (its values numbered, so the passes decide once per value: `PerValue`) gives the
    /// whole rows' results over two halves, with every scope filter set, and names the same first entity out
    /// of scope for each filter in either half, also when the value was seen in scope before.
    #[test]
    fn a_lean_population_decided_per_value_gives_the_whole_rows_results() {
        let (rules, mut population) = two_halves();
        let n = population.len();
        for (i, e) in population.iter_mut().enumerate() {
            e.industry = ["I1", "I2"][i % 2].into();
            e.entity_type = ["T1", "T2"][i % 3 % 2].into();
        }
        let mut v = example();
        v["scope"]["regions"] = serde_json::json!(["R1", "R2"]);
        v["exclusions"]["entities"] = serde_json::to_value(&rules.exclusions.entities).unwrap();
        let mut classes = vec!["A", "B", "C", UNCLASSIFIED];
        classes.sort_unstable();
        v["scope"]["industries"] = serde_json::json!(["I1", "I2"]);
        v["scope"]["entity_types"] = serde_json::json!(["T1", "T2"]);
        v["scope"]["risk_classes"] = serde_json::json!(classes);
        let rules = Rules::from_value(v).unwrap();
        let lean = |population: &[DrawEntity]| {
            let mut lean = LeanPopulation::default();
            for e in population {
                assert!(lean.push(None, &e.row()));
            }
            lean
        };
        let members = |strata: Vec<StratumPlan>| -> Vec<(String, Vec<u32>)> {
            strata.into_iter().map(|s| (s.key, s.members)).collect()
        };
        let whole_excluded = exclusions(&rules, &population);
        let lean_population = lean(&population);
        let lean_excluded = exclusions(&rules, &lean_population);
        assert_eq!(check_scope(&rules, &lean_population), Ok(()));
        assert_eq!(check_scope(&rules, &population), Ok(()));
        assert_eq!(lean_excluded.list, whole_excluded.list);
        assert_eq!(lean_excluded.flag, whole_excluded.flag);
        assert_eq!(
            members(strata(&rules, &lean_population, &lean_excluded)),
            members(strata(&rules, &population, &whole_excluded))
        );
        type Change = fn(&mut DrawEntity);
        let changes: [(usize, Change); 4] = [
            (n - 2, |e| e.region = "R3".into()),
            (n / 2 + 1, |e| e.industry = "I3".into()),
            (n / 2 - 3, |e| e.entity_type = "T3".into()),
            (3, |e| e.risk_class = "D".into()),
        ];
        for (at, change) in changes {
            change(&mut population[at]);
            let whole = check_scope(&rules, &population);
            let named = format!("{whole:?}");
            assert!(whole.is_err() && named.contains(&*population[at].code), "{named}");
            assert_eq!(check_scope(&rules, &lean(&population)), whole);
        }
    }

    /// The strata of a lean population (each value number's list found once, by its key) are the whole
    /// rows' strata, in either half, by every kind of strata: also where values of different numbers share a
    /// key, as every risk class does without strata, and an empty region does with one named 未分类.
    #[test]
    fn lean_strata_are_the_whole_rows_strata_by_every_kind() {
        let (two_halves_rules, mut population) = two_halves();
        for (i, e) in population.iter_mut().enumerate() {
            e.region = ["R1", "", "R2", UNCLASSIFIED, "R3"][(i / 3) % 5].into();
        }
        let mut lean = LeanPopulation::default();
        for e in &population {
            assert!(lean.push(None, &e.row()));
        }
        let members = |strata: Vec<StratumPlan>| -> Vec<(String, Vec<u32>)> {
            strata.into_iter().map(|s| (s.key, s.members)).collect()
        };
        // The example's quota lists stratum A, which is a stratum whatever the rows.
        for (by, keys) in [
            ("none", vec!["", "A"]),
            ("risk_class", vec!["A", "B", "C", UNCLASSIFIED]),
            ("region", vec!["A", "R1", "R2", "R3", UNCLASSIFIED]),
        ] {
            let mut v = example();
            v["strata"] = serde_json::json!(by);
            // Two explicit exclusions, one at the end of each half, beside those by status and date.
            v["exclusions"]["entities"] =
                serde_json::to_value(&two_halves_rules.exclusions.entities).unwrap();
            let rules = Rules::from_value(v).unwrap();
            let excluded = exclusions(&rules, &population);
            assert!(excluded.list.iter().any(|&(_, r)| r == ExclusionReason::Explicit));
            let whole = members(strata(&rules, &population, &excluded));
            let found: Vec<&str> = whole.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(found, keys, "{by}");
            assert_eq!(
                members(strata(&rules, &lean, &exclusions(&rules, &lean))),
                whole,
                "{by}"
            );
            // Each stratum is every entity not excluded with its key, in canonical order.
            for (key, members) in &whole {
                let expected: Vec<u32> = (0..population.len())
                    .filter(|&i| {
                        let e = &population[i];
                        let its = match by {
                            "none" => "",
                            "risk_class" => risk_key(&e.risk_class),
                            _ if e.region.is_empty() => UNCLASSIFIED,
                            _ => &e.region,
                        };
                        !excluded.flag[i] && its == key
                    })
                    .map(|i| i as u32)
                    .collect();
                assert_eq!(members, &expected, "{by} {key}");
            }
        }
    }

    #[test]
    fn the_first_entity_out_of_scope_is_named_whichever_half_it_is_in() {
        let (rules, mut population) = two_halves();
        let n = population.len();
        let out_of_scope = |population: &Vec<DrawEntity>, i: usize| {
            Err(DrawError::input(
                InputCode::OutOfScope,
                Place::Entity {
                    code: population[i].code.to_string(),
                    name: String::new(),
                },
                "region \"R3\"",
            ))
        };
        population[n - 2].region = "R3".into();
        assert_eq!(check_scope(&rules, &population), out_of_scope(&population, n - 2));
        population[n / 2 + 1].region = "R3".into();
        assert_eq!(
            check_scope(&rules, &population),
            out_of_scope(&population, n / 2 + 1)
        );
        population[1].region = "R3".into();
        assert_eq!(check_scope(&rules, &population), out_of_scope(&population, 1));
    }
}
