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
