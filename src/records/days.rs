//! Local dates: the ledger stamps UTC; the same-day rule and the reports count days and
//! months in the township's time.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// A local calendar date, written `YYYY-MM-DD`; orders by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate(pub Date);

impl LocalDate {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<LocalDate> {
        let mut parts = s.splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        let month = Month::try_from(month).ok()?;
        Date::from_calendar_date(year, month, day)
            .ok()
            .map(LocalDate)
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// 1–12.
    pub fn month(self) -> u8 {
        u8::from(self.0.month())
    }

    /// 1–4.
    pub fn quarter(self) -> u8 {
        (self.month() - 1) / 3 + 1
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )
    }
}

impl Serialize for LocalDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LocalDate::parse(&s).ok_or_else(|| serde::de::Error::custom("not a YYYY-MM-DD date"))
    }
}

/// The township's calendar: UTC instants to local dates.
#[derive(Clone, Copy, Debug)]
pub struct Days {
    offset: UtcOffset,
}

impl Days {
    /// From the `utc_offset_minutes` setting (out-of-range values fall back to UTC+8).
    pub fn new(utc_offset_minutes: i32) -> Days {
        let offset = UtcOffset::from_whole_seconds(utc_offset_minutes.saturating_mul(60))
            .unwrap_or_else(|_| UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC));
        Days { offset }
    }

    /// The local date of an instant.
    pub fn date_of(&self, at: OffsetDateTime) -> LocalDate {
        LocalDate(at.to_offset(self.offset).date())
    }

    /// The local date of an RFC 3339 stamp (an entry's `at`, a viewing's `started_at`).
    pub fn date_of_stamp(&self, stamp: &str) -> Option<LocalDate> {
        OffsetDateTime::parse(stamp, &Rfc3339)
            .ok()
            .map(|at| self.date_of(at))
    }

    /// Today, by the server's clock.
    pub fn today(&self) -> LocalDate {
        self.date_of(OffsetDateTime::now_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_evening_is_the_next_day_in_china() {
        let days = Days::new(480);
        let d = days.date_of_stamp("2026-03-31T17:30:00Z").unwrap();
        assert_eq!(d.to_string(), "2026-04-01");
        assert_eq!(d.quarter(), 2);
        let d = days.date_of_stamp("2026-03-31T15:59:59Z").unwrap();
        assert_eq!(d.to_string(), "2026-03-31");
        assert_eq!(d.quarter(), 1);
    }

    #[test]
    fn dates_round_trip_and_refuse_nonsense() {
        let d = LocalDate::parse("2026-02-28").unwrap();
        assert_eq!(d.to_string(), "2026-02-28");
        assert!(LocalDate::parse("2026-02-30").is_none());
        assert!(LocalDate::parse("2026-13-01").is_none());
        assert!(LocalDate::parse("yesterday").is_none());
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, "\"2026-02-28\"");
        assert_eq!(serde_json::from_str::<LocalDate>(&json).unwrap(), d);
    }
}
