//! The two languages fairdraw speaks (中文 by default, English) and the `tr!` macro that picks a message.
//!
//! Every text a user reads is written in both languages at the place it is produced, so a message and its
//! translation never drift apart. Code never matches on message text: errors carry a closed `ErrorCode`.

use serde::{Deserialize, Serialize};

/// The language of user-facing text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Picks the language from the usual locale variables (`LC_ALL`, `LC_MESSAGES`, `LANG`): a `zh*` locale
    /// gives Chinese, any other set locale (including `C`/`POSIX`) gives English, no locale at all gives Chinese.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(var) {
                if value.is_empty() {
                    continue;
                }
                return Lang::from_locale(&value);
            }
        }
        Lang::Zh
    }

    /// Maps a locale name such as `zh_CN.UTF-8` or `en_US` to a language.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// Parses `zh` / `en` (as given to `--lang`).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "cn" | "中文" => Some(Lang::Zh),
            "en" | "en-us" | "en_us" | "english" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Formats a message in the given language: `tr!(lang, "第 {} 行", "row {}", n)`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $zh:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::i18n::Lang::Zh => format!($zh $(, $arg)*),
            $crate::i18n::Lang::En => format!($en $(, $arg)*),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_names_map_to_languages() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn tr_picks_the_language() {
        assert_eq!(tr!(Lang::Zh, "第 {} 行", "row {}", 3), "第 3 行");
        assert_eq!(tr!(Lang::En, "第 {} 行", "row {}", 3), "row 3");
    }
}
