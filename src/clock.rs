//! The two things fairdraw takes from the outside world during a ceremony — the time and the app's secret
//! randomness — behind traits, so that every function needing them takes them as parameters and tests pass
//! fixed ones.
//!
//! Times are always kept with their UTC offset (`DateTime<FixedOffset>`): a record read years later must say
//! "09:30 +08:00", not a bare local time whose zone was lost. They are written as RFC 3339 with milliseconds
//! (`2026-12-01T09:30:00.000+08:00`), which is also the form hashed into the journal.

use std::cell::Cell;

use chrono::{DateTime, Duration, FixedOffset, Local, NaiveDate, SecondsFormat};

use crate::error::{Error, ErrorCode, Result};

/// A source of the current wall-clock time.
pub trait Clock {
    /// The current time with its UTC offset.
    fn now(&self) -> DateTime<FixedOffset>;

    /// Today's date in the clock's own time zone.
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// How records name this clock: `system` for the computer's clock, `supplied` for a fixed one (tests and
    /// scripted runs), so that a record made with a supplied time says so.
    fn kind(&self) -> &'static str {
        "supplied"
    }
}

/// The computer's clock, in its local time zone.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Local::now().fixed_offset()
    }

    fn kind(&self) -> &'static str {
        "system"
    }
}

/// A clock that always says the same time (tests, and the CLI's hidden `FAIRDRAW_NOW`).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub DateTime<FixedOffset>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        self.0
    }
}

/// A clock that starts at a given time and advances by a fixed step every time it is read, so that the
/// events of a test ceremony get distinct, predictable times.
#[derive(Debug)]
pub struct StepClock {
    next: Cell<DateTime<FixedOffset>>,
    step: Duration,
}

impl StepClock {
    /// A clock whose first reading is `start` and each further reading `step` later.
    pub fn new(start: DateTime<FixedOffset>, step: Duration) -> StepClock {
        StepClock {
            next: Cell::new(start),
            step,
        }
    }
}

impl Clock for StepClock {
    fn now(&self) -> DateTime<FixedOffset> {
        let t = self.next.get();
        self.next.set(t + self.step);
        t
    }
}

/// Formats a time as stored and hashed: RFC 3339 with milliseconds and the offset (`+08:00`, never `Z`).
pub fn format_time(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// Parses an RFC 3339 time with an offset. `field` names the option or column for the error message.
pub fn parse_time(field: &str, s: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s.trim()).map_err(|e| {
        Error::invalid_both(
            field,
            format!("“{s}”不是带时区的 RFC 3339 时间，例如 2026-12-01T09:30:00+08:00（{e}）"),
            format!("“{s}” is not an RFC 3339 time with a UTC offset, e.g. 2026-12-01T09:30:00+08:00 ({e})"),
        )
    })
}

/// Parses a date `YYYY-MM-DD`. `field` names the option or column for the error message.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        Error::invalid_both(
            field,
            format!("“{s}”不是 YYYY-MM-DD 格式的日期"),
            format!("“{s}” is not a date of the form YYYY-MM-DD"),
        )
    })
}

/// Formats a date as stored: `YYYY-MM-DD`.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Milliseconds from `from` to `to` (negative if `to` is earlier).
pub fn millis_between(from: DateTime<FixedOffset>, to: DateTime<FixedOffset>) -> i64 {
    (to - from).num_milliseconds()
}

/// Where the app's 32-byte secret comes from: the operating system's cryptographic generator in real
/// ceremonies, a fixed value in tests and in scripted, reproducible runs (which are then recorded as such).
pub trait SecretSource {
    /// 32 fresh secret bytes.
    fn secret(&mut self) -> Result<[u8; 32]>;

    /// How the record names this source: `os` or `supplied`.
    fn kind(&self) -> SecretKind;
}

/// The recorded origin of a ceremony's secret. A supplied secret is not secret from whoever supplied it, so
/// the record says so openly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// Drawn from the operating system's cryptographic generator.
    Os,
    /// Given on the command line or by a test.
    Supplied,
}

impl SecretKind {
    /// `os` or `supplied`, as stored and journaled.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Os => "os",
            SecretKind::Supplied => "supplied",
        }
    }
}

/// The operating system's cryptographic random generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsSecret;

impl SecretSource for OsSecret {
    fn secret(&mut self) -> Result<[u8; 32]> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| {
            Error::other(
                ErrorCode::Io,
                format!("无法从操作系统获取随机数：{e}"),
                format!("cannot get random bytes from the operating system: {e}"),
            )
        })?;
        Ok(b)
    }

    fn kind(&self) -> SecretKind {
        SecretKind::Os
    }
}

/// A fixed secret given by the caller.
#[derive(Clone, Copy, Debug)]
pub struct FixedSecret(pub [u8; 32]);

impl FixedSecret {
    /// Parses 64 hex digits (the CLI's hidden `--secret`).
    pub fn from_hex(field: &str, s: &str) -> Result<FixedSecret> {
        let v = hex::decode(s.trim()).map_err(|e| {
            Error::invalid_both(
                field,
                format!("不是十六进制：{e}"),
                format!("not hexadecimal: {e}"),
            )
        })?;
        let b: [u8; 32] = v.try_into().map_err(|v: Vec<u8>| {
            Error::invalid_both(
                field,
                format!("需要 32 字节（64 个十六进制数字），实际 {} 字节", v.len()),
                format!("needs 32 bytes (64 hex digits), got {}", v.len()),
            )
        })?;
        Ok(FixedSecret(b))
    }
}

impl SecretSource for FixedSecret {
    fn secret(&mut self) -> Result<[u8; 32]> {
        Ok(self.0)
    }

    fn kind(&self) -> SecretKind {
        SecretKind::Supplied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn times_keep_their_offset_and_milliseconds() {
        assert_eq!(
            format_time(t("2026-12-01T09:30:00+08:00")),
            "2026-12-01T09:30:00.000+08:00"
        );
        assert_eq!(
            format_time(t("2026-12-01T01:30:00.5Z")),
            "2026-12-01T01:30:00.500+00:00"
        );
    }

    #[test]
    fn step_clock_advances_per_reading() {
        let c = StepClock::new(t("2026-12-01T09:00:00+08:00"), Duration::seconds(2));
        assert_eq!(format_time(c.now()), "2026-12-01T09:00:00.000+08:00");
        assert_eq!(format_time(c.now()), "2026-12-01T09:00:02.000+08:00");
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    }

    #[test]
    fn millis_between_across_offsets() {
        assert_eq!(
            millis_between(t("2026-12-01T09:00:00+08:00"), t("2026-12-01T01:00:01.250Z")),
            1250
        );
    }

    #[test]
    fn fixed_secret_parses_hex_and_names_the_field() {
        let s = FixedSecret::from_hex("--secret", &"ab".repeat(32)).unwrap();
        assert_eq!(s.0, [0xab; 32]);
        let e = FixedSecret::from_hex("--secret", "abcd").unwrap_err();
        assert_eq!(
            e.message(crate::Lang::En),
            "--secret: needs 32 bytes (64 hex digits), got 2"
        );
        assert!(FixedSecret::from_hex("--secret", "zz").is_err());
    }

    #[test]
    fn os_secrets_differ() {
        let mut s = OsSecret;
        assert_ne!(s.secret().unwrap(), s.secret().unwrap());
        assert_eq!(s.kind().as_str(), "os");
    }
}
