//! Measuring and line-breaking text with the real advance widths of the fonts that will draw it.
//!
//! Chinese text may break between any two characters, except before closing punctuation (，。、）…) and
//! after opening punctuation (（《…), the common 禁则 rules. Latin text, numbers and codes break at spaces; a
//! token longer than the line (a long code or hash) breaks anywhere, so nothing ever runs past the margin.

use std::collections::HashMap;

use super::fonts::{Fonts, Glyph};

/// Advance used for a character that has no glyph. The renderer refuses such documents before layout, so
/// this only keeps the measuring total if it is ever called on unchecked text.
const MISSING_ADVANCE: f32 = 1.0;

/// One laid-out line: its text (tabs already turned into spaces) and its width in points.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Line {
    pub(crate) text: String,
    pub(crate) width: f32,
}

/// Glyph look-ups for one rendering, cached per character: the fonts are asked once per distinct character.
pub(crate) struct Metrics<'a> {
    fonts: &'a Fonts,
    cache: HashMap<char, Option<Glyph>>,
    mono_cache: HashMap<char, Option<Glyph>>,
}

impl<'a> Metrics<'a> {
    pub(crate) fn new(fonts: &'a Fonts) -> Metrics<'a> {
        Metrics {
            fonts,
            cache: HashMap::new(),
            mono_cache: HashMap::new(),
        }
    }

    pub(crate) fn fonts(&self) -> &'a Fonts {
        self.fonts
    }

    /// The face and advance of `c`; tabs are measured and drawn as spaces.
    pub(crate) fn glyph(&mut self, c: char) -> Option<Glyph> {
        let c = if c == '\t' { ' ' } else { c };
        let fonts = self.fonts;
        *self.cache.entry(c).or_insert_with(|| fonts.glyph(c))
    }

    /// The face and advance of `c` in a fixed-pitch value.
    pub(crate) fn mono_glyph(&mut self, c: char) -> Option<Glyph> {
        let c = if c == '\t' { ' ' } else { c };
        let fonts = self.fonts;
        *self.mono_cache.entry(c).or_insert_with(|| fonts.mono_glyph(c))
    }

    /// The advance of `c` in em.
    pub(crate) fn advance(&mut self, c: char) -> f32 {
        self.glyph(c).map_or(MISSING_ADVANCE, |g| g.advance)
    }

    /// The width of `text` in points at `size`.
    pub(crate) fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }

    /// Breaks `text` into lines no wider than `max_width` points at `size`. `\n` forces a break and an empty
    /// line between two breaks is kept; line breaks at the very end are dropped (they would only add space).
    pub(crate) fn wrap(&mut self, text: &str, size: f32, max_width: f32) -> Vec<Line> {
        let mut lines = Vec::new();
        for paragraph in text.trim_end_matches(['\n', '\r']).split('\n') {
            let paragraph = paragraph.strip_suffix('\r').unwrap_or(paragraph);
            self.wrap_paragraph(paragraph, size, max_width, &mut lines);
        }
        lines
    }

    fn wrap_paragraph(&mut self, text: &str, size: f32, max_width: f32, out: &mut Vec<Line>) {
        let chars: Vec<(char, f32)> = text
            .chars()
            .map(|c| {
                let c = if c == '\t' { ' ' } else { c };
                (c, self.advance(c) * size)
            })
            .collect();
        let mut start = 0;
        let mut width = 0.0;
        // The last place in the current line where a new line may begin.
        let mut opportunity: Option<usize> = None;
        let mut i = 0;
        while i < chars.len() {
            let (c, w) = chars[i];
            if i > start && can_break(chars[i - 1].0, c) {
                opportunity = Some(i);
            }
            // Spaces never force a break: they hang in the margin and are dropped at the end of the line.
            if c != ' ' && i > start && width + w > max_width {
                let end = opportunity.filter(|&b| b > start).unwrap_or(i);
                out.push(make_line(&chars[start..end]));
                start = end;
                while start < i && chars[start].0 == ' ' {
                    start += 1;
                }
                width = chars[start..i].iter().map(|&(_, w)| w).sum();
                opportunity = (start + 1..i)
                    .rev()
                    .find(|&j| can_break(chars[j - 1].0, chars[j].0));
                continue;
            }
            width += w;
            i += 1;
        }
        out.push(make_line(&chars[start..]));
    }

    /// Cuts a machine string into lines of equal length for fixed-pitch cells `pitch` points wide: as many
    /// characters as fit, rounded down to a multiple of 8 so that a hash wraps at a group boundary.
    pub(crate) fn mono_lines(text: &str, pitch: f32, max_width: f32) -> Vec<Line> {
        let fit = ((max_width / pitch).floor() as usize).max(1);
        let per_line = if fit >= 8 { fit - fit % 8 } else { fit };
        let chars: Vec<char> = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
        if chars.is_empty() {
            return vec![Line::default()];
        }
        chars
            .chunks(per_line)
            .map(|chunk| Line {
                text: chunk.iter().map(|&c| if c == '\t' { ' ' } else { c }).collect(),
                width: chunk.len() as f32 * pitch,
            })
            .collect()
    }
}

fn make_line(chars: &[(char, f32)]) -> Line {
    let mut end = chars.len();
    while end > 0 && chars[end - 1].0 == ' ' {
        end -= 1;
    }
    Line {
        text: chars[..end].iter().map(|&(c, _)| c).collect(),
        width: chars[..end].iter().map(|&(_, w)| w).sum(),
    }
}

/// Whether a line may end between `a` and `b`.
fn can_break(a: char, b: char) -> bool {
    if b == ' ' {
        false
    } else if a == ' ' {
        true
    } else if no_break_before(b) || no_break_after(a) {
        false
    } else {
        is_wide(a) || is_wide(b)
    }
}

/// Characters that must not start a line (closing punctuation).
fn no_break_before(c: char) -> bool {
    ",.;:!?)]}%'\"，。、；：？！）》」』】〕〉’”…—·％～".contains(c)
}

/// Characters that must not end a line (opening punctuation).
fn no_break_after(c: char) -> bool {
    "([{（《「『【〔〈‘“".contains(c)
}

/// East Asian wide characters: between them a line may break anywhere.
pub(crate) fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x11FF
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;

    /// The built-in fonts, parsed once for all unit tests.
    pub(crate) fn fonts() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| Fonts::load_default().unwrap())
    }

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn chinese_breaks_between_characters_but_not_before_closing_punctuation() {
        let mut m = Metrics::new(fonts());
        // Ten ideographs at 10 pt are 100 pt wide: a 45 pt line holds four of them.
        assert_eq!(m.width("永州市市场监督管理局", 10.0), 100.0);
        let lines = m.wrap("永州市市场监督管理局", 10.0, 45.0);
        assert_eq!(texts(&lines), ["永州市市", "场监督管", "理局"]);
        assert_eq!(lines[0].width, 40.0);
        // "，" may not start a line: "管" moves down with it.
        let lines = m.wrap("永州市市场监督管，理局", 10.0, 85.0);
        assert_eq!(texts(&lines), ["永州市市场监督", "管，理局"]);
        // "（" may not end a line.
        let lines = m.wrap("永州市市场监督（管理局）", 10.0, 85.0);
        assert_eq!(texts(&lines), ["永州市市场监督", "（管理局）"]);
    }

    #[test]
    fn latin_breaks_at_spaces_and_long_tokens_anywhere() {
        let mut m = Metrics::new(fonts());
        let w = m.width("Hunan Trading", 10.0);
        let lines = m.wrap("Hunan Trading Company", 10.0, w + 1.0);
        assert_eq!(texts(&lines), ["Hunan Trading", "Company"]);
        assert!((lines[0].width - w).abs() < 0.001);
        let hex = "0123456789abcdef".repeat(4);
        let lines = m.wrap(&format!("seed {hex}"), 10.0, 100.0);
        assert_eq!(lines[0].text, "seed");
        assert_eq!(
            lines[1..].iter().map(|l| l.text.as_str()).collect::<String>(),
            hex
        );
        assert!(lines.iter().all(|l| l.width <= 100.0));
    }

    #[test]
    fn hard_breaks_keep_empty_lines_but_not_trailing_ones() {
        let mut m = Metrics::new(fonts());
        let lines = m.wrap("甲\n\n乙\r\n丙\n\n", 10.0, 100.0);
        assert_eq!(texts(&lines), ["甲", "", "乙", "丙"]);
        assert_eq!(texts(&m.wrap("", 10.0, 100.0)), [""]);
        // A tab is a space.
        assert_eq!(texts(&m.wrap("a\tb", 10.0, 100.0)), ["a b"]);
    }

    proptest! {
        #[test]
        fn wrapped_lines_fit_and_lose_nothing_but_spaces(
            text in "[永州市场监督管理局，。（）《》a-zA-Z0-9 \\-]{0,120}",
            width in 12.0f32..300.0,
        ) {
            let mut m = Metrics::new(fonts());
            let lines = m.wrap(&text, 10.0, width);
            for line in &lines {
                // Only a single character wider than the line may exceed it.
                prop_assert!(line.width <= width + 0.01 || line.text.chars().count() == 1, "{line:?}");
                prop_assert!((m.width(&line.text, 10.0) - line.width).abs() < 0.01);
                prop_assert!(!line.text.ends_with(' '));
            }
            let kept: String = lines.iter().flat_map(|l| l.text.chars()).filter(|c| *c != ' ').collect();
            let all: String = text.chars().filter(|c| *c != ' ').collect();
            prop_assert_eq!(kept, all);
        }
    }

    #[test]
    fn break_rules_follow_kinsoku() {
        assert!(can_break('中', '文'));
        assert!(!can_break('中', '，'));
        assert!(!can_break('（', '中'));
        assert!(can_break('，', '中'));
        assert!(!can_break('a', 'b'));
        assert!(can_break(' ', 'b'));
        assert!(!can_break('a', ' '));
        assert!(can_break('3', '号'));
        assert!(is_wide('𠮷'));
        assert!(!is_wide('A'));
    }

    #[test]
    fn mono_lines_wrap_at_multiples_of_eight() {
        let hex = "0123456789abcdef".repeat(4);
        let lines = Metrics::mono_lines(&hex, 5.0, 5.0 * 30.0);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].text.len(), 24);
        assert_eq!(lines[0].width, 120.0);
        assert_eq!(lines.iter().map(|l| l.text.as_str()).collect::<String>(), hex);
        let short = Metrics::mono_lines("abc", 5.0, 12.0);
        assert_eq!(
            short.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["ab", "c"]
        );
    }
}
