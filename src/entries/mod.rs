//! Manual ledger entries a clerk makes from the office: feedback (信息反馈), 电教信息, the
//! next quarter's playback plan, pastoral sessions, local productions received, and
//! corrections. Each request is checked whole before anything is appended: an invalid one
//! leaves the ledger as it was.
//!
//! Dates are local (`Days`); an entry about an earlier day is accepted and marked late
//! (补记) with both dates, per the same-day rule.

mod requests;

use std::sync::Arc;

use media_catalog::{Catalog, CatalogError, FilmId};

pub use requests::{
    parse, CorrectionRequest, FeedbackRequest, InfoReportRequest, PastoralRequest, PlanItemRequest,
    PlanRequest, ProductionRequest,
};

use crate::ledger::{Draft, DraftError, Entry, EntryKind, Ledger, LedgerError};
use crate::records::{
    Days, Feedback, InfoReport, PastoralSession, Plan, PlanItem, ProductionDelivered, SameDay,
};
use crate::stations::{Station, StationKind, Stations, StationsError};

/// Why a manual entry was refused; nothing was appended.
#[derive(Debug, thiserror::Error)]
pub enum EntriesError {
    /// A field is missing or unacceptable; the sentence says which and why.
    #[error("{0}")]
    Invalid(String),
    #[error("找不到该站点（unknown station {0}）")]
    UnknownStation(String),
    #[error("找不到该影片（unknown film {0}）")]
    UnknownFilm(String),
    #[error("读取站点失败（cannot read the stations）")]
    Stations(#[source] StationsError),
    #[error("读取片库失败（cannot read the catalog）")]
    Catalog(#[from] CatalogError),
    #[error("账本拒绝了该条目（the ledger refused the entry）")]
    Ledger(#[from] LedgerError),
    #[error("内容无法编码（cannot encode the entry）")]
    Encode(#[from] serde_json::Error),
}

impl From<StationsError> for EntriesError {
    fn from(e: StationsError) -> EntriesError {
        match e {
            StationsError::UnknownStation(id) => EntriesError::UnknownStation(id),
            other => EntriesError::Stations(other),
        }
    }
}

impl EntriesError {
    /// The ledger refused the draft as invalid (e.g. a correction of an unknown seq).
    pub fn draft(&self) -> Option<&DraftError> {
        match self {
            EntriesError::Ledger(LedgerError::Draft(d)) => Some(d),
            _ => None,
        }
    }
}

/// The manual-entry service.
pub struct Entries {
    ledger: Arc<Ledger>,
    stations: Arc<Stations>,
    catalog: Arc<Catalog>,
    days: Days,
    township: String,
}

impl Entries {
    pub fn new(
        ledger: Arc<Ledger>,
        stations: Arc<Stations>,
        catalog: Arc<Catalog>,
        days: Days,
        township: &str,
    ) -> Entries {
        Entries {
            ledger,
            stations,
            catalog,
            days,
            township: township.to_owned(),
        }
    }

    /// 信息反馈: `text`, optionally the `showing_date` it is about (default today).
    pub fn feedback(&self, station: &str, req: FeedbackRequest) -> Result<Entry, EntriesError> {
        let station = self.stations.require(station)?;
        let today = self.today();
        let payload = Feedback {
            text: requests::text("反馈内容 (text)", &req.text, 2000)?,
            play_id: None,
            film_id: None,
            day: SameDay::new(
                requests::past_date(req.showing_date.as_deref(), today)?,
                today,
            ),
        };
        self.append(EntryKind::Feedback, Some(&station), payload)
    }

    /// 电教信息: `title` and `text`.
    pub fn info_report(
        &self,
        station: &str,
        req: InfoReportRequest,
    ) -> Result<Entry, EntriesError> {
        let station = self.stations.require(station)?;
        let payload = InfoReport {
            title: requests::text("标题 (title)", &req.title, 100)?,
            text: requests::text("内容 (text)", &req.text, 5000)?,
            entered_date: self.today(),
        };
        self.append(EntryKind::InfoReport, Some(&station), payload)
    }

    /// A playback plan for one quarter; every month inside it, film titles from the catalog.
    pub fn plan(&self, station: &str, req: PlanRequest) -> Result<Entry, EntriesError> {
        let station = self.stations.require(station)?;
        req.check()?;
        let items = req
            .items
            .iter()
            .map(|i| {
                Ok(PlanItem {
                    month: i.month,
                    film_title: self.film_title(&i.film_id)?,
                    film_id: i.film_id.clone(),
                })
            })
            .collect::<Result<Vec<_>, EntriesError>>()?;
        let payload = Plan {
            year: req.year,
            quarter: req.quarter,
            items,
        };
        self.append(EntryKind::Plan, Some(&station), payload)
    }

    /// Hours at a herding point (pastoral stations only); late when held on an earlier day.
    pub fn pastoral(&self, station: &str, req: PastoralRequest) -> Result<Entry, EntriesError> {
        let station = self.stations.require(station)?;
        if station.kind != StationKind::Pastoral {
            return Err(EntriesError::Invalid(format!(
                "站点 {} 不是牧业点，不能登记牧区教学放映（only a pastoral station records pastoral sessions）",
                station.name
            )));
        }
        let today = self.today();
        let hours = req.hours;
        if !(hours.is_finite() && hours > 0.0 && hours <= 24.0) {
            return Err(EntriesError::Invalid(
                "小时数应大于 0、不超过 24（hours must be more than 0 and at most 24）".into(),
            ));
        }
        let payload = PastoralSession {
            hours,
            place: requests::text("地点 (place)", &req.place, 100)?,
            note: match &req.note {
                Some(n) if !n.trim().is_empty() => requests::text("备注 (note)", n, 2000)?,
                _ => String::new(),
            },
            day: SameDay::new(requests::past_date(Some(&req.date), today)?, today),
        };
        self.append(EntryKind::PastoralSession, Some(&station), payload)
    }

    /// A local production received (township-wide, no station).
    pub fn production(&self, req: ProductionRequest) -> Result<Entry, EntriesError> {
        let year = req.year.unwrap_or_else(|| self.today().year());
        if !(2000..=2100).contains(&year) {
            return Err(EntriesError::Invalid(format!(
                "年份 {year} 不对（year must be 2000 to 2100）"
            )));
        }
        let payload = ProductionDelivered {
            film_title: self.film_title(&req.film_id)?,
            film_id: req.film_id,
            production: req.production,
            township: self.township.clone(),
            year,
        };
        let draft = Draft::new(
            EntryKind::ProductionDelivered,
            None,
            serde_json::to_value(payload)?,
        );
        Ok(self.ledger.append(draft)?)
    }

    /// A correction of entry `corrects`, about the same station as it.
    pub fn correction(&self, req: CorrectionRequest) -> Result<Entry, EntriesError> {
        let reason = requests::text("更正原因 (reason)", &req.reason, 2000)?;
        let len = self.ledger.len();
        if req.corrects >= len {
            return Err(EntriesError::Invalid(format!(
                "被更正的条目 {} 不存在（no entry with seq {}; the ledger has {len}）",
                req.corrects, req.corrects
            )));
        }
        let corrected = self
            .ledger
            .iter(req.corrects)?
            .next()
            .transpose()?
            .ok_or_else(|| {
                EntriesError::Invalid(format!("被更正的条目 {} 不存在", req.corrects))
            })?;
        let draft = Draft::correction(req.corrects, &reason, corrected.station.as_deref());
        Ok(self.ledger.append(draft)?)
    }

    /// Today by the ledger's clock (the system's, or the demo year's script).
    fn today(&self) -> crate::records::LocalDate {
        self.days.date_of(self.ledger.now())
    }

    fn film_title(&self, film_id: &str) -> Result<String, EntriesError> {
        let unknown = || EntriesError::UnknownFilm(film_id.chars().take(64).collect());
        let id = FilmId::parse(film_id).map_err(|_| unknown())?;
        Ok(self.catalog.get(&id)?.ok_or_else(unknown)?.title)
    }

    fn append<T: serde::Serialize>(
        &self,
        kind: EntryKind,
        station: Option<&Station>,
        payload: T,
    ) -> Result<Entry, EntriesError> {
        let draft = Draft::new(
            kind,
            station.map(|s| s.id.as_str()),
            serde_json::to_value(payload)?,
        );
        Ok(self.ledger.append(draft)?)
    }
}
