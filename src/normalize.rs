//! Normalisation of spreadsheet cell text into the values stored in the registers.
//!
//! Government spreadsheets carry the same value in many spellings: full-width letters and digits typed with a
//! Chinese input method, ideographic (U+3000) and no-break spaces, a leading apostrophe that Excel users type to
//! keep a number as text, decomposed Unicode from some exporters, dates in half a dozen formats. Everything
//! here maps those spellings to one canonical form, so that re-importing the same data in another spelling
//! reports "unchanged", and so that the draw (which hashes these values) sees one byte string per value.
//!
//! All functions are pure and never fail on odd input: a value that cannot be understood is reported by the
//! caller (`None` from the parsers here), never silently replaced.

use chrono::{Datelike, NaiveDate};
use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Folds one character: full-width ASCII forms (U+FF01–U+FF5E) to ASCII, the ideographic space (U+3000) and
/// no-break spaces to a plain space. Everything else is unchanged.
fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
        _ => c,
    }
}

/// Whitespace for trimming and collapsing: Unicode white space (which includes U+3000 and NBSP) and the
/// zero-width characters that copy-paste from web pages leaves behind.
fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}')
}

/// The common form of every text value: full-width ASCII folded, line breaks unified to `\n`, NFC, trimmed,
/// one leading apostrophe (Excel's "this is text" marker) removed. Internal spacing and line breaks are kept,
/// which matters for multi-line fields such as 抽查依据.
pub fn text(raw: &str) -> String {
    if plain_scan(raw).is_some() {
        return plain_text(raw).to_string();
    }
    text_general(raw)
}

/// Characters that [`text`] leaves as they are and that are not white space: ASCII letters, digits and
/// punctuation, Latin-1 and Latin Extended letters (U+00A1–U+02FF, neither folded nor composing), the CJK
/// Unified Ideographs and the CJK punctuation U+3001–U+3029. Nearly every character of a Chinese register.
/// [`plain_scan`] recognises them by their bytes; this is its reference, in the tests.
#[cfg(test)]
fn is_plain(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_graphic()
    } else {
        ('\u{4E00}'..='\u{9FFF}').contains(&c)
            || ('\u{3001}'..='\u{3029}').contains(&c)
            || ('\u{A1}'..'\u{300}').contains(&c)
    }
}

/// `Some(has_space)` if `raw` is made only of [`is_plain`] characters and ASCII spaces: then the only white
/// space [`text`] and [`name`] can meet is the ASCII space, nothing is folded and the text is already NFC.
/// One pass instead of the general path's several (a million-row import normalises some ten million cells).
///
/// The plain characters are recognised by their UTF-8 bytes, without decoding: ASCII graphic bytes; U+00A1–U+02FF
/// are the two-byte sequences led by `C2 A1`–`C2 BF` and `C3`–`CB`; U+3001–U+3029 are `E3 80 81`–`E3 80 A9`; the
/// CJK Unified Ideographs U+4E00–U+9FFF are led by `E4 B8`–`E4 BF` and `E5`–`E9`. The unit test
/// `plain_scan_reads_bytes_as_is_plain_reads_characters` holds this to [`is_plain`] for every character.
fn plain_scan(raw: &str) -> Option<bool> {
    let b = raw.as_bytes();
    let mut space = false;
    let mut i = 0;
    while let Some(&lead) = b.get(i) {
        i += match lead {
            b' ' => {
                space = true;
                1
            }
            0x21..=0x7E => 1,
            0xC2 if *b.get(i + 1)? >= 0xA1 => 2,
            0xC3..=0xCB => 2,
            0xE3 if *b.get(i + 1)? == 0x80 && (0x81..=0xA9).contains(b.get(i + 2)?) => 3,
            0xE4 if *b.get(i + 1)? >= 0xB8 => 3,
            0xE5..=0xE9 => 3,
            _ => return None,
        };
    }
    Some(space)
}

/// [`text`] of a `raw` that passed [`plain_scan`]: trimmed of ASCII spaces, one leading apostrophe removed.
fn plain_text(raw: &str) -> &str {
    let trimmed = trim_ascii_spaces(raw);
    let unquoted = trimmed.strip_prefix('\'').unwrap_or(trimmed);
    trim_ascii_spaces(unquoted)
}

/// `text.trim_matches(' ')` by bytes (the general pattern search was 3 % of an import's parsing). The cuts lie
/// next to ASCII bytes, so on character boundaries.
fn trim_ascii_spaces(text: &str) -> &str {
    let b = text.as_bytes();
    let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ').map_or(start, |i| i + 1);
    text.get(start..end).unwrap_or(text)
}

/// [`text`] for any input.
fn text_general(raw: &str) -> String {
    // Most cells need neither folding nor composition: check first, allocate only when something changes
    // (a million-row import normalises some ten million cells).
    let folded: Cow<'_, str> = if raw.chars().any(|c| c == '\r' || fold_char(c) != c) {
        Cow::Owned(
            raw.replace("\r\n", "\n")
                .replace('\r', "\n")
                .chars()
                .map(fold_char)
                .collect(),
        )
    } else {
        Cow::Borrowed(raw)
    };
    let composed: Cow<'_, str> = if folded.chars().all(trivially_nfc) {
        folded
    } else {
        match is_nfc_quick(folded.chars()) {
            IsNormalized::Yes => folded,
            _ => Cow::Owned(folded.nfc().collect()),
        }
    };
    let trimmed = composed.trim_matches(is_space);
    let unquoted = trimmed.strip_prefix('\'').unwrap_or(trimmed);
    unquoted.trim_matches(is_space).to_string()
}

/// Characters that can neither compose with a neighbour nor be changed by NFC (canonical combining class 0
/// and `NFC_Quick_Check=Yes`): everything below U+0300 (ASCII, Latin-1, Latin Extended-A/B), the CJK
/// Unified Ideographs block and the CJK symbols U+3000–U+3029. A text made only of these is already NFC;
/// checking them by range first skips the table lookups of the quick check for nearly every cell of a
/// Chinese register. The unit test `trivially_nfc_characters_are_nfc` checks the claim for every character.
fn trivially_nfc(c: char) -> bool {
    c < '\u{300}' || ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3000}'..='\u{3029}').contains(&c)
}

/// True if [`text`] of `raw` is empty, without building it: only white space and at most one apostrophe
/// (the full-width one folds to ASCII). For the blank-row test on every cell of a file.
pub fn is_blank(raw: &str) -> bool {
    let mut apostrophes = 0;
    for c in raw.chars() {
        match fold_char(c) {
            '\'' => apostrophes += 1,
            f if is_space(f) => {}
            _ => return false,
        }
    }
    apostrophes <= 1
}

/// A name or short label: [`text`] with every run of whitespace (line breaks included) collapsed to one space.
pub fn name(raw: &str) -> String {
    let t = match plain_scan(raw) {
        Some(false) => return plain_text(raw).to_string(),
        Some(true) => plain_text(raw).to_string(),
        None => text_general(raw),
    };
    // `text` trimmed the ends: without white space inside there is nothing to collapse.
    if !t.chars().any(is_space) {
        return t;
    }
    let mut out = String::with_capacity(t.len());
    let mut in_space = false;
    for c in t.chars() {
        if is_space(c) {
            in_space = true;
        } else {
            if in_space && !out.is_empty() {
                out.push(' ');
            }
            in_space = false;
            out.push(c);
        }
    }
    out
}

/// [`name`], borrowing `raw` where the result is a part of it (plain characters, no space inside: nearly every
/// cell of a register), so that the import copies such a cell only into the encoded row.
pub fn name_cow(raw: &str) -> Cow<'_, str> {
    match plain_scan(raw) {
        Some(false) => Cow::Borrowed(plain_text(raw)),
        _ => Cow::Owned(name(raw)),
    }
}

/// [`code`], borrowing `raw` where the result is a part of it (ASCII without spaces or lower-case letters).
pub fn code_cow(raw: &str) -> Cow<'_, str> {
    if raw.is_ascii() && plain_scan(raw) == Some(false) && !raw.bytes().any(|b| b.is_ascii_lowercase()) {
        return Cow::Borrowed(plain_text(raw));
    }
    Cow::Owned(code(raw))
}

/// A code (credit code, staff number, certificate number, item or department code): [`text`], upper-cased,
/// with all whitespace removed (codes are often typed in groups, `9133 0000 ...`).
pub fn code(raw: &str) -> String {
    // A code typed in ASCII, as nearly all are: ASCII upper-casing is what `to_uppercase` does to it.
    if raw.is_ascii() && plain_scan(raw).is_some() {
        let mut out = plain_text(raw).replace(' ', "");
        out.make_ascii_uppercase();
        return out;
    }
    text(raw)
        .chars()
        .filter(|c| !is_space(*c))
        .flat_map(char::to_uppercase)
        .collect()
}

/// A multi-value list (tags, qualifications) split on `；;，,、|`, each part a [`name`], empty parts dropped,
/// sorted and deduplicated so that the order in which people typed them never matters.
pub fn list(raw: &str) -> Vec<String> {
    let t = text(raw);
    let mut out: Vec<String> = t
        .split(['；', ';', '，', ',', '、', '|', '\n'])
        .map(name)
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A yes/no value: 是/否, Y/N, yes/no, 1/0, √/×, ✓/✗, true/false, 真/假 (case-insensitive). `None` if the
/// text is none of these; the caller decides what an empty cell means.
pub fn boolean(raw: &str) -> Option<bool> {
    let t = name(raw).to_lowercase();
    match t.as_str() {
        "是" | "y" | "yes" | "1" | "√" | "✓" | "✔" | "true" | "真" | "对" => Some(true),
        "否" | "n" | "no" | "0" | "×" | "✗" | "✘" | "x" | "false" | "假" | "不是" => Some(false),
        _ => None,
    }
}

/// Words that mean "no expiry date" on a certificate (执法证有效期).
const NO_EXPIRY: &[&str] = &["长期", "永久", "长期有效", "永久有效", "无期限", "无固定期限"];

/// True if the text says a validity period has no end (长期, 永久 ...).
pub fn is_no_expiry(raw: &str) -> bool {
    let t = name(raw);
    NO_EXPIRY.contains(&t.as_str())
}

/// The Excel serial day number of a date (1900 date system, with Excel's phantom 1900-02-29 accounted for).
/// Serial 1 is 1900-01-01; serials from 61 on count from 1899-12-30.
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    // Excel believes 1900 was a leap year: serial 60 is the non-existent 1900-02-29. Below it the epoch is
    // one day later than above it.
    let epoch = if days >= 61 {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    } else if days == 60 {
        return None;
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    };
    epoch.checked_add_signed(chrono::Duration::days(days))
}

/// Parses a date as written in real sheets: `2026-01-31`, `2026/1/31`, `2026.1.31`, `2026年1月31日`,
/// `20260131`, an ISO date-time (`2026-01-31 08:00:00`, `2026-01-31T00:00:00`), or a five-digit Excel serial
/// number left over from a cell that lost its date format. Full-width digits are accepted. Returns `None` for
/// anything else, including an empty string.
pub fn date(raw: &str) -> Option<NaiveDate> {
    // Borrowed where `name` would change nothing: two dates in each of a million rows, no allocation.
    let t = name_cow(raw);
    // Drop a time part: "2026-01-31 08:00:00", "2026-01-31T00:00:00".
    let t = t.split([' ', 'T']).next().unwrap_or("");
    let t = t.trim_end_matches(['日', '号']);
    if t.is_empty() {
        return None;
    }
    if t.chars().all(|c| c.is_ascii_digit()) {
        return match t.len() {
            8 => {
                let y = t[..4].parse().ok()?;
                let m = t[4..6].parse().ok()?;
                let d = t[6..].parse().ok()?;
                NaiveDate::from_ymd_opt(y, m, d)
            }
            5 => excel_serial_to_date(t.parse::<f64>().ok()?),
            _ => None,
        };
    }
    // Exactly three parts, without collecting them.
    let mut split = t.split(['-', '/', '.', '年', '月']);
    let (Some(y), Some(m), Some(d), None) = (split.next(), split.next(), split.next(), split.next()) else {
        return None;
    };
    let parts = [y, m, d];
    if parts[0].len() != 4 {
        return None;
    }
    if parts
        .iter()
        .any(|p| p.is_empty() || p.len() > 4 || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The canonical text of a date, as stored and exported: `YYYY-MM-DD`.
pub fn date_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// The key used to match a column header against the known names of a field: [`text`] without any
/// whitespace, without the `*` that marks required columns in templates, without trailing parenthesised
/// remarks such as `（可选）` or `（经营场所）`, without a trailing colon, ASCII lower-cased.
pub fn header_key(raw: &str) -> String {
    let mut t: String = text(raw)
        .chars()
        .filter(|c| !is_space(*c) && *c != '*')
        .flat_map(|c| c.to_lowercase())
        .collect();
    loop {
        let before = t.len();
        while t.ends_with(':') || t.ends_with('：') {
            t.pop();
        }
        if t.ends_with(')')
            && let Some(open) = t.rfind('(')
            && open > 0
        {
            t.truncate(open);
        }
        if t.len() == before {
            return t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivially_nfc_characters_are_nfc() {
        use unicode_normalization::char::canonical_combining_class;
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| trivially_nfc(c))
        {
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
        }
        // A combining mark after a trivially-NFC letter still goes through composition.
        assert_eq!(text("e\u{301}"), "\u{E9}");
    }

    #[test]
    fn is_blank_agrees_with_text() {
        let pieces = [
            "", " ", "\u{3000}", "\u{A0}", "\r\n", "\t", "\u{200B}", "\u{FEFF}", "'", "\u{FF07}", "a", "中",
            "\u{301}", "\u{2001}", "\u{FF10}",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let raw = format!("{a}{b}{c}");
                    assert_eq!(is_blank(&raw), text(&raw).is_empty(), "{raw:?}");
                }
            }
        }
    }

    /// `date` as it was before it borrowed and stopped collecting the parts: the reference for the property below.
    fn date_reference(raw: &str) -> Option<NaiveDate> {
        let t = name(raw);
        let t = t.split([' ', 'T']).next().unwrap_or("");
        let t = t.trim_end_matches(['日', '号']);
        if t.is_empty() {
            return None;
        }
        if t.chars().all(|c| c.is_ascii_digit()) {
            return match t.len() {
                8 => {
                    NaiveDate::from_ymd_opt(t[..4].parse().ok()?, t[4..6].parse().ok()?, t[6..].parse().ok()?)
                }
                5 => excel_serial_to_date(t.parse::<f64>().ok()?),
                _ => None,
            };
        }
        let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
        if parts.len() != 3
            || parts[0].len() != 4
            || parts
                .iter()
                .any(|p| p.is_empty() || p.len() > 4 || !p.chars().all(|c| c.is_ascii_digit()))
        {
            return None;
        }
        NaiveDate::from_ymd_opt(
            parts[0].parse().ok()?,
            parts[1].parse().ok()?,
            parts[2].parse().ok()?,
        )
    }

    proptest::proptest! {
        #[test]
        fn dates_read_as_the_reference_reads_them(raw in "[0-9０-９ \u{3000}\u{A0}T:年月日号./-]{0,16}") {
            proptest::prop_assert_eq!(date(&raw), date_reference(&raw));
        }

        #[test]
        fn is_blank_and_name_fast_paths_agree(raw in "[ '\u{3000}\u{A0}\u{FF07}\r\na中\u{301}]{0,8}") {
            proptest::prop_assert_eq!(is_blank(&raw), text(&raw).is_empty());
            let t = text(&raw);
            let collapsed: Vec<&str> = t.split(is_space).filter(|s| !s.is_empty()).collect();
            proptest::prop_assert_eq!(name(&raw), collapsed.join(" "));
        }

        #[test]
        fn plain_fast_paths_agree_with_the_general_path(
            raw in "[ 'a9Zé\u{2FF}\u{300}中\u{9FFF}\u{A000}、\u{3000}\u{3029}\u{302A}\u{A0}\u{A1}\t\r\n\u{85}\u{7F}\u{FF21}]{0,8}"
        ) {
            let general = text_general(&raw);
            proptest::prop_assert_eq!(text(&raw), general.clone());
            let collapsed: Vec<&str> = general.split(is_space).filter(|s| !s.is_empty()).collect();
            proptest::prop_assert_eq!(name(&raw), collapsed.join(" "));
            let slow_code: String = general
                .chars()
                .filter(|c| !is_space(*c))
                .flat_map(char::to_uppercase)
                .collect();
            proptest::prop_assert_eq!(code(&raw), slow_code);
            proptest::prop_assert_eq!(name_cow(&raw), name(&raw));
            proptest::prop_assert_eq!(code_cow(&raw), code(&raw));
        }
    }

    #[test]
    fn ascii_spaces_are_trimmed_as_trim_matches_trims_them() {
        for t in [
            "",
            " ",
            "  ",
            "a",
            " a ",
            "  中 文  ",
            "中",
            " '中' ",
            "\u{3000} a \u{3000}",
            "a  ",
        ] {
            assert_eq!(trim_ascii_spaces(t), t.trim_matches(' '), "{t:?}");
        }
    }

    #[test]
    fn plain_scan_reads_bytes_as_is_plain_reads_characters() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let expected = (c == ' ' || is_plain(c)).then_some(c == ' ');
            assert_eq!(plain_scan(&c.to_string()), expected, "{c:?}");
            // Within a text: a plain neighbour changes nothing, a space is reported.
            let s = format!("中{c} a");
            assert_eq!(plain_scan(&s), expected.map(|_| true), "{s:?}");
        }
        assert_eq!(plain_scan(""), Some(false));
        assert_eq!(plain_scan("统一社会信用代码、A-1"), Some(false));
        assert_eq!(plain_scan("\u{4DFF}"), None);
    }

    #[test]
    fn plain_characters_are_left_alone_by_the_general_path() {
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| is_plain(c))
        {
            assert!(!is_space(c), "{c:?}");
            let s = c.to_string();
            if c != '\'' {
                assert_eq!(text_general(&s), s, "{c:?}");
            }
        }
    }

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn text_folds_full_width_trims_ideographic_space_and_removes_apostrophe() {
        assert_eq!(text("\u{3000}'９１３３００００Ａ\u{00A0} "), "91330000A");
        assert_eq!(text("＇０１２"), "012");
        assert_eq!(text("'' twice"), "' twice");
        assert_eq!(text("a\r\nb"), "a\nb");
        // NFC: e + combining acute becomes one code point.
        assert_eq!(text("e\u{0301}"), "\u{00E9}");
    }

    #[test]
    fn names_collapse_internal_whitespace_runs() {
        assert_eq!(
            name(" 永州  某某\u{3000}\u{3000}有限公司 \n(分公司) "),
            "永州 某某 有限公司 (分公司)"
        );
        assert_eq!(name("张\u{3000}三"), "张 三");
    }

    #[test]
    fn codes_are_upper_case_without_spaces() {
        assert_eq!(code(" 9133 0000 5669 9746 0t "), "91330000566997460T");
        assert_eq!(code("'ｓ００１"), "S001");
    }

    #[test]
    fn lists_split_on_all_separators_sorted_and_deduplicated() {
        assert_eq!(
            list("食品；药品,食品、特种设备|  价格 ，"),
            vec!["价格", "特种设备", "药品", "食品"]
        );
        assert!(list("  ").is_empty());
    }

    #[test]
    fn booleans_in_spreadsheet_spellings() {
        for t in ["是", "Y", "yes", "1", "√", "TRUE", "ｙ"] {
            assert_eq!(boolean(t), Some(true), "{t}");
        }
        for t in ["否", "n", "No", "0", "×", "false"] {
            assert_eq!(boolean(t), Some(false), "{t}");
        }
        assert_eq!(boolean("也许"), None);
        assert_eq!(boolean(""), None);
    }

    #[test]
    fn dates_in_the_forms_found_in_real_sheets() {
        let jan31 = d(2026, 1, 31);
        for t in [
            "2026-01-31",
            "2026/1/31",
            "2026.1.31",
            "2026年1月31日",
            "20260131",
            "２０２６－０１－３１",
            "2026-01-31 00:00:00",
            "2026-01-31T08:30:00",
            "'2026-1-31",
            "46053",
        ] {
            assert_eq!(date(t), jan31, "{t}");
        }
        for t in [
            "",
            "2026",
            "2026-13-01",
            "2026-02-30",
            "31/01/2026",
            "26-1-31",
            "长期",
            "2026-01",
        ] {
            assert_eq!(date(t), None, "{t}");
        }
    }

    #[test]
    fn excel_serials_follow_excel_including_its_1900_leap_year_bug() {
        assert_eq!(excel_serial_to_date(1.0), d(1900, 1, 1));
        assert_eq!(excel_serial_to_date(59.0), d(1900, 2, 28));
        assert_eq!(excel_serial_to_date(60.0), None);
        assert_eq!(excel_serial_to_date(61.0), d(1900, 3, 1));
        assert_eq!(excel_serial_to_date(46053.75), d(2026, 1, 31));
        assert_eq!(excel_serial_to_date(0.0), None);
    }

    #[test]
    fn no_expiry_words() {
        assert!(is_no_expiry("长期"));
        assert!(is_no_expiry(" 永久 "));
        assert!(!is_no_expiry("2026-01-31"));
    }

    #[test]
    fn header_keys_ignore_spacing_width_markers_and_remarks() {
        assert_eq!(header_key(" *统一社会信用代码（必填）"), "统一社会信用代码");
        assert_eq!(header_key("住所（经营场所）"), "住所");
        assert_eq!(header_key("执法证\n有效期："), "执法证有效期");
        assert_eq!(header_key("标签 (可选)"), "标签");
        assert_eq!(header_key("（备注）"), "(备注)");
    }
}
