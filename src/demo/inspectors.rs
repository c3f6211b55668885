//! Synthetic inspectors (执法检查人员) of the Yongzhou joint-meeting departments.
//!
//! Most work for 市场监管局, but when there are enough of them every department gets at least three, so
//! joint (跨部门) tasks are feasible. Certificates (执法证) expire: about one in ten has lapsed before the
//! as-of date, which the draw must exclude.

use chrono::{Days, NaiveDate};

use super::lists::DEPARTMENTS;
use super::names;
use super::places::{self, CITY_DIVISION_CODE};
use super::rng::{DemoRng, Scatter, Stream};
use crate::model::Inspector;

/// The most inspectors one run may ask for (certificate serials have six digits).
pub const MAX_INSPECTORS: usize = 999_999;

/// Each department's weight among the inspectors, in the order of [`DEPARTMENTS`]: 市场监管局 has almost
/// half of them.
static DEPARTMENT_WEIGHTS: [u32; 17] = [45, 2, 2, 3, 5, 3, 5, 5, 5, 5, 2, 4, 5, 5, 4, 2, 3];

/// Every department gets at least this many inspectors when there are enough for all.
const MIN_PER_DEPARTMENT: usize = 3;

/// 状态 with weights.
static STATUSES: &[(&str, u32)] = &[("在岗", 90), ("借调", 4), ("离岗", 5), ("退休", 1)];

/// The region an inspector works in: the city itself (市本级) or one of the districts.
fn region(rng: &mut DemoRng) -> (&'static str, &'static str) {
    // 市本级 staff are about a fifth of all.
    if rng.percent(20) {
        return ("永州市", CITY_DIVISION_CODE);
    }
    let d = rng.weighted(places::DISTRICTS, |d| d.weight);
    (d.name, d.division_code)
}

/// `m` inspectors (at most [`MAX_INSPECTORS`]); see [`super::inspectors`].
pub(super) fn generate(seed: &[u8], m: usize, as_of: NaiveDate) -> Vec<Inspector> {
    let m = m.min(MAX_INSPECTORS);
    let mut rng = DemoRng::new(seed, Stream::Inspectors);
    let serials = Scatter::new(&mut rng, 10, 6);

    let mut departments: Vec<usize> = Vec::with_capacity(m);
    if m >= DEPARTMENTS.len() * (MIN_PER_DEPARTMENT + 1) {
        for d in 0..DEPARTMENTS.len() {
            departments.extend(std::iter::repeat_n(d, MIN_PER_DEPARTMENT));
        }
    }
    let indices: Vec<usize> = (0..DEPARTMENTS.len()).collect();
    while departments.len() < m {
        departments.push(*rng.weighted(&indices, |&d| DEPARTMENT_WEIGHTS[d]));
    }
    rng.shuffle(&mut departments);

    let width = m.to_string().len().max(4);
    departments
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let dept = &DEPARTMENTS[d];
            let name = names::person(&mut rng);
            let (region, division) = region(&mut rng);
            let certificate_no = format!("{division}{:06}", serials.map(i as u64));
            let certificate_valid_until = match rng.below(100) {
                0..2 => None,
                2..12 => as_of.checked_sub_days(Days::new(1 + rng.below(730))),
                _ => as_of.checked_add_days(Days::new(rng.below(1826))),
            };
            let k = 1 + rng.index(3);
            let mut qualifications: Vec<String> = rng
                .sample(dept.qualifications, k)
                .into_iter()
                .map(|q| q.to_string())
                .collect();
            qualifications.sort();
            let expert = rng.percent(10);
            let status = rng.weighted(STATUSES, |s| s.1).0;
            Inspector {
                staff_no: format!("YZ{:0width$}", i + 1),
                name,
                department: dept.code.to_string(),
                certificate_no,
                certificate_valid_until,
                qualifications,
                expert,
                region: region.to_string(),
                status: status.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    #[test]
    fn every_department_has_at_least_three_when_there_are_enough() {
        let v = generate(b"d", 200, as_of());
        let mut per: BTreeMap<&str, usize> = BTreeMap::new();
        for i in &v {
            *per.entry(i.department.as_str()).or_default() += 1;
        }
        assert_eq!(per.len(), 17);
        assert!(per.values().all(|&n| n >= MIN_PER_DEPARTMENT), "{per:?}");
        assert!(per["D01"] > 60, "{per:?}");
    }

    #[test]
    fn numbers_are_unique_and_qualifications_belong_to_the_department() {
        let v = generate(b"u", 3000, as_of());
        assert_eq!(v.len(), 3000);
        assert_eq!(v[0].staff_no, "YZ0001");
        assert_eq!(v[2999].staff_no, "YZ3000");
        let certs: HashSet<&str> = v.iter().map(|i| i.certificate_no.as_str()).collect();
        assert_eq!(certs.len(), 3000);
        for i in &v {
            assert_eq!(i.certificate_no.len(), 12);
            assert!(i.certificate_no.starts_with("4311"));
            let dept = DEPARTMENTS.iter().find(|d| d.code == i.department).unwrap();
            assert!(!i.qualifications.is_empty() && i.qualifications.len() <= 3);
            assert!(
                i.qualifications
                    .iter()
                    .all(|q| dept.qualifications.contains(&q.as_str()))
            );
        }
    }

    #[test]
    fn small_registers_have_the_requested_size() {
        assert!(generate(b"x", 0, as_of()).is_empty());
        assert_eq!(generate(b"x", 5, as_of()).len(), 5);
    }
}
