//! The three frozen input lists (§4.1–§4.3): entities, inspectors and recusals, with their row validation,
//! canonical order and fingerprints.
//!
//! Canonicalisation sorts by key (UTF-8 byte order) and refuses duplicates. Sorting permutes indices rather
//! than the rows themselves, and is skipped when the rows are already in order (as in a bundle or a database
//! read `ORDER BY code`), because moving a million 300-byte rows around dominates otherwise.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::encode::{Enc, Hash32};
use super::error::{DrawError, InputCode, Place, Table};
use super::text::{TextFault, check_edges, check_text, only_stable_starters, parse_date};

/// The string type of the input rows: strings up to 24 bytes (codes, dates, regions, statuses) are stored
/// inline, so a million rows cost a few allocations each instead of a dozen, and are read sequentially
/// when validated and hashed.
pub type Text = CompactString;

/// An entity of the population (检查对象), all fields as in §4.1. Missing values are empty strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawEntity {
    pub code: Text,
    pub name: Text,
    pub entity_type: Text,
    pub industry: Text,
    pub address: Text,
    pub authority: Text,
    pub region: Text,
    pub town: Text,
    /// `YYYY-MM-DD` or empty.
    pub established: Text,
    pub status: Text,
    /// `A`, `B`, `C`, `D` or empty.
    pub risk_class: Text,
    /// Sorted ascending, no duplicates.
    pub tags: Vec<Text>,
    /// `YYYY-MM-DD` or empty.
    pub last_inspected: Text,
}

/// An inspector of the pool (执法检查人员), all fields as in §4.2.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawInspector {
    pub staff_no: Text,
    pub name: Text,
    /// Department code.
    pub department: Text,
    /// Empty if none.
    pub certificate_no: Text,
    /// Last valid day (`9999-12-31` for 长期), or empty if unknown.
    pub certificate_valid_until: Text,
    /// Sorted ascending, no duplicates.
    pub qualifications: Vec<Text>,
    pub expert: bool,
    pub region: Text,
    pub status: Text,
}

/// A recusal (回避): the inspector must never inspect the entity.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recusal {
    pub staff_no: Text,
    pub entity_code: Text,
    pub reason: Text,
}

/// Column names of the population in §4.1 order (also the header of `population.csv`).
pub const ENTITY_COLUMNS: [&str; 13] = [
    "code",
    "name",
    "entity_type",
    "industry",
    "address",
    "authority",
    "region",
    "town",
    "established",
    "status",
    "risk_class",
    "tags",
    "last_inspected",
];

/// Column names of the inspector pool in §4.2 order.
pub const INSPECTOR_COLUMNS: [&str; 9] = [
    "staff_no",
    "name",
    "department",
    "certificate_no",
    "certificate_valid_until",
    "qualifications",
    "expert",
    "region",
    "status",
];

/// Column names of the recusal list in §4.3 order.
pub const RECUSAL_COLUMNS: [&str; 3] = ["staff_no", "entity_code", "reason"];

/// `true` only if text known to be NFC has no white space at either end and fits the encoding's length
/// (so [`RowCheck::text`] accepts it),
/// judged by its first and last bytes alone: characters that are white space begin with an ASCII white-space
/// byte or with C2, E1, E2 or E3. `false` means "look closer".
///
/// Worked out without branches (a table for the first and last bytes, comparisons for the lead bytes before
/// the last), for the fields of a row come in every mix of ASCII and CJK and a branch per byte looked at is
/// mispredicted often.
#[inline]
fn plain_edges(b: &[u8]) -> bool {
    let n = b.len();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return true;
    };
    if n > u32::MAX as usize {
        return false;
    }
    // The last character begins at a lead byte: C2 two bytes from the end, or E1..E3 three bytes from it
    // (0 stands for a byte before the start, which begins nothing).
    let before = |i: usize| if n > i { b[n - 1 - i] } else { 0 };
    let lead = (before(1) == 0xC2) | (before(2).wrapping_sub(0xE1) < 3);
    let edges = EDGES[usize::from(first)] & UNSURE_FIRST | EDGES[usize::from(last)] & SPACE_LAST;
    (edges == 0) & !((last >= 0x80) & lead)
}

/// [`EDGES`] bit: a field starting with this byte may start with white space (an ASCII white-space byte, or
/// C2, E1, E2 or E3, which begin every other white-space character).
const UNSURE_FIRST: u8 = 1;
/// [`EDGES`] bit: a field ending with this byte ends with ASCII white space.
const SPACE_LAST: u8 = 2;

/// [`UNSURE_FIRST`] and [`SPACE_LAST`] of every byte.
const EDGES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let space = matches!(c as u8, b'\t'..=b'\r' | b' ');
        let lead = matches!(c as u8, 0xC2 | 0xE1..=0xE3);
        if space || lead {
            t[c] |= UNSURE_FIRST;
        }
        if space {
            t[c] |= SPACE_LAST;
        }
        c += 1;
    }
    t
};

/// Whether `s` is a date [`parse_date`] accepts (a test holds the two to each other), settled by byte
/// tests: days 01..28 of months 01..12 of years 0001..9999 without the calendar, days 29..31 by the
/// month's length.
#[inline]
fn plain_date(s: &str) -> bool {
    plain_date_bytes(s.as_bytes())
}

/// [`plain_date`] of a field's bytes.
#[inline(always)]
fn plain_date_bytes(b: &[u8]) -> bool {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| b[i].is_ascii_digit());
    let month = (b[5], b[6]);
    let day = (b[8], b[9]);
    if !(digits && b[..4] != *b"0000" && matches!(month, (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2'))) {
        return false;
    }
    match day {
        (b'0', b'1'..=b'9') | (b'1', _) | (b'2', b'0'..=b'8') => true,
        (b'2', b'9') | (b'3', b'0'..=b'1') => {
            // About one date in ten: the month's length decides.
            let number =
                |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
            let (y, m, d) = (number(0..4), number(5..7), number(8..10));
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let days = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            d <= days
        }
        _ => false,
    }
}

/// `str(s)` written into `out`, which has room for it; the rest of `out`.
#[inline]
fn put_str<'o>(out: &'o mut [u8], s: &str) -> &'o mut [u8] {
    let out = put_u32(out, s.len());
    let (here, rest) = out.split_at_mut(s.len());
    put_bytes(here, s.as_bytes());
    rest
}

/// `str` of a field's bytes (UTF-8) written into `out`, which has room for it; the rest of `out`.
#[inline(always)]
fn put_field<'o>(out: &'o mut [u8], s: &[u8]) -> &'o mut [u8] {
    let out = put_u32(out, s.len());
    let (here, rest) = out.split_at_mut(s.len());
    put_bytes(here, s);
    rest
}

/// `u32(n)` written into `out`; the rest of `out`.
#[inline]
fn put_u32(out: &mut [u8], n: usize) -> &mut [u8] {
    let (here, rest) = out.split_at_mut(4);
    here.copy_from_slice(&(n as u32).to_be_bytes());
    rest
}

/// Copies `src` into `dst` (as long) in fixed-size pieces that compile to plain moves: the fields of a row
/// are a few to a few dozen bytes, for which a call to `memcpy` per field costs more than the copy. No loop,
/// which the compiler would turn back into a `memcpy` call: up to 64 bytes in at most four overlapping
/// 16-byte moves, longer fields (rare) by `memcpy`. Always inlined, for the same reason.
#[inline(always)]
fn put_bytes(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n > 64 {
        dst.copy_from_slice(src);
    } else if n > 32 {
        dst[..16].copy_from_slice(&src[..16]);
        dst[16..32].copy_from_slice(&src[16..32]);
        dst[n - 32..n - 16].copy_from_slice(&src[n - 32..n - 16]);
        dst[n - 16..].copy_from_slice(&src[n - 16..]);
    } else if n >= 16 {
        dst[..16].copy_from_slice(&src[..16]);
        dst[n - 16..].copy_from_slice(&src[n - 16..]);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// Checks one field of a row against the text rules.
struct RowCheck {
    table: Table,
    row: usize,
    /// Every field is known to be NFC (the whole row was checked at once).
    nfc: bool,
}

impl RowCheck {
    fn err(&self, code: InputCode, field: &'static str, detail: impl Into<String>) -> DrawError {
        DrawError::input(
            code,
            Place::Row {
                table: self.table,
                row: self.row,
                field,
            },
            detail,
        )
    }

    fn text(&self, field: &'static str, s: &str) -> Result<(), DrawError> {
        if s.len() > u32::MAX as usize {
            return Err(self.err(InputCode::TooLarge, field, format!("{} bytes", s.len())));
        }
        let checked = if self.nfc { check_edges(s) } else { check_text(s) };
        checked.map_err(|f| {
            let code = match f {
                TextFault::NotNfc => InputCode::NotNfc,
                TextFault::Whitespace => InputCode::Whitespace,
            };
            self.err(code, field, s)
        })
    }

    /// A key (`code`, `staff_no`): the text rules, and not empty.
    fn key(&self, field: &'static str, s: &str) -> Result<(), DrawError> {
        self.text(field, s)?;
        if s.is_empty() {
            return Err(self.err(InputCode::BadValue, field, "an empty key"));
        }
        Ok(())
    }

    fn date(&self, field: &'static str, s: &str) -> Result<(), DrawError> {
        self.text(field, s)?;
        if !s.is_empty() && parse_date(s).is_none() {
            return Err(self.err(InputCode::BadDate, field, s));
        }
        Ok(())
    }

    fn list<S: AsRef<str>>(&self, field: &'static str, xs: &[S]) -> Result<(), DrawError> {
        for x in xs {
            self.text(field, x.as_ref())?;
        }
        if let Some(w) = xs.windows(2).find(|w| w[0].as_ref() >= w[1].as_ref()) {
            return Err(self.err(
                InputCode::NotSorted,
                field,
                format!("{:?} ≥ {:?}", w[0].as_ref(), w[1].as_ref()),
            ));
        }
        Ok(())
    }
}

/// An entity's fields borrowed, as read from a file or from a [`DrawEntity`]: what the row rules check and
/// the population fingerprint hashes, so that a reader can check and hash rows without keeping them whole.
pub struct EntityRow<'a, S> {
    pub code: &'a str,
    pub name: &'a str,
    pub entity_type: &'a str,
    pub industry: &'a str,
    pub address: &'a str,
    pub authority: &'a str,
    pub region: &'a str,
    pub town: &'a str,
    pub established: &'a str,
    pub status: &'a str,
    pub risk_class: &'a str,
    pub tags: &'a [S],
    pub last_inspected: &'a str,
}

impl<S: AsRef<str>> EntityRow<'_, S> {
    /// Checks the text, date and list rules, field by field in §4.1 order; `nfc`: every field is known to
    /// be NFC.
    pub(crate) fn validate(&self, row: usize, nfc: bool) -> Result<(), DrawError> {
        let c = RowCheck {
            table: Table::Population,
            row,
            nfc,
        };
        c.key("code", self.code)?;
        c.text("name", self.name)?;
        c.text("entity_type", self.entity_type)?;
        c.text("industry", self.industry)?;
        c.text("address", self.address)?;
        c.text("authority", self.authority)?;
        c.text("region", self.region)?;
        c.text("town", self.town)?;
        c.date("established", self.established)?;
        c.text("status", self.status)?;
        c.text("risk_class", self.risk_class)?;
        if !matches!(self.risk_class, "" | "A" | "B" | "C" | "D") {
            return Err(c.err(
                InputCode::BadValue,
                "risk_class",
                format!("{:?} (A, B, C, D or empty)", self.risk_class),
            ));
        }
        c.list("tags", self.tags)?;
        c.date("last_inspected", self.last_inspected)?;
        Ok(())
    }

    /// The fields before `tags`, in §4.1 order.
    #[inline]
    fn before_tags(&self) -> [&str; 11] {
        [
            self.code,
            self.name,
            self.entity_type,
            self.industry,
            self.address,
            self.authority,
            self.region,
            self.town,
            self.established,
            self.status,
            self.risk_class,
        ]
    }

    /// `true` only if [`EntityRow::validate`] accepts the row, given that every field is NFC, with no code
    /// that decodes characters; `false` means "validate it".
    #[inline]
    fn plainly_valid(&self) -> bool {
        // Every field looked at, without a branch per field (`&`, not `&&`).
        let edges = self
            .before_tags()
            .iter()
            .fold(plain_edges(self.last_inspected.as_bytes()), |ok, s| {
                ok & plain_edges(s.as_bytes())
            });
        edges
            && matches!(self.risk_class, "" | "A" | "B" | "C" | "D")
            && (self.established.is_empty() || plain_date(self.established))
            && (self.last_inspected.is_empty() || plain_date(self.last_inspected))
            && self.tags.iter().all(|t| plain_edges(t.as_ref().as_bytes()))
            && self.tags.windows(2).all(|w| w[0].as_ref() < w[1].as_ref())
    }

    /// The row's encoding (§4.1: each field as `str`, the tags as `list(str)`), written with room made once
    /// for the whole row.
    #[inline]
    pub(crate) fn encode(&self, e: &mut Enc) {
        let fields = self.before_tags();
        let tags = self.tags.iter().map(|t| t.as_ref().len() + 4).sum::<usize>();
        let size =
            fields.iter().map(|f| f.len() + 4).sum::<usize>() + 4 + tags + 4 + self.last_inspected.len();
        let mut out = e.room(size);
        for f in fields {
            out = put_str(out, f);
        }
        out = put_u32(out, self.tags.len());
        for t in self.tags {
            out = put_str(out, t.as_ref());
        }
        put_str(out, self.last_inspected);
    }
}

impl DrawEntity {
    /// The fields borrowed.
    pub fn row(&self) -> EntityRow<'_, Text> {
        EntityRow {
            code: &self.code,
            name: &self.name,
            entity_type: &self.entity_type,
            industry: &self.industry,
            address: &self.address,
            authority: &self.authority,
            region: &self.region,
            town: &self.town,
            established: &self.established,
            status: &self.status,
            risk_class: &self.risk_class,
            tags: &self.tags,
            last_inspected: &self.last_inspected,
        }
    }

    /// Checks the text, date and list rules, field by field in §4.1 order.
    pub(crate) fn validate(&self, row: usize) -> Result<(), DrawError> {
        self.row().validate(row, false)
    }

    fn encode(&self, e: &mut Enc) {
        self.row().encode(e);
    }
}

impl DrawInspector {
    /// Checks the text, date and list rules, field by field in §4.2 order.
    pub(crate) fn validate(&self, row: usize) -> Result<(), DrawError> {
        let c = RowCheck {
            table: Table::Inspectors,
            row,
            nfc: false,
        };
        c.key("staff_no", &self.staff_no)?;
        c.text("name", &self.name)?;
        c.text("department", &self.department)?;
        c.text("certificate_no", &self.certificate_no)?;
        c.date("certificate_valid_until", &self.certificate_valid_until)?;
        c.list("qualifications", &self.qualifications)?;
        c.text("region", &self.region)?;
        c.text("status", &self.status)?;
        Ok(())
    }

    fn encode(&self, e: &mut Enc) {
        e.str(&self.staff_no);
        e.str(&self.name);
        e.str(&self.department);
        e.str(&self.certificate_no);
        e.str(&self.certificate_valid_until);
        e.strs(&self.qualifications);
        e.bool(self.expert);
        e.str(&self.region);
        e.str(&self.status);
    }
}

impl Recusal {
    pub(crate) fn validate(&self, row: usize) -> Result<(), DrawError> {
        let c = RowCheck {
            table: Table::Recusals,
            row,
            nfc: false,
        };
        c.text("staff_no", &self.staff_no)?;
        c.text("entity_code", &self.entity_code)?;
        c.text("reason", &self.reason)?;
        Ok(())
    }

    fn encode(&self, e: &mut Enc) {
        e.str(&self.staff_no);
        e.str(&self.entity_code);
        e.str(&self.reason);
    }
}

/// The first 16 bytes of a key as a big-endian number (zero-padded): comparing these first keeps a sort of
/// a million rows mostly within one cache-friendly array; equal prefixes fall back to the whole keys.
fn prefix(s: &str) -> u128 {
    let mut b = [0u8; 16];
    let n = s.len().min(16);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

/// From this many rows on, rows already in canonical order are checked and hashed on two threads.
const PARALLEL_ROWS: usize = 50_000;

/// One list of §4.1–§4.3: how to check, encode and key its rows.
struct ListSpec<T> {
    table: Table,
    key_field: &'static str,
    domain: &'static str,
    validate: fn(&T, usize) -> Result<(), DrawError>,
    encode: fn(&T, &mut Enc),
    key: fn(&T) -> (&str, &str),
    show: fn(&T) -> String,
}

/// Sorts rows by key (a pair of strings, the second empty for single keys), then in one pass over the
/// canonical order validates each row (§8.5: input errors are reported in reading order, the lists in
/// canonical order) and encodes it for the fingerprint, and refuses duplicate keys. Errors name rows by their
/// position in the order given, so that a reader can point to a file line; a duplicate names the first row,
/// in that order, whose key appeared in an earlier row. Returns the rows in canonical order and the list's
/// fingerprint.
fn canonicalise<T: Default + Sync>(
    mut rows: Vec<T>,
    spec: &ListSpec<T>,
) -> Result<(Vec<T>, Hash32), DrawError> {
    let key = spec.key;
    if rows.len() > u32::MAX as usize {
        return Err(DrawError::input(
            InputCode::TooLarge,
            Place::Rules(spec.table.as_str().into()),
            format!("{} rows", rows.len()),
        ));
    }
    let strictly_sorted = rows.windows(2).all(|w| key(&w[0]) < key(&w[1]));
    let order: Option<Vec<u32>> = if strictly_sorted {
        None
    } else {
        let mut keyed: Vec<(u128, u32)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (prefix(key(r).0), i as u32))
            .collect();
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| key(&rows[a.1 as usize]).cmp(&key(&rows[b.1 as usize])))
                .then(a.1.cmp(&b.1))
        });
        Some(keyed.into_iter().map(|(_, i)| i).collect())
    };
    if order.is_none() && rows.len() >= PARALLEL_ROWS {
        // Rows already in order (a bundle, a database read `ORDER BY code`): checking and hashing are
        // independent passes over the same rows, so they run side by side; the first invalid row is the
        // same as in one pass.
        let (checked, fp) = std::thread::scope(|s| {
            let hashed = s.spawn(|| {
                let mut enc = Enc::labelled(spec.domain);
                enc.len(rows.len());
                for r in &rows {
                    (spec.encode)(r, &mut enc);
                }
                enc.finish()
            });
            let checked = rows
                .iter()
                .enumerate()
                .try_for_each(|(i, r)| (spec.validate)(r, i));
            let fp = hashed
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (checked, fp)
        });
        checked?;
        return Ok((rows, fp));
    }
    let mut enc = Enc::labelled(spec.domain);
    enc.len(rows.len());
    let mut visit = |i: usize| -> Result<(), DrawError> {
        (spec.validate)(&rows[i], i)?;
        (spec.encode)(&rows[i], &mut enc);
        Ok(())
    };
    match &order {
        None => (0..rows.len()).try_for_each(&mut visit)?,
        Some(order) => order.iter().try_for_each(|&i| visit(i as usize))?,
    }
    let Some(order) = order else {
        return Ok((rows, enc.finish()));
    };
    // The sorted order ties by row index, so a row repeats an earlier key iff its sorted predecessor has the
    // same key; the smallest such row index is the one reported.
    let duplicate = order
        .windows(2)
        .filter(|w| key(&rows[w[0] as usize]) == key(&rows[w[1] as usize]))
        .map(|w| w[1] as usize)
        .min();
    if let Some(row) = duplicate {
        return Err(DrawError::input(
            InputCode::Duplicate,
            Place::Row {
                table: spec.table,
                row,
                field: spec.key_field,
            },
            (spec.show)(&rows[row]),
        ));
    }
    let rows = order
        .into_iter()
        .map(|i| std::mem::take(&mut rows[i as usize]))
        .collect();
    Ok((rows, enc.finish()))
}

/// The population in canonical order and `fp_population`.
pub(crate) fn canonical_population(rows: Vec<DrawEntity>) -> Result<(Vec<DrawEntity>, Hash32), DrawError> {
    canonicalise(
        rows,
        &ListSpec {
            table: Table::Population,
            key_field: "code",
            domain: POPULATION,
            validate: DrawEntity::validate,
            encode: DrawEntity::encode,
            key: |e| (e.code.as_str(), ""),
            show: |e| format!("{} {}", e.code, e.name),
        },
    )
}

/// The pool in canonical order and `fp_inspectors`.
pub(crate) fn canonical_inspectors(
    rows: Vec<DrawInspector>,
) -> Result<(Vec<DrawInspector>, Hash32), DrawError> {
    canonicalise(
        rows,
        &ListSpec {
            table: Table::Inspectors,
            key_field: "staff_no",
            domain: INSPECTORS,
            validate: DrawInspector::validate,
            encode: DrawInspector::encode,
            key: |i| (i.staff_no.as_str(), ""),
            show: |i| format!("{} {}", i.staff_no, i.name),
        },
    )
}

/// The recusal list in canonical order and `fp_recusals`.
pub(crate) fn canonical_recusals(rows: Vec<Recusal>) -> Result<(Vec<Recusal>, Hash32), DrawError> {
    canonicalise(
        rows,
        &ListSpec {
            table: Table::Recusals,
            key_field: "entity_code",
            domain: RECUSALS,
            validate: Recusal::validate,
            encode: Recusal::encode,
            key: |r| (r.staff_no.as_str(), r.entity_code.as_str()),
            show: |r| format!("{} / {}", r.staff_no, r.entity_code),
        },
    )
}

const POPULATION: &str = "fairdraw-population/1";
const INSPECTORS: &str = "fairdraw-inspectors/1";
const RECUSALS: &str = "fairdraw-recusals/1";

/// `H(str(domain) || list(encode, rows))`: the form of the three list fingerprints.
fn list_fingerprint<T>(domain: &str, rows: &[T], encode: impl Fn(&T, &mut Enc)) -> Hash32 {
    let mut e = Enc::labelled(domain);
    e.len(rows.len());
    for x in rows {
        encode(x, &mut e);
    }
    e.finish()
}

/// Checks and encodes a population read row by row in canonical order (a record bundle's `population.csv`)
/// without keeping the rows whole. `fp_population` hashes the row count before the rows, and the count is
/// known only at the end, so the rows' encodings are handed out ([`SortedRows::take_encoded`]) to a
/// [`PopulationHash`] made with the expected count; the caller compares the counts at the end.
pub struct SortedRows {
    enc: Enc,
    last_code: Vec<u8>,
    rows: usize,
}

impl Default for SortedRows {
    fn default() -> Self {
        SortedRows {
            enc: Enc::unhashed(),
            last_code: Vec::new(),
            rows: 0,
        }
    }
}

impl SortedRows {
    /// Checks the next row by the rules of §4.1 (as [`canonicalise`](super::canonicalise) would) and encodes
    /// it. `false` if it breaks a rule or its code is not after the previous row's; the caller then needs
    /// the general path, which names the problem.
    ///
    /// `text` is the row as read, all its fields within: when its characters are all of the kind that is
    /// NFC in any string, one look at it settles the NFC rule for every field.
    pub fn push<S: AsRef<str>>(&mut self, row: &EntityRow<'_, S>, text: &str) -> bool {
        self.push_nfc(row, only_stable_starters(text))
    }

    /// [`SortedRows::push`] of a row whose fields are all known to be NFC (`nfc`), for a caller that has
    /// settled it for many rows at once.
    pub fn push_nfc<S: AsRef<str>>(&mut self, row: &EntityRow<'_, S>, nfc: bool) -> bool {
        if !self.follows(row.code.as_bytes()) {
            return false;
        }
        // The plain check settles nearly every row; whatever it is unsure of gets the full one.
        if !(nfc && row.plainly_valid()) && row.validate(self.rows, nfc).is_err() {
            return false;
        }
        row.encode(&mut self.enc);
        self.accepted(row.code.as_bytes());
        true
    }

    /// Whether `code` may come next: not empty, and after the previous row's.
    #[inline]
    fn follows(&self, code: &[u8]) -> bool {
        !code.is_empty() && (self.rows == 0 || code > self.last_code.as_slice())
    }

    /// Counts a row of `code` in.
    #[inline]
    fn accepted(&mut self, code: &[u8]) {
        self.last_code.clear();
        self.last_code.extend_from_slice(code);
        self.rows += 1;
    }

    /// [`SortedRows::push_nfc`] of a row known to be NFC, given in place as a reader splits a buffer
    /// without making cells (`fastcsv::Reader::plain_row`): field `k` of §4.1 is `text[start..ends[0]]` for
    /// `k = 0`, else `text[ends[k - 1] + 1..ends[k]]`, except the tags, which are `tags` (the items of the
    /// field). `true` if the row is accepted and encoded; `false`, nothing changed, if the plain checks
    /// ([`EntityRow::plainly_valid`]) do not settle it or its code does not follow: the caller then pushes
    /// it with [`SortedRows::push_nfc`], which decides. Checks and encodes exactly as `push_nfc` does a row
    /// of these fields, the cells built field by field and the encoding written once (a property test
    /// holds the two to each other).
    #[inline]
    pub(crate) fn push_plain(
        &mut self,
        text: &[u8],
        start: usize,
        ends: &[usize; 13],
        tags: &[&str],
    ) -> bool {
        let field = |k: usize| -> &[u8] {
            let from = if k == 0 { start } else { ends[k - 1] + 1 };
            &text[from..ends[k]]
        };
        let code = field(0);
        if !self.follows(code) {
            return false;
        }
        // Every field but the tags looked at without a branch per field (`&`, not `&&`), as in
        // `plainly_valid`.
        let mut edges = plain_edges(field(12));
        for k in 0..11 {
            edges &= plain_edges(field(k));
        }
        let (class, established, last) = (field(10), field(8), field(12));
        let plain = edges
            && (class.is_empty() || (class.len() == 1 && matches!(class[0], b'A'..=b'D')))
            && (established.is_empty() || plain_date_bytes(established))
            && (last.is_empty() || plain_date_bytes(last))
            && tags.iter().all(|t| plain_edges(t.as_bytes()))
            && tags.windows(2).all(|w| w[0] < w[1]);
        if !plain {
            return false;
        }
        let listed = tags.iter().map(|t| t.len() + 4).sum::<usize>();
        let size = (0..11).map(|k| field(k).len() + 4).sum::<usize>() + 4 + listed + 4 + last.len();
        let mut out = self.enc.room(size);
        for k in 0..11 {
            out = put_field(out, field(k));
        }
        out = put_u32(out, tags.len());
        for t in tags {
            out = put_field(out, t.as_bytes());
        }
        put_field(out, last);
        self.accepted(code);
        true
    }

    /// The rows accepted so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The encodings of the rows since the last call once there are at least `min` bytes of them, the
    /// emptied `spare` taking their place.
    pub fn take_encoded(&mut self, min: usize, spare: Vec<u8>) -> Result<Vec<u8>, Vec<u8>> {
        if self.enc.collected() < min {
            return Err(spare);
        }
        Ok(self.enc.take_bytes(spare))
    }
}

/// `fp_population` of `rows` rows whose encodings come from a [`SortedRows`].
pub struct PopulationHash(Enc);

impl PopulationHash {
    pub fn new(rows: usize) -> PopulationHash {
        let mut e = Enc::labelled(POPULATION);
        e.len(rows);
        PopulationHash(e)
    }

    pub fn update(&mut self, encoded: &[u8]) {
        self.0.raw(encoded);
    }

    pub fn finish(self) -> Hash32 {
        self.0.finish()
    }
}

/// `fp_population` of a population in canonical order.
pub fn fp_population(population: &[DrawEntity]) -> Hash32 {
    list_fingerprint(POPULATION, population, DrawEntity::encode)
}

/// `fp_inspectors` of a pool in canonical order.
pub fn fp_inspectors(pool: &[DrawInspector]) -> Hash32 {
    list_fingerprint(INSPECTORS, pool, DrawInspector::encode)
}

/// `fp_recusals` of a recusal list in canonical order.
pub fn fp_recusals(recusals: &[Recusal]) -> Hash32 {
    list_fingerprint(RECUSALS, recusals, Recusal::encode)
}

/// `fp_inputs` from the four fingerprints (§4.5).
pub fn fp_inputs(population: &Hash32, inspectors: &Hash32, recusals: &Hash32, rules: &Hash32) -> Hash32 {
    let mut e = Enc::labelled("fairdraw-inputs/1");
    for h in [population, inspectors, recusals, rules] {
        e.bytes(&h.0);
    }
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `plain_edges` as first written, with a branch per case: the reference the table is checked against.
    fn plain_edges_by_cases(b: &[u8]) -> bool {
        let ascii_space = |c: u8| matches!(c, b'\t'..=b'\r' | b' ');
        let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
            return true;
        };
        let first_ok = if first < 0x80 {
            !ascii_space(first)
        } else {
            !matches!(first, 0xC2 | 0xE1..=0xE3)
        };
        let n = b.len();
        let last_ok = if last < 0x80 {
            !ascii_space(last)
        } else {
            let two_byte = n >= 2 && b[n - 2] == 0xC2;
            let three_byte = n >= 3 && (0xE1..=0xE3).contains(&b[n - 3]);
            !(two_byte || three_byte)
        };
        first_ok && last_ok
    }

    /// Every first and last byte, with every byte two and three from the end among those that matter and
    /// their neighbours, at lengths 1 to 5 (where the bytes before the last run out or overlap the first).
    #[test]
    fn plain_edges_without_branches_is_the_case_by_case_rule() {
        let before = [
            0x00, b' ', b'a', 0x80, 0xBF, 0xC1, 0xC2, 0xC3, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xF0,
        ];
        for first in 0..=255u8 {
            for last in 0..=255u8 {
                for &second_last in &before {
                    for &third_last in &before {
                        for n in 1..=5 {
                            let mut b = [b'x'; 5];
                            let b = &mut b[..n];
                            if n >= 3 {
                                b[n - 3] = third_last;
                            }
                            if n >= 2 {
                                b[n - 2] = second_last;
                            }
                            b[0] = first;
                            b[n - 1] = last;
                            assert_eq!(plain_edges(b), plain_edges_by_cases(b), "{b:x?}");
                        }
                    }
                }
            }
        }
        assert!(plain_edges(b""));
    }

    fn entity(code: &str) -> DrawEntity {
        DrawEntity {
            code: code.into(),
            name: format!("{code} 名称").into(),
            ..Default::default()
        }
    }

    /// The worked example of docs/draw-protocol.md §14.1.
    #[test]
    fn fingerprint_of_a_one_entity_population() {
        let e = DrawEntity {
            code: "91330000566997460T".into(),
            name: "永州𠮷店".into(),
            region: "冷水滩区".into(),
            status: "存续".into(),
            risk_class: "A".into(),
            tags: vec!["食品".into()],
            last_inspected: "2026-03-01".into(),
            ..Default::default()
        };
        let mut enc = Enc::labelled("fairdraw-population/1");
        enc.len(1);
        e.encode(&mut enc);
        assert_eq!(
            hex::encode(enc.pending()),
            concat!(
                "0000001566616972647261772d706f70756c6174696f6e2f31",
                "00000001",
                "00000012393133333030303035363639393734363054",
                "0000000de6b0b8e5b79ef0a0aeb7e5ba97",
                "00000000000000000000000000000000",
                "0000000ce586b7e6b0b4e6bba9e58cba",
                "0000000000000000",
                "00000006e5ad98e7bbad",
                "0000000141",
                "0000000100000006e9a39fe59381",
                "0000000a323032362d30332d3031",
            )
        );
        assert_eq!(
            fp_population(&[e]).to_hex(),
            "abcb988fa80bf22e0b9e2ab8b5aaf98516533b3cc6a2efe7aa6661e86dedb0e3"
        );
    }

    #[test]
    fn canonical_order_is_utf8_byte_order() {
        let rows = vec![entity("b"), entity("B"), entity("𠮷"), entity("䶮"), entity("a")];
        let (out, fp) = canonical_population(rows).unwrap();
        assert_eq!(fp, fp_population(&out));
        let codes: Vec<&str> = out.iter().map(|e| e.code.as_str()).collect();
        // 䶮 U+4DAE (3 bytes, e4 b6 ae) sorts before 𠮷 U+20BB7 (4 bytes, f0 a0 ae b7).
        assert_eq!(codes, ["B", "a", "b", "䶮", "𠮷"]);
    }

    #[test]
    fn duplicate_names_the_later_row() {
        let rows = vec![entity("c"), entity("a"), entity("b"), entity("a"), entity("c")];
        let e = canonical_population(rows).unwrap_err();
        assert_eq!(
            e.details(),
            serde_json::json!({"kind": "input", "code": "duplicate", "field": "population[3].code"})
        );
    }

    #[test]
    fn row_rules() {
        let mut e = entity("x");
        e.risk_class = "E".into();
        assert_eq!(
            e.validate(7).unwrap_err().details()["field"],
            "population[7].risk_class"
        );
        let mut e = entity("x");
        e.tags = vec!["食品".into(), "餐饮".into()];
        // 食 U+98DF < 餐 U+9910, so this order is fine; the reverse is refused.
        assert!(e.validate(0).is_ok());
        e.tags.reverse();
        assert_eq!(e.validate(0).unwrap_err().details()["code"], "not_sorted");
        let mut e = entity("x");
        e.last_inspected = "2026-02-29".into();
        assert_eq!(e.validate(0).unwrap_err().details()["code"], "bad_date");
        let i = DrawInspector {
            staff_no: "S1".into(),
            certificate_valid_until: "9999-12-31".into(),
            ..Default::default()
        };
        assert!(i.validate(0).is_ok());
        assert_eq!(
            entity("").validate(2).unwrap_err().details()["field"],
            "population[2].code"
        );
        let empty_staff = DrawInspector::default();
        assert_eq!(
            empty_staff.validate(0).unwrap_err().details()["code"],
            "bad_value"
        );
    }

    #[test]
    fn rows_are_checked_in_canonical_order_and_named_by_given_position() {
        let mut bad_late = entity("z");
        bad_late.name = " z".into();
        let mut bad_early = entity("a");
        bad_early.name = "a ".into();
        let e = canonical_population(vec![bad_late, entity("m"), bad_early]).unwrap_err();
        assert_eq!(e.details()["field"], "population[2].name");
    }

    #[test]
    fn long_lists_in_order_are_checked_and_hashed_as_in_one_pass() {
        let mut rows: Vec<DrawEntity> = (0..PARALLEL_ROWS as u32 + 10)
            .map(|i| entity(&format!("E{i:08}")))
            .collect();
        let (out, fp) = canonical_population(rows.clone()).unwrap();
        assert_eq!(fp, fp_population(&out));
        assert_eq!(out, rows);
        // The first invalid row in order is named, whatever comes after it.
        rows[PARALLEL_ROWS - 3].name = "x ".into();
        rows[PARALLEL_ROWS + 5].risk_class = "E".into();
        let e = canonical_population(rows).unwrap_err();
        assert_eq!(
            e.details()["field"],
            format!("population[{}].name", PARALLEL_ROWS - 3)
        );
    }

    #[test]
    fn sorted_rows_check_and_hash_as_canonicalise_does() {
        let mut rows: Vec<DrawEntity> = (0..5).map(|i| entity(&format!("E{i}"))).collect();
        rows[2].tags = vec!["食品".into(), "餐饮".into()];
        let mut sorted = SortedRows::default();
        let mut encoded = Vec::new();
        for r in &rows {
            assert!(sorted.push(&r.row(), "a row of stable characters"));
            encoded.extend(sorted.take_encoded(0, Vec::new()).unwrap());
        }
        let mut hash = PopulationHash::new(sorted.rows());
        hash.update(&encoded);
        assert_eq!(hash.finish(), fp_population(&rows));
        // Out of order, a repeated code, a rule broken: refused.
        assert!(!sorted.push(&rows[1].row(), ""));
        assert!(!sorted.push(&rows[4].row(), ""));
        let mut bad = entity("F");
        bad.name = "Cafe\u{301}".into();
        assert!(!sorted.push(&bad.row(), "F,Cafe\u{301}"));
        bad.name = "x ".into();
        assert!(!sorted.push(&bad.row(), "F,x "));
        assert!(sorted.push(&entity("F").row(), ""));
        assert_eq!(sorted.rows(), 6);
    }

    /// The plain checks and the one-reservation encoding of `push_nfc` against `validate` and `encode`, on
    /// fields made of the pieces that matter: white space of every kind at either end, characters whose
    /// lead bytes are those of white space, dates near every limit, risk classes, tags in and out of order,
    /// fields of every length around the copy's 4-, 8- and 16-byte pieces.
    #[test]
    fn plain_checks_and_encoding_agree_with_validate_and_encode() {
        let pieces = [
            "",
            "a",
            "永",
            "州市",
            " ",
            "\t",
            "\u{a0}",
            "\u{85}",
            "\u{3000}",
            "\u{2028}",
            "\u{205f}",
            "\u{1680}",
            "、",
            "\u{e1}",
            "\u{2010}",
            "\u{1a00}",
            "\u{200b}",
            "\u{feff}",
            "（",
            "𠮷",
            "0",
            "-",
            "\u{1c}",
            "abcdefgh",
            "永州市冷水滩区",
        ];
        let dates = [
            "",
            "2026-06-01",
            "2026-02-28",
            "2026-02-29",
            "2024-02-29",
            "2026-02-30",
            "2026-04-31",
            "2026-12-31",
            "2026-13-01",
            "2026-00-10",
            "0000-01-01",
            "0001-01-01",
            "9999-12-28",
            "2026-1-01",
            "2026/01/01",
            "2026-01-1x",
            " 2026-01-01",
            "２０２６-01-01",
            "2026-01-00",
            "2026-01-19",
            "2026-01-20",
            "2026-01-29",
        ];
        let state = std::cell::Cell::new(0x0123_4567_89ab_cdef_u64);
        let next = |n: usize| {
            let mut x = state.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            (x % n as u64) as usize
        };
        // Most fields of pieces without white space, so that many rows pass; one in four of any pieces.
        let field = || -> String {
            let from = if next(4) == 0 { pieces.len() } else { 4 };
            (0..next(4))
                .map(|_| match next(from) {
                    k if from == 4 => {
                        ["a", "永", "（", "abcdefgh", "、", "\u{2010}", "𠮷", "州市"][k + 4 * next(2)]
                    }
                    k => pieces[k],
                })
                .collect()
        };
        let (mut accepted, mut plain) = (0, 0);
        for i in 0..30_000 {
            let texts: Vec<String> = (0..8).map(|_| field()).collect();
            let tags: Vec<String> = (0..next(4)).map(|_| field()).collect();
            let code = format!("C{i:06}{}", field());
            let row = EntityRow {
                code: &code,
                name: &texts[0],
                entity_type: &texts[1],
                industry: &texts[2],
                address: &texts[3],
                authority: &texts[4],
                region: &texts[5],
                town: &texts[6],
                established: dates[next(dates.len())],
                status: &texts[7],
                risk_class: ["", "A", "B", "C", "D", "E", "a", " A"][next(8)],
                tags: &tags,
                last_inspected: dates[next(dates.len())],
            };
            // Every field here is NFC, so the outcome is `validate`'s with `nfc` set.
            let valid = row.validate(0, true).is_ok();
            if row.plainly_valid() {
                assert!(valid, "plainly valid but refused: {:?}", (code, &texts, &tags));
            }
            let mut sorted = SortedRows::default();
            assert_eq!(sorted.push_nfc(&row, true), valid, "{:?}", (code, &texts, &tags));
            // The same row in place, as a reader finds it in a buffer after another row (`_`, `\n` and the
            // tags cell stand for what the fields are separated by): `push_plain` takes it only if
            // `push_nfc` does, with the same encoding, and leaves nothing behind otherwise.
            let mut fields = row.before_tags().to_vec();
            fields.extend(["(tags)", row.last_inspected]);
            let mut text = String::from("B0,x\n");
            let start = text.len();
            let mut ends = [0; 13];
            for (k, f) in fields.iter().enumerate() {
                text.push_str(f);
                ends[k] = text.len();
                text.push(if k == 12 { '\n' } else { ',' });
            }
            let tag_refs: Vec<&str> = tags.iter().map(String::as_str).collect();
            let mut placed = SortedRows::default();
            let took = placed.push_plain(text.as_bytes(), start, &ends, &tag_refs);
            // Exactly the rows the plain checks settle.
            assert_eq!(took, row.plainly_valid(), "{:?}", (code, &texts, &tags));
            if took {
                assert!(valid, "taken in place but refused: {:?}", (code, &texts, &tags));
                plain += 1;
            } else {
                assert_eq!(placed.rows(), 0);
                assert_eq!(placed.take_encoded(0, Vec::new()).unwrap(), Vec::<u8>::new());
            }
            if valid {
                accepted += 1;
                // The encoding field by field through the encoder's primitives.
                let mut e = Enc::unhashed();
                for f in row.before_tags() {
                    e.str(f);
                }
                e.strs(row.tags);
                e.str(row.last_inspected);
                assert_eq!(sorted.take_encoded(0, Vec::new()).unwrap(), e.pending());
                if took {
                    assert_eq!(placed.take_encoded(0, Vec::new()).unwrap(), e.pending());
                }
            }
        }
        assert!(
            accepted > 1_000 && plain > 40,
            "{accepted} accepted, {plain} in place"
        );
    }

    /// `push_plain` checks the code against the row before: not empty, and after it.
    #[test]
    fn rows_in_place_follow_the_code_before() {
        let text = "B,,,,,,,,,,,,\nA,,,,,,,,,,,,\nC,,,,,,,,,,,,\nC,,,,,,,,,,,,\n,,,,,,,,,,,,\n";
        let mut sorted = SortedRows::default();
        let mut took = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let start = 14 * i;
            let ends: [usize; 13] = std::array::from_fn(|k| start + line.find(',').unwrap() + k);
            took.push(sorted.push_plain(text.as_bytes(), start, &ends, &[]));
        }
        assert_eq!(took, [true, false, true, false, false]);
        assert_eq!(sorted.rows(), 2);
    }

    /// The byte tests of `plain_date` are `parse_date`: every day 00..39 of every month 00..13 of years
    /// around every leap-year rule, and strings that are not dates.
    #[test]
    fn plain_dates_are_the_dates_parse_date_accepts() {
        for year in [
            "0000", "0001", "0004", "1900", "2000", "2023", "2024", "2100", "2400", "9999",
        ] {
            for month in 0..14 {
                for day in 0..40 {
                    let s = format!("{year}-{month:02}-{day:02}");
                    assert_eq!(plain_date(&s), parse_date(&s).is_some(), "{s}");
                }
            }
        }
        for s in [
            "",
            "2026-1-01",
            "2026/01/01",
            "2026-01-1x",
            " 2026-01-01",
            "2026-01-01 ",
            "２０２６-01-01",
            "20260101",
        ] {
            assert_eq!(plain_date(s), parse_date(s).is_some(), "{s}");
        }
    }

    #[test]
    fn recusal_pairs_may_repeat_staff_or_entity_but_not_both() {
        let r = |s: &str, e: &str| Recusal {
            staff_no: s.into(),
            entity_code: e.into(),
            reason: "亲属".into(),
        };
        let (ok, _) = canonical_recusals(vec![r("S2", "E1"), r("S1", "E2"), r("S1", "E1")]).unwrap();
        assert_eq!(ok[0], r("S1", "E1"));
        assert_eq!(ok[2], r("S2", "E1"));
        let e = canonical_recusals(vec![r("S2", "E1"), r("S2", "E1")]).unwrap_err();
        assert_eq!(e.details()["field"], "recusals[1].entity_code");
    }
}
