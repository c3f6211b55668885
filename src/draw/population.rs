//! The population as the plan (§6–§8) and the draw read it: entity fields by position in canonical order.
//!
//! The draw of `fairdraw draw` and of the ceremony works on whole [`DrawEntity`] rows, which the bundle and
//! the record need anyway. A verifier has already checked and hashed every whole row as it read it, and needs
//! only the few fields the plan and the draw read; a million 312-byte `DrawEntity`s cost it more in page
//! faults and allocations than the draw itself. [`LeanPopulation`] keeps just those fields, a million
//! entities in about 50 MB, and the plan and the draw are generic over [`Population`] so that both give
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
    /// For a population that stores each distinct field value once ([`LeanPopulation`]), how many distinct
    /// values it holds, so that the plan's passes can decide once per value rather than once per entity;
    /// `None` (whole rows): decide per entity.
    fn distinct_values(&self) -> Option<usize> {
        None
    }
    /// The number (below [`Population::distinct_values`]) of entity `i`'s value of `field`: equal numbers,
    /// equal values. Only asked when `distinct_values` is `Some`.
    fn value_id(&self, _i: usize, _field: Field) -> usize {
        0
    }
}

/// The fields a [`Population`] may number ([`Population::value_id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    EntityType = 0,
    Industry = 1,
    Region = 2,
    Status = 3,
    RiskClass = 4,
    LastInspected = 5,
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

/// The columns of [`LeanPopulation::fields`], in this order (that of [`Field`]).
const ENTITY_TYPE: usize = Field::EntityType as usize;
const INDUSTRY: usize = Field::Industry as usize;
const REGION: usize = Field::Region as usize;
const STATUS: usize = Field::Status as usize;
const RISK_CLASS: usize = Field::RiskClass as usize;
const LAST_INSPECTED: usize = Field::LastInspected as usize;

/// Values of up to this many bytes (regions, statuses, risk classes, dates) are interned by a [`ShortKey`].
const SHORT: usize = 16;

/// A value of 1 to [`SHORT`] bytes as numbers that determine it: its first and last (up to) eight bytes,
/// which overlap for values shorter than 16 bytes, and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ShortKey(u64, u64, u8);

impl ShortKey {
    /// One number for the key: equal keys give equal numbers, and the rare unequal keys that give one too
    /// are told apart by comparison.
    #[inline]
    fn folded(&self) -> u64 {
        self.0 ^ self.1.rotate_left(23) ^ u64::from(self.2) << 58
    }
}

impl std::hash::Hash for ShortKey {
    /// Every number of the key goes to the map's seeded hasher: [`ShortKey::folded`] alone is easy to
    /// collide on purpose (a bit flipped in the first eight bytes undone by one in the last eight), and a
    /// population of such values would put them all in one probe chain.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
        state.write_u64(self.1 ^ u64::from(self.2) << 56);
    }
}

/// Slots of [`LeanPopulation::seen`]: enough that the dates of the last inspections (a few hundred distinct
/// ones, in no order) mostly keep their slots; 256 slots sent most of them to the map.
const SEEN: usize = 1024;

/// The [`ShortKey`] of `value`, or `None` if it is empty or longer than [`SHORT`] bytes. Read as at most four
/// loads of fixed size, without a loop or a call: the first and last 8 (or 4, or 1) bytes cover every byte
/// of a value of 8..16 (4..8, 1..4) bytes, and with the length they tell every value apart.
#[inline]
fn short_key(value: &str) -> Option<ShortKey> {
    let b = value.as_bytes();
    let n = b.len();
    let word = |at: usize| -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let half = |at: usize| -> u64 {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[at..at + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    let (first, last) = match n {
        0 => return None,
        1..4 => (
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        ),
        4..8 => (half(0), half(n - 4)),
        8..=SHORT => (word(0), word(n - 8)),
        _ => return None,
    };
    Some(ShortKey(first, last, n as u8))
}

/// A population kept only as far as the plan and the draw read it: `code`, `region`, `status`, `risk_class`
/// and `last_inspected` of every entity, `entity_type`, `industry` and `tags` only while the scope is unknown
/// or filters on them, and no `name` (empty). Field values repeat a lot (a few regions, statuses, classes and
/// dates among a million entities), so each distinct value is stored once.
#[derive(Clone, Debug, PartialEq)]
pub struct LeanPopulation {
    /// The codes (inline up to 24 bytes), in canonical order.
    codes: Vec<Text>,
    /// Per field other than the code (in the order of [`Field`]), each entity's value as a position in
    /// `values`: one column per field, so that a pass of the plan over a million entities reads only the
    /// 4 MB of the field it decides on.
    fields: [Vec<u32>; 6],
    /// The distinct field values, `""` first.
    values: Vec<Text>,
    /// Position in `values` of each value longer than [`SHORT`] bytes.
    index: hashbrown::HashMap<Text, u32>,
    /// Position in `values` of each value of 1 to [`SHORT`] bytes, by its [`short_key`].
    short: hashbrown::HashMap<ShortKey, u32>,
    /// The entities with tags kept, as (entity, tags), ascending.
    tags: Vec<(u32, Vec<Text>)>,
    /// The value of each field in the entity pushed last: a comparison is cheaper than a lookup, and
    /// statuses and classes often repeat.
    recent: [u32; 6],
    /// Short values met lately, as (key, position in `values`), each in the slot its key's number picks
    /// (empty until the first short value): one load and comparison find nearly every short value, for a
    /// population holds few of them (regions, statuses, classes and recent dates); a miss asks `short`.
    seen: Vec<(ShortKey, u32)>,
}

impl Default for LeanPopulation {
    fn default() -> Self {
        LeanPopulation {
            codes: Vec::new(),
            fields: Default::default(),
            values: vec![Text::default()],
            index: hashbrown::HashMap::from_iter([(Text::default(), 0)]),
            short: hashbrown::HashMap::new(),
            tags: Vec::new(),
            recent: [0; 6],
            seen: Vec::new(),
        }
    }
}

impl LeanPopulation {
    /// Position of `value` in `values`, added if new.
    fn value(&mut self, value: &str) -> u32 {
        if value.is_empty() {
            return 0;
        }
        if let Some(key) = short_key(value) {
            return self.short_value(key, value);
        }
        if let Some(&at) = self.index.get(value) {
            return at;
        }
        let at = self.values.len() as u32;
        self.values.push(value.into());
        self.index.insert(value.into(), at);
        at
    }

    /// Position of `value`, whose key is `key`, in `values`, added if new.
    #[inline]
    fn short_value(&mut self, key: ShortKey, value: &str) -> u32 {
        if self.seen.is_empty() {
            // No value has a key of length 0: an empty slot matches none.
            self.seen.resize(SEEN, (ShortKey(0, 0, 0), 0));
        }
        // The top bits of a multiplication by 2^64 / φ spread every bit of the number over the slots.
        let slot = (key.folded().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 54) as usize % SEEN;
        if self.seen[slot].0 == key {
            return self.seen[slot].1;
        }
        let at = match self.short.get(&key) {
            Some(&at) => at,
            None => {
                let at = self.values.len() as u32;
                self.values.push(value.into());
                self.short.insert(key, at);
                at
            }
        };
        self.seen[slot] = (key, at);
        at
    }

    /// Appends the fields of `row` the plan can read under `scope` (`None`: not known yet, keep them all).
    /// `false` (nothing appended) if the population already holds `u32::MAX` entities.
    pub fn push<S: AsRef<str>>(&mut self, scope: Option<&Scope>, row: &EntityRow<'_, S>) -> bool {
        let values = [
            row.entity_type,
            row.industry,
            row.region,
            row.status,
            row.risk_class,
            row.last_inspected,
        ];
        self.push_fields(scope, row.code, values, row.tags)
    }

    /// [`LeanPopulation::push`] of an entity's code, its `values` of the fields of [`Field`] in that order,
    /// and its tags, for a caller that has them without an [`EntityRow`].
    #[inline]
    pub(crate) fn push_fields<S: AsRef<str>>(
        &mut self,
        scope: Option<&Scope>,
        code: &str,
        values: [&str; 6],
        tags: &[S],
    ) -> bool {
        let entity = self.codes.len();
        if entity >= u32::MAX as usize {
            return false;
        }
        let keep = |unused: fn(&Scope) -> bool| !scope.is_some_and(unused);
        fn kept(kept: bool, value: &str) -> &str {
            if kept { value } else { "" }
        }
        let [entity_type, industry, region, status, risk_class, last_inspected] = values;
        let values = [
            kept(keep(|s| s.entity_types.is_empty()), entity_type),
            kept(keep(|s| s.industries.is_empty()), industry),
            region,
            status,
            risk_class,
            last_inspected,
        ];
        let mut fields = self.recent;
        for (f, value) in fields.iter_mut().zip(values) {
            // A short value is looked up at once (its key is a few loads, found among the values seen
            // lately by one comparison); a long one is compared with the entity before's first.
            if value.is_empty() {
                *f = 0;
            } else if value.len() <= SHORT || self.values[*f as usize] != value {
                *f = self.value(value);
            }
        }
        self.recent = fields;
        self.codes.push(code.into());
        for (column, f) in self.fields.iter_mut().zip(fields) {
            column.push(f);
        }
        if keep(|s| s.tags_any.is_empty()) && !tags.is_empty() {
            let tags = tags.iter().map(|t| Text::from(t.as_ref())).collect();
            self.tags.push((entity as u32, tags));
        }
        true
    }

    /// Makes room for `more` entities if it can (`more` may come from a damaged file: a failed allocation
    /// is left to the entities' own growth).
    pub fn reserve(&mut self, more: usize) {
        let more = more.min(u32::MAX as usize);
        let _ = self.codes.try_reserve_exact(more);
        for column in &mut self.fields {
            let _ = column.try_reserve_exact(more);
        }
    }

    /// Appends the entities of `other` after these; `false` (nothing appended) if there would be more than
    /// `u32::MAX`.
    pub fn append(&mut self, other: LeanPopulation) -> bool {
        let first = self.codes.len();
        if first + other.codes.len() > u32::MAX as usize {
            return false;
        }
        let to_here: Vec<u32> = other.values.iter().map(|v| self.value(v)).collect();
        self.codes.extend(other.codes);
        for (column, theirs) in self.fields.iter_mut().zip(other.fields) {
            column.extend(theirs.into_iter().map(|f| to_here[f as usize]));
        }
        self.tags
            .extend(other.tags.into_iter().map(|(e, tags)| (e + first as u32, tags)));
        true
    }

    fn field(&self, i: usize, f: usize) -> &str {
        &self.values[self.fields[f][i] as usize]
    }
}

impl Population for LeanPopulation {
    fn len(&self) -> usize {
        self.codes.len()
    }
    fn code(&self, i: usize) -> &str {
        &self.codes[i]
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
    fn distinct_values(&self) -> Option<usize> {
        Some(self.values.len())
    }
    fn value_id(&self, i: usize, field: Field) -> usize {
        self.fields[field as usize][i] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values that differ in one byte anywhere, or only in length, get their own places, and every field
    /// reads back as pushed: keys of short values are exact, however the bytes overlap, and the values seen
    /// lately are found again (the whole list goes in twice, so every value comes back after hundreds of
    /// others have taken the slots).
    #[test]
    fn interned_values_read_back_as_pushed() {
        let mut values: Vec<String> = vec![String::new()];
        for n in 1..=24 {
            let base: String = "永州a".chars().cycle().take(n).collect();
            values.push(base.clone());
            let mut bytes = base.clone().into_bytes();
            for at in 0..bytes.len() {
                if bytes[at].is_ascii_alphabetic() {
                    bytes[at] = b'b';
                    values.push(String::from_utf8(bytes.clone()).unwrap());
                    bytes[at] = b'a';
                }
            }
            values.push(format!("{base}\0"));
            values.push("x".repeat(n));
        }
        // Two values with one `folded` number: the same slot of `seen`, told apart by the whole key.
        let (p, q) = ("AAAaAAAAcAAAAAAA", "AAA`AAAAaAAAAAAA");
        let (kp, kq) = (short_key(p).unwrap(), short_key(q).unwrap());
        assert_eq!(kp.folded(), kq.folded());
        values.extend([p.to_string(), q.to_string(), p.to_string()]);
        let mut population = LeanPopulation::default();
        let mut tail = LeanPopulation::default();
        let n = values.len();
        for i in 0..2 * n {
            let v = &values[i % n];
            let w = &values[(i * 7 + 3) % n];
            let row = EntityRow::<&str> {
                code: &format!("E{i:05}"),
                name: "",
                entity_type: v,
                industry: w,
                address: "",
                authority: "",
                region: v,
                town: "",
                established: "",
                status: w,
                risk_class: v,
                tags: &[],
                last_inspected: w,
            };
            let into = if i < n { &mut population } else { &mut tail };
            assert!(into.push(None, &row));
        }
        assert!(population.append(tail));
        let distinct: std::collections::BTreeSet<&String> = values.iter().collect();
        assert_eq!(population.values.len(), distinct.len());
        assert_eq!(population.len(), 2 * n);
        for i in 0..2 * n {
            let v = &values[i % n];
            let w = &values[(i * 7 + 3) % n];
            assert_eq!(population.code(i), format!("E{i:05}"));
            assert_eq!(
                [
                    population.entity_type(i),
                    population.region(i),
                    population.risk_class(i)
                ],
                [v.as_str(); 3]
            );
            assert_eq!(
                [
                    population.industry(i),
                    population.status(i),
                    population.last_inspected(i)
                ],
                [w.as_str(); 3]
            );
        }
    }

    /// The map of short values hashes the whole key with its seeded hasher, so values made to share a
    /// `folded` number do not share a hash.
    #[test]
    fn short_keys_made_to_collide_hash_apart() {
        use std::hash::BuildHasher;
        let population = LeanPopulation::default();
        let (p, q) = (
            short_key("AAAaAAAAcAAAAAAA").unwrap(),
            short_key("AAA`AAAAaAAAAAAA").unwrap(),
        );
        assert_eq!(p.folded(), q.folded());
        let hasher = population.short.hasher();
        assert_ne!(hasher.hash_one(p), hasher.hash_one(q));
    }
}
