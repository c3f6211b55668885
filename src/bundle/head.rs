//! The head of `bundle.json` for the quick path of [`super::verify_path`]: the rules' scope and the row count
//! the recorded outcome implies, which the hashing and the splitting of `population.csv` need before anything
//! else. It is found by the text's structure alone ([`JsonHead::scan`]: strings skipped, brackets counted, the
//! excluded list's elements counted without being parsed), and only the two small members it needs are
//! handed to serde; serde reads the head when the scan is unsure. A wrong head could only cost time: the quick
//! path compares it with the whole parse and with the rows read, and sends any disagreement to the general
//! path.

use serde::Deserialize;

use super::outcome_rows;
use crate::draw;

/// The parts of `bundle.json` that the quick path needs before the rest: the rules' scope, and how many
/// entities the recorded outcome accounts for (the excluded ones and the strata's members), which is where
/// `fp_population` starts (§4.1). Everything else is skipped unread.
#[derive(Debug, PartialEq, Deserialize)]
pub(super) struct JsonHead {
    pub(super) rules: HeadRules,
    outcome: HeadOutcome,
}

#[derive(Debug, PartialEq, Deserialize)]
pub(super) struct HeadRules {
    pub(super) scope: draw::Scope,
}

#[derive(Debug, PartialEq, Deserialize)]
struct HeadOutcome {
    excluded: Counted,
    strata: Vec<HeadStratum>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct HeadStratum {
    /// As in [`draw::StratumSummary`]: a size the whole parse refuses is refused here too.
    size: u32,
}

impl JsonHead {
    /// The head of `text`: scanned, or parsed by serde when the scan is unsure.
    pub(super) fn read(text: &str) -> Option<JsonHead> {
        JsonHead::scan(text.as_bytes()).or_else(|| serde_json::from_str(text).ok())
    }

    /// The head found by the structure of `text`, as serde would read it whenever serde reads it at all;
    /// `None` on anything unexpected: no top-level object, a member missing, a key with an escape, a member
    /// twice before both were found, a text that ends early. The scan stops once it has both members, so it
    /// may find a head in a text that serde refuses further on; the whole parse then refuses it too.
    pub(super) fn scan(text: &[u8]) -> Option<JsonHead> {
        let mut s = Scan { text, at: 0 };
        s.open(b'{')?;
        let (mut rules, mut outcome) = (None, None);
        loop {
            match s.key()? {
                b"rules" if rules.is_none() => rules = Some(serde_json::from_slice(s.value()?).ok()?),
                b"outcome" if outcome.is_none() => outcome = Some(s.outcome(rules.is_some())?),
                b"rules" | b"outcome" => return None,
                _ => {
                    s.value()?;
                }
            }
            if rules.is_some() && outcome.is_some() {
                return Some(JsonHead {
                    rules: rules?,
                    outcome: outcome?,
                });
            }
            if !s.next_member()? {
                return None;
            }
        }
    }

    pub(super) fn rows(&self) -> usize {
        outcome_rows(
            self.outcome.excluded.0,
            self.outcome.strata.iter().map(|s| s.size),
        )
    }
}

/// The length of a JSON array whose elements are skipped unread.
#[derive(Debug, PartialEq)]
struct Counted(usize);

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Counted, D::Error> {
        struct Count;
        impl<'de> serde::de::Visitor<'de> for Count {
            type Value = Counted;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Counted, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Counted(n))
            }
        }
        d.deserialize_seq(Count)
    }
}

/// A place in a JSON text, moved on by its structure.
struct Scan<'a> {
    text: &'a [u8],
    at: usize,
}

impl Scan<'_> {
    /// The members of `outcome` the head needs, the rest skipped. When it is the `last` thing the head needs,
    /// the scan stops once it has both; otherwise it moves on to the end of `outcome`.
    fn outcome(&mut self, last: bool) -> Option<HeadOutcome> {
        self.open(b'{')?;
        let (mut excluded, mut strata) = (None, None);
        loop {
            match self.key()? {
                b"excluded" if excluded.is_none() => {
                    self.skip_ws();
                    if self.peek()? != b'[' {
                        return None;
                    }
                    excluded = Some(Counted(self.container()?));
                }
                b"strata" if strata.is_none() => strata = Some(serde_json::from_slice(self.value()?).ok()?),
                b"excluded" | b"strata" => return None,
                _ => {
                    self.value()?;
                }
            }
            // Once both are read and the scan may stop early, the rest of the outcome is not looked at;
            // otherwise the next member is moved to, and the end of the outcome ends the scan.
            let done = last && excluded.is_some() && strata.is_some();
            if done || !self.next_member()? {
                return Some(HeadOutcome {
                    excluded: excluded?,
                    strata: strata?,
                });
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    /// Moves past JSON whitespace.
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// Moves past whitespace and then `byte`, which must be there.
    fn open(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A member's key and the `:` after it. A key with an escape is refused rather than undone: serde
    /// would read `"rul\u0065s"` as `rules`.
    fn key(&mut self) -> Option<&[u8]> {
        self.open(b'"')?;
        let start = self.at;
        let end = start + memchr::memchr2(b'"', b'\\', self.text.get(start..)?)?;
        if self.text[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        self.open(b':')?;
        Some(&self.text[start..end])
    }

    /// After a member's value: `true` at a `,` (another member follows), `false` at the object's `}`.
    fn next_member(&mut self) -> Option<bool> {
        self.skip_ws();
        let next = match self.peek()? {
            b',' => true,
            b'}' => false,
            _ => return None,
        };
        self.at += 1;
        Some(next)
    }

    /// Moves past one value (string, array, object, or a number or literal, up to the next delimiter) and
    /// returns its text.
    fn value(&mut self) -> Option<&[u8]> {
        self.skip_ws();
        let start = self.at;
        match self.peek()? {
            b'"' => self.string()?,
            b'[' | b'{' => {
                self.container()?;
            }
            _ => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.at += 1;
                }
                if self.at == start {
                    return None;
                }
            }
        }
        Some(&self.text[start..self.at])
    }

    /// Moves past the string that starts at the `"` here.
    fn string(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            let end = self.at + memchr::memchr2(b'"', b'\\', self.text.get(self.at..)?)?;
            if self.text[end] == b'"' {
                self.at = end + 1;
                return Some(());
            }
            // A backslash and the byte it escapes: `\"` does not end the string, `\\` escapes nothing after.
            self.at = end + 2;
        }
    }

    /// Moves past the array or object that starts at the bracket here, and returns how many elements (or
    /// members) it has: the commas at its own depth, plus one unless it is empty. The bytes that can be
    /// structure are found 64 at a time ([`candidates`]) and walked in order: a `"` outside a string opens
    /// one, inside it closes it unless escaped, and brackets and commas count only outside strings.
    ///
    /// Bracket kinds are not matched (`[1}` counts 1): on text that is not JSON the count may be anything,
    /// which is safe only because the quick path compares the head with the whole parse and with the rows
    /// read, and leaves the bundle to the general path on any difference.
    fn container(&mut self) -> Option<usize> {
        self.at += 1;
        self.skip_ws();
        if matches!(self.peek()?, b']' | b'}') {
            self.at += 1;
            return Some(0);
        }
        let mut depth = 1usize;
        let mut commas = 0;
        let mut in_string = false;
        // The byte after an escaping backslash is skipped, whatever it is.
        let mut escaped = usize::MAX;
        let mut base = self.at;
        while base < self.text.len() {
            let mut bits = match self.text.get(base..base + 64) {
                Some(block) => candidates(block.try_into().ok()?),
                None => {
                    // The last bytes, filled up with zeros (which are not candidates).
                    let mut block = [0u8; 64];
                    block[..self.text.len() - base].copy_from_slice(&self.text[base..]);
                    candidates(&block)
                }
            };
            while bits != 0 {
                let at = base + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if at == escaped {
                    continue;
                }
                let b = self.text[at];
                if in_string {
                    match b {
                        b'"' => in_string = false,
                        b'\\' => escaped = at + 1,
                        _ => {}
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            self.at = at + 1;
                            return Some(commas + 1);
                        }
                    }
                    b',' if depth == 1 => commas += 1,
                    _ => {}
                }
            }
            base += 64;
        }
        None
    }
}

/// Whether `b` can be structure to [`Scan::container`]: `"` `\` `,` `[` `]` `{` `}` (`[` and `]` are `{` and
/// `}` without bit 5).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn candidate(b: u8) -> bool {
    matches!(b, b'"' | b'\\' | b',') || matches!(b | 0x20, b'{' | b'}')
}

/// The [`candidate`]s of a block, as bits (first byte lowest), a byte at a time.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn scalar_candidates(block: &[u8; 64]) -> u64 {
    block
        .iter()
        .enumerate()
        .fold(0, |m, (i, &b)| m | u64::from(candidate(b)) << i)
}

#[cfg(not(target_arch = "x86_64"))]
fn candidates(block: &[u8; 64]) -> u64 {
    scalar_candidates(block)
}

#[cfg(target_arch = "x86_64")]
fn candidates(block: &[u8; 64]) -> u64 {
    // SAFETY: SSE2 is part of the x86-64 baseline: every CPU this target runs on has it.
    unsafe { candidates_sse2(block) }
}

/// [`scalar_candidates`], 16 bytes to a comparison ([`crate::fastcsv::sse2_block_bits`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn candidates_sse2(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_or_si128, _mm_set1_epi8};
    let quote = _mm_set1_epi8(b'"' as i8);
    let backslash = _mm_set1_epi8(b'\\' as i8);
    let comma = _mm_set1_epi8(b',' as i8);
    let bit5 = _mm_set1_epi8(0x20);
    let open = _mm_set1_epi8(b'{' as i8);
    let close = _mm_set1_epi8(b'}' as i8);
    crate::fastcsv::sse2_block_bits(block, |v| {
        let braces = _mm_or_si128(v, bit5);
        _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
            _mm_or_si128(
                _mm_cmpeq_epi8(v, comma),
                _mm_or_si128(_mm_cmpeq_epi8(braces, open), _mm_cmpeq_epi8(braces, close)),
            ),
        )
    })
}

/// Whether the scanned head of `text` is serde's whenever both read one (the fuzzers' check of the scan).
pub fn heads_agree(text: &str) -> bool {
    match (
        JsonHead::scan(text.as_bytes()),
        serde_json::from_str::<JsonHead>(text),
    ) {
        (Some(scanned), Ok(parsed)) => scanned == parsed,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPE: &str = r#"{"regions": ["冷水滩区", "a\"]}b", "c\\"], "industries": [], "entity_types": [],
        "risk_classes": ["A"], "tags_any": ["食品\u7ecf营"]}"#;

    /// The scanned head of `text`, which must be serde's.
    fn scanned(text: &str) -> JsonHead {
        let parsed: JsonHead = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let scanned = JsonHead::scan(text.as_bytes());
        assert_eq!(scanned.as_ref(), Some(&parsed), "{text}");
        assert!(heads_agree(text));
        parsed
    }

    fn bundle(excluded: &str, sizes: &str) -> String {
        format!(
            r#"{{"format": "fairdraw-bundle/1", "rules": {{"scope": {SCOPE}}}, "outcome": {{"algorithm": "x",
            "excluded": [{excluded}], "strata": [{sizes}], "targets": []}}}}"#
        )
    }

    /// Strings holding what looks like structure (quotes and backslashes escaped, brackets, commas, `\u`
    /// escapes) and elements of any kind and depth are skipped and counted as serde counts them.
    #[test]
    fn strings_and_nesting_are_skipped_as_serde_skips_them() {
        let plain = scanned(&bundle(r#"{"code": "E1", "reason": "status"}"#, r#"{"size": 2}"#));
        assert_eq!(plain.rows(), 3);
        assert_eq!(plain.rules.scope.regions, ["冷水滩区", "a\"]}b", "c\\"]);
        assert_eq!(plain.rules.scope.tags_any, ["食品经营"]);
        let escapes = [
            r#""a\"],[""#,
            r#""b\\""#,
            r#""\\""#,
            r#""\\\\\"]""#,
            r#""\u005d\u0022,\"""#,
            r#""{""#,
            r#"",""#,
            r#""[""#,
            r#""\n\t\/""#,
        ];
        let head = scanned(&bundle(
            &escapes.join(","),
            r#"{"size": 2}, {"size": 4000000000}"#,
        ));
        assert_eq!(head.rows(), 9 + 2 + 4_000_000_000);
        let nested = r#"[1, [2, {"a": [3, "]"]}]], {"x": {"y": [], "z": "}"}}, [], {}, "s", -1.5e3, null,
            true, false, [[[[]]]]"#;
        assert_eq!(scanned(&bundle(nested, "")).rows(), 10);
        assert_eq!(scanned(&bundle("", "")).rows(), 0);
        assert_eq!(
            scanned(&bundle(" \n\t\r ", r#"{"size": 7, "key": "]"}"#)).rows(),
            7
        );
    }

    /// Escapes at every place of a 64-byte block, and an escaping backslash at a block's last byte, are
    /// skipped the same.
    #[test]
    fn escapes_across_blocks_are_skipped() {
        for pad in 0..130 {
            let filler = "x".repeat(pad);
            let excluded = format!(r#""{filler}\"]", "{filler}\\", ["\\\"", "{filler}"], "\\\\\\\"""#);
            assert_eq!(scanned(&bundle(&excluded, "")).rows(), 4, "{pad}");
        }
    }

    /// Members in other orders, other members before, between and after, whitespace of every kind or none.
    #[test]
    fn members_in_any_order_and_any_whitespace() {
        let texts = [
            format!(
                r#"{{"outcome": {{"strata": [{{"size": 1}}], "seed": "{{", "excluded": [[], []]}},
                "witnesses": [{{"name": "\"}}"}}], "rules": {{"draw_date": "2026-06-01", "scope": {SCOPE}}}}}"#
            ),
            format!(
                "\r\n\t{{ \"rules\"\t:\r\n{{\"scope\":{SCOPE}}} ,\"n\":-0.5E+2,\"t\":true,\"f\":null,\r\n\
                 \"outcome\" : {{ \"groups\" : [ [ ] ] , \"excluded\" : [ 1 , 2 ] ,\"strata\":[{{\"size\":1}}] }} }}"
            ),
            format!(
                r#"{{"rules":{{"scope":{SCOPE}}},"outcome":{{"excluded":[{{"code":"E1","reason":"status"}},{{"code":"E2","reason":"status"}}],"strata":[{{"size":1}}]}}}}"#
            ),
        ];
        for text in &texts {
            assert_eq!(scanned(text).rows(), 3, "{text}");
        }
    }

    /// What the scan cannot vouch for is refused: no object, a member missing or twice, a key with an
    /// escape, an excluded list that is not an array, strata serde refuses, a text cut short anywhere.
    /// [`JsonHead::read`] then asks serde, which still reads an escaped key.
    #[test]
    fn the_scan_refuses_what_it_cannot_vouch_for() {
        let outcome = r#""outcome": {"excluded": [], "strata": []}"#;
        let rules = format!(r#""rules": {{"scope": {SCOPE}}}"#);
        let refused = [
            String::new(),
            "[]".to_string(),
            "{}".to_string(),
            format!("{{{outcome}}}"),
            format!("{{{rules}}}"),
            format!("{{{rules}, {rules}, {outcome}}}"),
            format!(r#"{{{rules}, "outcome": {{"excluded": {{"code": "E1"}}, "strata": []}}}}"#),
            format!(r#"{{{rules}, "outcome": {{"excluded": null, "strata": []}}}}"#),
            format!(r#"{{{rules}, "outcome": {{"excluded": [], "excluded": [], "strata": []}}}}"#),
            format!(r#"{{{rules}, "outcome": {{"excluded": [], "strata": [{{"size": -1}}]}}}}"#),
            format!(r#"{{{rules}, "outcome": {{"excluded": [], "strata": [{{"size": "1"}}]}}}}"#),
            format!(r#"{{{rules}, "outcome": {{"excluded": ["\"], "strata": []}}}}"#),
            format!(r#"{{"rules": {{"scope": 1}}, {outcome}}}"#),
            format!(r#"{{"format" {rules}, {outcome}}}"#),
            format!(r#"{{"format": , {rules}, {outcome}}}"#),
            format!(r#"{{"format": "x" {rules}, {outcome}}}"#),
            r#"{"x": "\"#.to_string(),
        ];
        for text in &refused {
            assert_eq!(JsonHead::scan(text.as_bytes()), None, "{text}");
            // Refused by the scan, the head is serde's (or none, where serde refuses it too).
            assert_eq!(JsonHead::read(text), serde_json::from_str(text).ok(), "{text}");
        }
        let escaped_key = format!(r#"{{"rul\u0065s": {{"scope": {SCOPE}}}, {outcome}}}"#);
        assert_eq!(JsonHead::scan(escaped_key.as_bytes()), None);
        let head = JsonHead::read(&escaped_key).unwrap();
        assert_eq!(head.rules.scope.risk_classes, ["A"]);

        // Cut anywhere before the end of `strata` (the last thing it needs here), the text is refused;
        // cut after it, the head is the whole text's.
        let text = bundle(
            r#"{"code": "E\"1", "reason": "status"}, [1, "]"]"#,
            r#"{"size": 5}"#,
        );
        let whole = scanned(&text);
        let needed = text.find(r#"}], "targets""#).unwrap() + 2;
        for cut in 0..=text.len() {
            let scan = JsonHead::scan(&text.as_bytes()[..cut]);
            if cut < needed {
                assert_eq!(scan, None, "{cut}");
            } else {
                assert_eq!(scan.as_ref(), Some(&whole), "{cut}");
            }
        }
    }

    /// The counted list as serde counts it: any elements, an empty one, and a refusal of anything else.
    #[test]
    fn counted_counts_any_elements() {
        let counted: Counted = serde_json::from_str(r#"[1, {"a": [2, "]"]}, "x,y", [], null]"#).unwrap();
        assert_eq!(counted.0, 5);
        assert_eq!(serde_json::from_str::<Counted>("[]").unwrap().0, 0);
        let refused = serde_json::from_str::<Counted>(r#"{"code": "E1"}"#).unwrap_err();
        assert!(refused.to_string().contains("expected an array"), "{refused}");
    }

    /// The SSE2 kernel finds the candidates the byte rule finds: every byte value at every place, and
    /// blocks of bytes near the candidates.
    #[test]
    fn candidates_match_the_byte_rule() {
        let near = b"\"\\,[]{}\x5a\x5c\x5e\x7a\x7c\x7e\x7f;yY_ :\x00\xdb\xfb\xfd\xa2\xac";
        for b in 0..=255u8 {
            for at in [0, 1, 15, 16, 31, 32, 47, 48, 63] {
                let mut block = [b'a'; 64];
                block[at] = b;
                assert_eq!(candidates(&block), scalar_candidates(&block), "{b} at {at}");
                assert_eq!(candidates(&[b; 64]), scalar_candidates(&[b; 64]), "{b}");
            }
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..10_000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = near[(state % near.len() as u64) as usize];
            }
            assert_eq!(candidates(&block), scalar_candidates(&block));
        }
    }

    /// Any JSON, pretty or compact, as the other members and as the excluded list's elements: the scan
    /// reads serde's head.
    mod any_json {
        use super::*;
        use proptest::prelude::*;
        use serde_json::Value;

        fn any_value() -> impl Strategy<Value = Value> {
            let text = "[\"\\\\\\[\\]{},:a-c 冷\\u{0}-\\u{1f}\\u{7f}\\u{2028}]{0,6}";
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                text.prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 40, 5, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::vec((text, inner), 0..5)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn the_scan_reads_serdes_head(
                before in any_value(),
                excluded in prop::collection::vec(any_value(), 0..8),
                sizes in prop::collection::vec(any::<u32>(), 0..4),
                between in any_value(),
                outcome_first in any::<bool>(),
                pretty in any::<bool>(),
            ) {
                let rules: Value = serde_json::from_str(&format!(r#"{{"scope": {SCOPE}}}"#)).unwrap();
                let strata: Vec<Value> = sizes.iter().map(|&s| serde_json::json!({"size": s})).collect();
                let outcome = serde_json::json!({
                    "before": between.clone(), "excluded": excluded, "between": between, "strata": strata,
                });
                let mut members = vec![("before", before), ("rules", rules), ("outcome", outcome)];
                if outcome_first {
                    members.swap(1, 2);
                }
                let json = Value::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
                let text = if pretty {
                    serde_json::to_string_pretty(&json).unwrap()
                } else {
                    serde_json::to_string(&json).unwrap()
                };
                let head = scanned(&text);
                let sum: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
                prop_assert_eq!(head.rows() as u64, excluded.len() as u64 + sum);
            }
        }
    }
}
