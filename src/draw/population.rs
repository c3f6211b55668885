//! The population as the plan (§6–§8) and the draw read it: entity fields by position in canonical order.
//!
//! The draw of `fairdraw draw` and of the ceremony works on whole [`DrawEntity`] rows, which the bundle and
//! the record need anyway. A verifier has already checked and hashed every whole row as it read it, and needs
//! only the few fields the plan and the draw read; a million 312-byte `DrawEntity`s cost it more in page
//! faults and allocations than the draw itself. [`LeanPopulation`] keeps just those fields, a million
//! entities in about 80 MB, and the plan and the draw are generic over [`Population`] so that both give
//! the same result from either.

use super::inputs::{DrawEntity, EntityRow, Text};
use super::rules::Scope;

/// Read access to the fields the plan and the draw use, by position in canonical order. `name` appears only
/// in the message of a plan that fails; `entity_type`, `industry` and `tags` only where the scope filters on
/// them.
pub trait Population: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn code(&self, i: usize) -> &str;
    fn name(&self, i: usize) -> &str;
    fn entity_type(&self, i: usize) -> &str;
    fn industry(&self, i: usize) -> &str;
    fn region(&self, i: usize) -> &str;
    fn status(&self, i: usize) -> &str;
    fn risk_class(&self, i: usize) -> &str;
    fn tags(&self, i: usize) -> &[Text];
    fn last_inspected(&self, i: usize) -> &str;
}

/// Whole rows: a slice (one entity, for [`Scope::admits`]) or the vector a [`Frozen`](super::Frozen) holds.
macro_rules! whole_rows {
    ($t:ty) => {
        impl Population for $t {
            fn len(&self) -> usize {
                <[DrawEntity]>::len(self)
            }
            fn code(&self, i: usize) -> &str {
                &self[i].code
            }
            fn name(&self, i: usize) -> &str {
                &self[i].name
            }
            fn entity_type(&self, i: usize) -> &str {
                &self[i].entity_type
            }
            fn industry(&self, i: usize) -> &str {
                &self[i].industry
            }
            fn region(&self, i: usize) -> &str {
                &self[i].region
            }
            fn status(&self, i: usize) -> &str {
                &self[i].status
            }
            fn risk_class(&self, i: usize) -> &str {
                &self[i].risk_class
            }
            fn tags(&self, i: usize) -> &[Text] {
                &self[i].tags
            }
            fn last_inspected(&self, i: usize) -> &str {
                &self[i].last_inspected
            }
        }
    };
}
whole_rows!([DrawEntity]);
whole_rows!(Vec<DrawEntity>);

/// Fields of an entity in [`LeanPopulation::text`], in this order.
const FIELDS: usize = 7;
const CODE: usize = 0;
const ENTITY_TYPE: usize = 1;
const INDUSTRY: usize = 2;
const REGION: usize = 3;
const STATUS: usize = 4;
const RISK_CLASS: usize = 5;
const LAST_INSPECTED: usize = 6;

/// A population kept only as far as the plan and the draw read it: `code`, `region`, `status`, `risk_class`
/// and `last_inspected` of every entity, `entity_type`, `industry` and `tags` only while the scope is unknown
/// or filters on them, and no `name` (empty). The fields of all entities are one string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeanPopulation {
    text: String,
    /// Per entity, the ends of its [`FIELDS`] fields in `text`; a field starts where the one before ends.
    ends: Vec<u32>,
    /// The entities with tags kept, as (entity, tags), ascending.
    tags: Vec<(u32, Vec<Text>)>,
}

impl LeanPopulation {
    /// Appends the fields of `row` the plan can read under `scope` (`None`: not known yet, keep them all).
    /// `false` (nothing appended) if the population outgrows 32-bit offsets.
    pub fn push<S: AsRef<str>>(&mut self, scope: Option<&Scope>, row: &EntityRow<'_, S>) -> bool {
        let keep = |unused: fn(&Scope) -> bool| !scope.is_some_and(unused);
        let fields: [&str; FIELDS] = [
            row.code,
            if keep(|s| s.entity_types.is_empty()) {
                row.entity_type
            } else {
                ""
            },
            if keep(|s| s.industries.is_empty()) {
                row.industry
            } else {
                ""
            },
            row.region,
            row.status,
            row.risk_class,
            row.last_inspected,
        ];
        let added: usize = fields.iter().map(|f| f.len()).sum();
        if self.text.len() + added > u32::MAX as usize || self.ends.len() / FIELDS >= u32::MAX as usize {
            return false;
        }
        let entity = (self.ends.len() / FIELDS) as u32;
        for f in fields {
            self.text.push_str(f);
            self.ends.push(self.text.len() as u32);
        }
        if keep(|s| s.tags_any.is_empty()) && !row.tags.is_empty() {
            let tags = row.tags.iter().map(|t| Text::from(t.as_ref())).collect();
            self.tags.push((entity, tags));
        }
        true
    }

    /// Appends the entities of `other` after these; `false` (nothing appended) if the population outgrows
    /// 32-bit offsets.
    pub fn append(&mut self, other: LeanPopulation) -> bool {
        let base = self.text.len();
        let first = self.len();
        if base + other.text.len() > u32::MAX as usize || first + other.len() > u32::MAX as usize {
            return false;
        }
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|&e| e + base as u32));
        self.tags
            .extend(other.tags.into_iter().map(|(e, tags)| (e + first as u32, tags)));
        true
    }

    fn field(&self, i: usize, f: usize) -> &str {
        let at = i * FIELDS + f;
        let start = if at == 0 { 0 } else { self.ends[at - 1] as usize };
        &self.text[start..self.ends[at] as usize]
    }
}

impl Population for LeanPopulation {
    fn len(&self) -> usize {
        self.ends.len() / FIELDS
    }
    fn code(&self, i: usize) -> &str {
        self.field(i, CODE)
    }
    fn name(&self, _: usize) -> &str {
        ""
    }
    fn entity_type(&self, i: usize) -> &str {
        self.field(i, ENTITY_TYPE)
    }
    fn industry(&self, i: usize) -> &str {
        self.field(i, INDUSTRY)
    }
    fn region(&self, i: usize) -> &str {
        self.field(i, REGION)
    }
    fn status(&self, i: usize) -> &str {
        self.field(i, STATUS)
    }
    fn risk_class(&self, i: usize) -> &str {
        self.field(i, RISK_CLASS)
    }
    fn tags(&self, i: usize) -> &[Text] {
        match self.tags.binary_search_by_key(&(i as u32), |(e, _)| *e) {
            Ok(at) => &self.tags[at].1,
            Err(_) => &[],
        }
    }
    fn last_inspected(&self, i: usize) -> &str {
        self.field(i, LAST_INSPECTED)
    }
}
