//! The text and date rules of the protocol (§2): strings are NFC without surrounding white space, orders are
//! UTF-8 byte orders, dates are `YYYY-MM-DD` in the proleptic Gregorian calendar.
//!
//! Inputs that break these rules are rejected, never repaired: a record must hash exactly what was shown.

use unicode_normalization::is_nfc;

/// Why a string breaks the text rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextFault {
    NotNfc,
    Whitespace,
}

/// Checks that `s` is NFC and has no leading or trailing white space (Unicode `White_Space`, which is what
/// `char::is_whitespace` tests; the specification lists the characters).
pub(crate) fn check_text(s: &str) -> Result<(), TextFault> {
    // ASCII is always NFC, and so is text made only of characters that never change under NFC and never
    // combine (most Chinese text); this quick path matters for a million names and addresses.
    if !only_stable_starters(s) && !is_nfc(s) {
        return Err(TextFault::NotNfc);
    }
    check_edges(s)
}

/// The white-space half of [`check_text`], for text known to be NFC.
pub(crate) fn check_edges(s: &str) -> Result<(), TextFault> {
    // Most fields begin and end with ASCII other than white space or with a CJK ideograph (a lead byte
    // E4..E9, three bytes from the end for the last character): no need to decode them.
    let b = s.as_bytes();
    let plain = |c: u8| (c < 0x80 && !matches!(c, b'\t'..=b'\r' | b' ')) || (0xE4..=0xE9).contains(&c);
    let last_ok = match b.last() {
        Some(&c) if c < 0x80 => plain(c),
        _ => b.len() >= 3 && (0xE4..=0xE9).contains(&b[b.len() - 3]),
    };
    if b.first().is_some_and(|&c| plain(c)) && last_ok {
        return Ok(());
    }
    let mut chars = s.chars();
    let first = chars.next();
    let last = chars.next_back().or(first);
    if first.is_some_and(char::is_whitespace) || last.is_some_and(char::is_whitespace) {
        return Err(TextFault::Whitespace);
    }
    Ok(())
}

/// Whether `s` holds only [`stable_starter`]s, and so is NFC. Most text (ASCII, Latin-1, CJK ideographs,
/// CJK and full-width punctuation) is recognised by a pass over its bytes that the compiler vectorises;
/// anything else is decided character by character.
pub(crate) fn only_stable_starters(s: &str) -> bool {
    quick_stable(s.as_bytes()) || s.chars().all(stable_starter)
}

/// The searcher for E4 B7, built once.
static E4_B7: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(&[0xE4, 0xB7]));

/// `true` only if every character of `b` (valid UTF-8) is a stable starter: its lead bytes are all ASCII or
/// C2..CB (U+0080..U+02FF), E4 not followed by B7 (U+4000..U+4FFF but U+4DC0..U+4DFF), E5..E9 (U+5000..U+9FFF),
/// E3 80 80..A9 or E3 90..BF (U+3000..U+3029, U+3400..U+3FFF), or EF BC 81..BF or EF BD 80..A0
/// (U+FF01..U+FF60). `false` means "look closer".
fn quick_stable(b: &[u8]) -> bool {
    // Lead bytes other than these can begin only characters outside the set; E4 B7 begins U+4DC0..U+4DFF.
    let lead_bad = |c: u8| u8::from(c >= 0xCC && !(0xE3..=0xE9).contains(&c) && c != 0xEF);
    // Fixed-size blocks, so that the compiler turns each into a few vector instructions.
    let mut blocks = b.chunks_exact(32);
    let bad = (&mut blocks).fold(0u8, |bad, block| {
        bad | block.iter().fold(0u8, |acc, &c| acc | lead_bad(c))
    }) | blocks.remainder().iter().fold(0u8, |acc, &c| acc | lead_bad(c));
    bad == 0
        && E4_B7.find(b).is_none()
        && memchr::memchr_iter(0xE3, b).all(|i| match (b.get(i + 1), b.get(i + 2)) {
            (Some(0x90..=0xBF), _) => true,
            (Some(0x80), Some(&c)) => c <= 0xA9,
            _ => false,
        })
        && memchr::memchr_iter(0xEF, b).all(|i| match (b.get(i + 1), b.get(i + 2)) {
            (Some(0xBC), Some(&c)) => c >= 0x81,
            (Some(0xBD), Some(&c)) => c <= 0xA0,
            _ => false,
        })
}

/// Where in `b` (valid UTF-8) from `from` on the first character is that [`quick_stable`] would not vouch
/// for, or `b.len()`: every character that starts in `from..` the result is a stable starter, so every row
/// within that range is NFC. For a whole buffer of rows at once, 32 bytes to a few AVX2 comparisons (16 to
/// SSE2 ones on a CPU without AVX2); the rows that hold the byte found are then looked at one by one with
/// [`only_stable_starters`].
pub(crate) fn unsure_from(b: &[u8], from: usize) -> usize {
    unsure_from_with(b, from, crate::fastcsv::has_avx2())
}

/// NFC settled for the rows of one buffer, taken in order: by runs of rows at once up to the next character
/// [`unsure_from`] finds, and the row holding that character by itself ([`only_stable_starters`]), after
/// which the search goes on past it.
pub(crate) struct StableRuns<'t> {
    text: &'t str,
    /// Every character that starts before this is a stable starter.
    unsure: usize,
}

impl<'t> StableRuns<'t> {
    pub(crate) fn new(text: &'t str) -> StableRuns<'t> {
        StableRuns {
            text,
            unsure: unsure_from(text.as_bytes(), 0),
        }
    }

    /// Whether the row `text[start..end]`, the one after the row asked about before (if any), is made only
    /// of stable starters, and so is NFC in every field. Ask once per row.
    #[inline]
    pub(crate) fn row(&mut self, start: usize, end: usize) -> bool {
        if end <= self.unsure {
            return true;
        }
        self.unsure = unsure_from(self.text.as_bytes(), end);
        only_stable_starters(&self.text[start..end])
    }
}

/// [`unsure_from`], with the AVX2 kernel only if `avx2` (which the CPU must then have); tests run every
/// kernel on the same bytes.
fn unsure_from_with(b: &[u8], from: usize, avx2: bool) -> usize {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        if avx2 {
            // SAFETY: `avx2` is only true when the CPU has AVX2 (`has_avx2`, or a test that checked it).
            if let Some(at) = unsafe { unsure_avx2(b, &mut i) } {
                return at;
            }
        }
        while i + 18 <= b.len() {
            // Borrowed, not copied: loads from a copy on the stack at other offsets than it was written
            // with wait for the copy to land.
            let Ok(window) = <&[u8; 18]>::try_from(&b[i..i + 18]) else {
                break;
            };
            // SAFETY: SSE2 is part of the x86-64 baseline: every CPU this target runs on has it.
            let mask = unsafe { unsure_mask_sse2(window) };
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = avx2;
    while i < b.len() {
        let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
        if unsure_byte(at(0), at(1), at(2)) {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// Whether the character whose first byte is `c0`, followed by `c1` and `c2`, is one [`quick_stable`]
/// would not vouch for (continuation bytes never are): a lead byte from CC on other than E3..E9 and EF,
/// E4 B7, E3 not followed by 90..BF or 80 80..A9, EF not followed by BC 81..BF or BD 80..A0.
fn unsure_byte(c0: u8, c1: u8, c2: u8) -> bool {
    let simple = c0 >= 0xCC && !(0xE3..=0xE9).contains(&c0) && c0 != 0xEF;
    let e3 = c0 == 0xE3 && !(c1 >= 0x90 || (c1 == 0x80 && c2 <= 0xA9));
    let e4 = c0 == 0xE4 && c1 == 0xB7;
    let ef = c0 == 0xEF && !((c1 == 0xBC && c2 >= 0x81) || (c1 == 0xBD && c2 <= 0xA0));
    simple || e3 || e4 || ef
}

/// [`unsure_byte`] for the first 16 bytes of `w` (the two after them are their neighbours): bit `k` of the
/// result is set when byte `k` is unsure.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn unsure_mask_sse2(w: &[u8; 18]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8,
        _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let splat = |c: u8| _mm_set1_epi8(c as i8);
    let eq = |a: __m128i, c: u8| _mm_cmpeq_epi8(a, splat(c));
    // Unsigned comparisons: a ≥ c exactly when max(a, c) = a, a ≤ c when min(a, c) = a.
    let ge = |a: __m128i, c: u8| _mm_cmpeq_epi8(_mm_max_epu8(a, splat(c)), a);
    let le = |a: __m128i, c: u8| _mm_cmpeq_epi8(_mm_min_epu8(a, splat(c)), a);
    // SAFETY: each load reads 16 bytes of `w` (from 0, 1 and 2 of its 18); no alignment requirement.
    let (v0, v1, v2) = unsafe {
        (
            _mm_loadu_si128(w.as_ptr().cast()),
            _mm_loadu_si128(w[1..].as_ptr().cast()),
            _mm_loadu_si128(w[2..].as_ptr().cast()),
        )
    };
    let is_ef = eq(v0, 0xEF);
    let e3_e9 = _mm_and_si128(ge(v0, 0xE3), le(v0, 0xE9));
    let simple = _mm_andnot_si128(_mm_or_si128(e3_e9, is_ef), ge(v0, 0xCC));
    let e3_ok = _mm_or_si128(ge(v1, 0x90), _mm_and_si128(eq(v1, 0x80), le(v2, 0xA9)));
    let e3 = _mm_andnot_si128(e3_ok, eq(v0, 0xE3));
    let e4 = _mm_and_si128(eq(v0, 0xE4), eq(v1, 0xB7));
    let ef_ok = _mm_or_si128(
        _mm_and_si128(eq(v1, 0xBC), ge(v2, 0x81)),
        _mm_and_si128(eq(v1, 0xBD), le(v2, 0xA0)),
    );
    let ef = _mm_andnot_si128(ef_ok, is_ef);
    let unsure = _mm_or_si128(_mm_or_si128(simple, e3), _mm_or_si128(e4, ef));
    _mm_movemask_epi8(unsure) as u32 & 0xFFFF
}

/// The AVX2 part of [`unsure_from`]: from `*i` on, 32 bytes at a time while 34 are left (the two after
/// each 32 are their neighbours); the first unsure byte, or `None` with `*i` where the search goes on.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn unsure_avx2(b: &[u8], i: &mut usize) -> Option<usize> {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_andnot_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256,
        _mm256_max_epu8, _mm256_min_epu8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
    };
    while *i + 34 <= b.len() {
        let w = &b[*i..*i + 34];
        // The same comparisons as `unsure_mask_sse2`, on 32 bytes.
        let splat = |c: u8| _mm256_set1_epi8(c as i8);
        let eq = |a: __m256i, c: u8| _mm256_cmpeq_epi8(a, splat(c));
        let ge = |a: __m256i, c: u8| _mm256_cmpeq_epi8(_mm256_max_epu8(a, splat(c)), a);
        let le = |a: __m256i, c: u8| _mm256_cmpeq_epi8(_mm256_min_epu8(a, splat(c)), a);
        // SAFETY: each load reads 32 bytes of `w` (from 0, 1 and 2 of its 34); no alignment requirement.
        let (v0, v1, v2) = unsafe {
            (
                _mm256_loadu_si256(w.as_ptr().cast()),
                _mm256_loadu_si256(w[1..].as_ptr().cast()),
                _mm256_loadu_si256(w[2..].as_ptr().cast()),
            )
        };
        let is_ef = eq(v0, 0xEF);
        let e3_e9 = _mm256_and_si256(ge(v0, 0xE3), le(v0, 0xE9));
        let simple = _mm256_andnot_si256(_mm256_or_si256(e3_e9, is_ef), ge(v0, 0xCC));
        let e3_ok = _mm256_or_si256(ge(v1, 0x90), _mm256_and_si256(eq(v1, 0x80), le(v2, 0xA9)));
        let e3 = _mm256_andnot_si256(e3_ok, eq(v0, 0xE3));
        let e4 = _mm256_and_si256(eq(v0, 0xE4), eq(v1, 0xB7));
        let ef_ok = _mm256_or_si256(
            _mm256_and_si256(eq(v1, 0xBC), ge(v2, 0x81)),
            _mm256_and_si256(eq(v1, 0xBD), le(v2, 0xA0)),
        );
        let ef = _mm256_andnot_si256(ef_ok, is_ef);
        let unsure = _mm256_or_si256(_mm256_or_si256(simple, e3), _mm256_or_si256(e4, ef));
        let mask = _mm256_movemask_epi8(unsure) as u32;
        if mask != 0 {
            return Some(*i + mask.trailing_zeros() as usize);
        }
        *i += 32;
    }
    None
}

/// Characters with NFC_Quick_Check = Yes and canonical combining class 0 (checked by a test against the
/// Unicode tables): Latin-1 and Latin Extended, CJK punctuation up to U+3029, CJK Unified Ideographs with
/// extensions A and B, and the full-width forms. A string of only these is NFC.
fn stable_starter(c: char) -> bool {
    matches!(c as u32, 0..=0x2FF | 0x3000..=0x3029 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF01..=0xFF60 | 0x20000..=0x2A6DF)
}

/// Days since 0000-03-01 of a `YYYY-MM-DD` date from 0001-01-01 to 9999-12-31, or `None` if `s` is not
/// exactly such a date. Only differences of these numbers are used.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_len = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if y < 1 || d < 1 || d > month_len {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm), with the year starting in March.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(check_text("永州𠮷䶮"), Ok(()));
        assert_eq!(check_text(""), Ok(()));
        assert_eq!(check_text("a b"), Ok(()));
        // "é" as e + combining acute is not NFC.
        assert_eq!(check_text("cafe\u{301}"), Err(TextFault::NotNfc));
        assert_eq!(check_text(" x"), Err(TextFault::Whitespace));
        assert_eq!(check_text("x\u{3000}"), Err(TextFault::Whitespace));
        assert_eq!(check_text("\u{a0}"), Err(TextFault::Whitespace));
        // U+001C..U+001F are not White_Space (Python's str.isspace says they are).
        assert_eq!(check_text("\u{1c}"), Ok(()));
        // CJK compatibility ideographs change under NFC.
        assert_eq!(check_text("\u{f900}"), Err(TextFault::NotNfc));
    }

    #[test]
    fn the_quick_path_holds_only_stable_starters() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{IsNormalized, is_nfc_quick};
        let mut n = 0;
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| stable_starter(c))
        {
            assert_eq!(canonical_combining_class(c), 0, "{:04X}", c as u32);
            assert_eq!(
                is_nfc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "{:04X}",
                c as u32
            );
            n += 1;
        }
        assert!(n > 70_000);
    }

    #[test]
    fn the_byte_path_agrees_with_stable_starter() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let one = c.encode_utf8(&mut buf);
            if quick_stable(one.as_bytes()) {
                assert!(stable_starter(c), "{:04X}", c as u32);
            }
            assert_eq!(only_stable_starters(one), stable_starter(c), "{:04X}", c as u32);
            // In the middle of other text too.
            let mid = format!("永{c}州");
            assert_eq!(only_stable_starters(&mid), stable_starter(c), "{:04X}", c as u32);
        }
        // The quick path takes the common characters of a register.
        assert!(quick_stable(
            "永州市盛和茶业有限责任公司（自然人投资或控股）、个体 2012-07-12".as_bytes()
        ));
        assert!(only_stable_starters("永州市冷水滩区 No.1（个体）"));
        assert!(only_stable_starters("91431100000035916E,2012-07-12,永州"));
        assert!(!only_stable_starters("91431100000035916E,2012-07-12\u{f900}"));
        assert!(!only_stable_starters("永州\u{f900}"));
        assert!(!only_stable_starters("cafe\u{301}"));
    }

    /// The buffer search flags exactly the bytes of the byte-by-byte rule, wherever they are in the 16-byte
    /// comparisons and whatever their neighbours; and text it finds nothing in is text of stable starters.
    #[test]
    fn the_buffer_search_agrees_with_the_byte_rule_and_the_quick_path() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Lead bytes that need their neighbours, with every neighbour; every byte with random neighbours.
        let mut triples: Vec<[u8; 3]> = Vec::new();
        for c0 in [0xE3, 0xE4, 0xEF] {
            for c1 in 0..=255u8 {
                for c2 in (0..=255u8).step_by(3).chain([0x81, 0xA0, 0xA9, 0xAA]) {
                    triples.push([c0, c1, c2]);
                }
            }
        }
        for c0 in 0..=255u8 {
            for _ in 0..64 {
                let r = next();
                triples.push([c0, r as u8, (r >> 8) as u8]);
            }
        }
        for (n, t) in triples.iter().enumerate() {
            let len = 3 + n % 71;
            let at = n % (len - 2);
            let mut b = vec![b'x'; len];
            b[at..at + 3].copy_from_slice(t);
            // The byte-by-byte rule from `from` on.
            let first_unsure = |from: usize| {
                (from..len)
                    .find(|&i| {
                        let get = |k: usize| b.get(i + k).copied().unwrap_or(0);
                        unsure_byte(get(0), get(1), get(2))
                    })
                    .unwrap_or(len)
            };
            for from in [0, at, at + 1] {
                let expected = first_unsure(from);
                for avx2 in [false, crate::fastcsv::has_avx2()] {
                    assert_eq!(
                        unsure_from_with(&b, from, avx2),
                        expected,
                        "{t:02X?} at {at} of {len} from {from}, avx2 {avx2}"
                    );
                }
            }
        }
        // Whole strings of random characters: nothing unsure means only stable starters.
        let pool: Vec<char> =
            "永州市（）、《》ａ１ーabc é䶮\u{4DC0}\u{FF61}\u{3030}\u{3001}\u{F900}\u{301}𠮷𫖮"
                .chars()
                .collect();
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let s: String = (0..len)
                .map(|_| pool[(next() % pool.len() as u64) as usize])
                .collect();
            if unsure_from(s.as_bytes(), 0) == s.len() {
                assert!(only_stable_starters(&s) && quick_stable(s.as_bytes()), "{s:?}");
            } else {
                assert!(!quick_stable(s.as_bytes()), "{s:?}");
            }
        }
    }

    /// Random text of characters on both sides of the rule, two to four bytes long, so that characters
    /// straddle every place of the 16- and 32-byte comparisons: from every start, each kernel finds what
    /// the byte-by-byte rule finds.
    #[test]
    fn every_kernel_finds_what_the_byte_rule_finds_from_every_start() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pool: Vec<char> = "永州（）ａ１é\u{4DC0}\u{FF61}\u{3030}\u{3001}\u{3029}\u{302A}\u{F900}\u{301}𠮷𫖮\u{FF60}\u{FFE5},\"\n"
            .chars()
            .collect();
        for round in 0..3000 {
            // Mostly stable text, so that the unsure characters are found at every distance.
            let len = (next() % 90) as usize;
            let s: String = (0..len)
                .map(|_| {
                    let r = (next() % (pool.len() as u64 * (1 + round % 8))) as usize;
                    if r < pool.len() { pool[r] } else { '州' }
                })
                .collect();
            let b = s.as_bytes();
            for from in 0..=b.len() {
                let expected = (from..b.len())
                    .find(|&i| {
                        let get = |k: usize| b.get(i + k).copied().unwrap_or(0);
                        unsure_byte(get(0), get(1), get(2))
                    })
                    .unwrap_or(b.len());
                for avx2 in [false, crate::fastcsv::has_avx2()] {
                    assert_eq!(
                        unsure_from_with(b, from, avx2),
                        expected,
                        "{s:?} from {from}, avx2 {avx2}"
                    );
                }
            }
        }
    }

    #[test]
    fn edges_are_checked_as_characters() {
        for (s, ok) in [
            ("永州", true),
            ("a", true),
            ("", true),
            ("永 ", false),
            ("\u{3000}永", false),
            ("永\u{a0}", false),
            ("\u{2028}", false),
            ("é", true),
            ("𠮷", true),
            ("a\u{85}", false),
        ] {
            assert_eq!(check_edges(s).is_ok(), ok, "{s:?}");
        }
    }

    #[test]
    fn white_space_is_the_listed_set() {
        let listed: Vec<u32> = (0x9..=0xd)
            .chain([0x20, 0x85, 0xa0, 0x1680])
            .chain(0x2000..=0x200a)
            .chain([0x2028, 0x2029, 0x202f, 0x205f, 0x3000])
            .collect();
        let actual: Vec<u32> = (0..=0x10ffffu32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .map(|c| c as u32)
            .collect();
        assert_eq!(actual, listed);
    }

    #[test]
    fn dates() {
        let d = |s| parse_date(s).unwrap();
        assert_eq!(d("2026-12-01") - d("2025-12-02"), 364);
        assert_eq!(d("2026-12-01") - d("2025-12-01"), 365);
        assert_eq!(d("2024-03-01") - d("2024-02-28"), 2);
        assert_eq!(d("2100-03-01") - d("2100-02-28"), 1);
        assert_eq!(d("2000-03-01") - d("2000-02-28"), 2);
        assert_eq!(d("1970-01-01") - d("0001-01-01"), 719_162);
        assert!(parse_date("9999-12-31").is_some());
        for bad in [
            "",
            "2026-2-01",
            "2026-02-30",
            "2025-02-29",
            "0000-01-01",
            "2026-13-01",
            "2026/01/01",
            "２０２６-01-01",
            "2026-01-01 ",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
