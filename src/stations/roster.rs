//! Rosters: adding party members one by one or by importing a CSV/XLSX file, with a report
//! of the rows that were not taken and why.

use std::collections::HashMap;

use serde::Serialize;

use super::import::{self, RosterFormat, RosterRow};
use super::{store, Member, NewMember, Station, Stations, StationsError};

/// What an import did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportReport {
    pub format: RosterFormat,
    /// Members added to the roster.
    pub added: usize,
    /// Rows not taken, in file order.
    pub rejected: Vec<RejectedRow>,
}

/// A row of an imported file that was not taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// 1-based, as in Excel: the header row counts.
    pub row: usize,
    /// A Chinese sentence a clerk can act on.
    pub reason: String,
}

impl Stations {
    /// Adds a member to a station's roster; the member number must be new on that roster.
    pub fn add_member(&self, station_id: &str, new: NewMember) -> Result<Member, StationsError> {
        let station = self.require_active(station_id)?;
        let member = member_of(&station, &new.name, &new.member_no, new.branch.as_deref())?;
        self.trees.reserve_member_no(&member)?;
        let detail = serde_json::json!({
            "member_id": member.id, "name": member.name, "member_no": member.member_no,
        });
        if let Err(e) = self.record(&station, "member_added", detail) {
            self.trees.release_member_no(&member);
            return Err(e);
        }
        self.trees.put_members(std::slice::from_ref(&member))?;
        Ok(member)
    }

    /// One member, of any station.
    pub fn member(&self, id: &str) -> Result<Option<Member>, StationsError> {
        self.trees.member(id)
    }

    /// A station's roster, by member number.
    pub fn members(&self, station_id: &str) -> Result<Vec<Member>, StationsError> {
        let mut all = self.trees.members_of(station_id)?;
        all.sort_by(|a, b| a.member_no.cmp(&b.member_no));
        Ok(all)
    }

    /// Imports a roster file (CSV or XLSX; `content_type` as uploaded): good rows are added,
    /// bad ones reported. One `roster_imported` ledger entry with the counts, when anything
    /// was added. A file that is not a roster at all is refused whole.
    pub fn import_roster(
        &self,
        station_id: &str,
        bytes: &[u8],
        content_type: Option<&str>,
    ) -> Result<ImportReport, StationsError> {
        let station = self.require_active(station_id)?;
        let file = import::read(bytes, content_type)?;
        let (members, rejected) = self.sort_rows(&station, &file.rows)?;
        let report = ImportReport {
            format: file.format,
            added: members.len(),
            rejected,
        };
        if members.is_empty() {
            return Ok(report);
        }
        let detail = serde_json::json!({
            "format": report.format, "rows": file.rows.len(),
            "added": report.added, "rejected": report.rejected.len(),
        });
        if let Err(e) = self.record(&station, "roster_imported", detail) {
            for m in &members {
                self.trees.release_member_no(m);
            }
            return Err(e);
        }
        self.trees.put_members(&members)?;
        Ok(report)
    }

    /// Splits rows into members (their numbers reserved) and rejected rows.
    fn sort_rows(
        &self,
        station: &Station,
        rows: &[RosterRow],
    ) -> Result<(Vec<Member>, Vec<RejectedRow>), StationsError> {
        let mut members = Vec::new();
        let mut rejected = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for r in rows {
            let reject = |reason: String| RejectedRow { row: r.row, reason };
            if let Some(first) = seen.get(r.member_no.as_str()) {
                let reason = format!("党员编号 {} 与第 {first} 行重复", r.member_no);
                rejected.push(reject(reason));
                continue;
            }
            let branch = Some(r.branch.as_str());
            let member = match member_of(station, &r.name, &r.member_no, branch) {
                Ok(m) => m,
                Err(e) => {
                    rejected.push(reject(row_reason(r, e)));
                    continue;
                }
            };
            seen.insert(&r.member_no, r.row);
            match self.trees.reserve_member_no(&member) {
                Ok(()) => members.push(member),
                Err(StationsError::MemberTaken(_)) => {
                    rejected.push(reject(format!("党员编号 {} 已在该站点名册中", r.member_no)))
                }
                Err(e) => {
                    members.iter().for_each(|m| self.trees.release_member_no(m));
                    return Err(e);
                }
            }
        }
        Ok((members, rejected))
    }
}

/// The reason a row's fields are refused, in the clerk's words.
fn row_reason(r: &RosterRow, e: StationsError) -> String {
    if r.name.is_empty() {
        return "缺少姓名".into();
    }
    if r.member_no.is_empty() {
        return "缺少党员编号".into();
    }
    e.to_string()
}

/// A member checked field by field, not yet stored.
fn member_of(
    station: &Station,
    name: &str,
    member_no: &str,
    branch: Option<&str>,
) -> Result<Member, StationsError> {
    Ok(Member {
        id: store::new_id("m_"),
        station_id: station.id.clone(),
        name: store::field("姓名 (name)", name, 32)?,
        member_no: store::field("党员编号 (member_no)", member_no, 32)?,
        branch: match branch {
            Some(b) if !b.trim().is_empty() => Some(store::field("支部 (branch)", b, 64)?),
            _ => None,
        },
        added_at: store::now(),
    })
}
