//! Check characters of the identifiers on the registers: the 18-character 统一社会信用代码 (GB 32100-2015),
//! the organisation code inside it (GB 11714), and the old 15-digit 注册号 (ISO 7064 MOD 11,10).
//!
//! A wrong check character is reported as a warning by the importer, not an error: some genuine early codes
//! fail it. A code of the wrong length or with characters outside the charset is malformed.

/// The 31 characters of GB 32100-2015 (digits and upper-case letters without I, O, Z, S, V).
pub const GB32100_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

const GB32100_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

const GB11714_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// What a code looks like after checking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    /// Well-formed, check character(s) correct.
    Valid,
    /// Well-formed, but a check character is wrong (expected shown). A warning, not an error.
    BadCheck { expected: char, found: char },
    /// Not a credit code or registration number at all.
    Malformed(Malformed),
}

/// Why a code is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// Neither 18 nor 15 characters long.
    Length(usize),
    /// A character outside the allowed set, at this 1-based position.
    Char { position: usize, ch: char },
}

fn gb32100_value(b: u8) -> Option<u32> {
    GB32100_CHARSET.iter().position(|&c| c == b).map(|p| p as u32)
}

/// The GB 32100-2015 check character for the first 17 characters of a credit code, or `None` if one of them
/// is outside the charset.
pub fn gb32100_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in bytes.iter().zip(GB32100_WEIGHTS) {
        sum += gb32100_value(*b)? * w;
    }
    let idx = (31 - sum % 31) % 31;
    Some(GB32100_CHARSET[idx as usize] as char)
}

/// The GB 11714 check character of an organisation code's first 8 characters (digits or upper-case letters),
/// `0`-`9` or `X`.
pub fn gb11714_check_char(first8: &str) -> Option<char> {
    let bytes = first8.as_bytes();
    if bytes.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in bytes.iter().zip(GB11714_WEIGHTS) {
        let v = match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'A'..=b'Z' => (b - b'A') as u32 + 10,
            _ => return None,
        };
        sum += v * w;
    }
    let c = 11 - sum % 11;
    Some(match c {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10)?,
    })
}

/// The ISO 7064 MOD 11,10 check digit of the first 14 digits of a 15-digit 注册号.
pub fn iso7064_mod11_10_check_digit(first14: &str) -> Option<char> {
    let bytes = first14.as_bytes();
    if bytes.len() != 14 {
        return None;
    }
    let mut p = 10u32;
    for b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        let s = (p + (b - b'0') as u32) % 10;
        let s = if s == 0 { 10 } else { s };
        p = (s * 2) % 11;
    }
    // The check digit c makes (p + c) mod 10 == 1.
    let c = (11 - p) % 10;
    char::from_digit(c, 10)
}

/// Checks a credit code (18 characters) or registration number (15 digits). The input must already be
/// normalised (trimmed, upper-case, half-width).
pub fn check(code: &str) -> CodeCheck {
    let len = code.chars().count();
    match len {
        18 => check_credit_code(code),
        15 => check_registration_number(code),
        n => CodeCheck::Malformed(Malformed::Length(n)),
    }
}

fn check_credit_code(code: &str) -> CodeCheck {
    for (i, ch) in code.chars().enumerate() {
        if !ch.is_ascii() || gb32100_value(ch as u8).is_none() {
            return CodeCheck::Malformed(Malformed::Char { position: i + 1, ch });
        }
    }
    // All ASCII from here, so byte slicing is safe.
    let expected = match gb32100_check_char(&code[..17]) {
        Some(c) => c,
        None => return CodeCheck::Malformed(Malformed::Length(18)),
    };
    let found = code.as_bytes()[17] as char;
    if expected != found {
        return CodeCheck::BadCheck { expected, found };
    }
    CodeCheck::Valid
}

fn check_registration_number(code: &str) -> CodeCheck {
    for (i, ch) in code.chars().enumerate() {
        if !ch.is_ascii_digit() {
            return CodeCheck::Malformed(Malformed::Char { position: i + 1, ch });
        }
    }
    let expected = match iso7064_mod11_10_check_digit(&code[..14]) {
        Some(c) => c,
        None => return CodeCheck::Malformed(Malformed::Length(15)),
    };
    let found = code.as_bytes()[14] as char;
    if expected != found {
        return CodeCheck::BadCheck { expected, found };
    }
    CodeCheck::Valid
}

/// Builds a valid 18-character credit code from its first 17 characters (appending the check character), or
/// `None` if they are not 17 charset characters. Used by the demo data generator and tests.
pub fn complete_credit_code(first17: &str) -> Option<String> {
    gb32100_check_char(first17).map(|c| format!("{first17}{c}"))
}

/// Builds the organisation code part (8 characters + GB 11714 check) used at positions 9–17 of a credit code.
pub fn complete_org_code(first8: &str) -> Option<String> {
    gb11714_check_char(first8).map(|c| format!("{first8}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_credit_codes() {
        for code in ["91330000566997460T", "91330000697024247P", "91110105MA0012008X"] {
            assert_eq!(check(code), CodeCheck::Valid, "{code}");
        }
    }

    #[test]
    fn wrong_check_character_is_reported_with_the_expected_one() {
        assert_eq!(
            check("91330000566997460A"),
            CodeCheck::BadCheck {
                expected: 'T',
                found: 'A'
            }
        );
    }

    #[test]
    fn malformed_codes() {
        assert_eq!(
            check("9133000056699746"),
            CodeCheck::Malformed(Malformed::Length(16))
        );
        // 'I' and 'O' are not in the charset.
        assert_eq!(
            check("91330000566997I60T"),
            CodeCheck::Malformed(Malformed::Char {
                position: 15,
                ch: 'I'
            })
        );
        assert_eq!(
            check("9133000056699746中T"),
            CodeCheck::Malformed(Malformed::Char {
                position: 17,
                ch: '中'
            })
        );
    }

    #[test]
    fn organisation_code_check_matches_the_embedded_ones() {
        // Characters 9–17 of a credit code are an organisation code with its own check character.
        assert_eq!(gb11714_check_char("56699746"), Some('0'));
        assert_eq!(gb11714_check_char("69702424"), Some('7'));
    }

    #[test]
    fn iso7064_registration_numbers() {
        let base = "43110000000001";
        let d = iso7064_mod11_10_check_digit(base).unwrap();
        let full = format!("{base}{d}");
        assert_eq!(check(&full), CodeCheck::Valid);
        let wrong = format!("{base}{}", if d == '0' { '1' } else { '0' });
        assert!(matches!(check(&wrong), CodeCheck::BadCheck { .. }));
        assert_eq!(
            check("4311000000000A1"),
            CodeCheck::Malformed(Malformed::Char {
                position: 14,
                ch: 'A'
            })
        );
    }

    #[test]
    fn completing_a_code_makes_it_valid() {
        let c = complete_credit_code("91431100MA4L00001").unwrap();
        assert_eq!(check(&c), CodeCheck::Valid);
    }
}
