//! The demo's three playback points with small rosters, made once when there are no
//! stations yet, so a new user sees registers and reports with names in them.

use crate::stations::{NewMember, NewStation, StationKind, Stations, StationsError};

/// Code, name, kind, broadcaster and roster (name, member number) of each demo station.
type DemoStation = (
    &'static str,
    &'static str,
    StationKind,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const STATIONS: &[DemoStation] = &[
    (
        "QLC",
        "七里村",
        StationKind::Village,
        "王建国",
        &[
            ("王建国", "QLC-001"),
            ("李秀英", "QLC-002"),
            ("张德明", "QLC-003"),
            ("刘桂芳", "QLC-004"),
            ("陈志强", "QLC-005"),
        ],
    ),
    (
        "DFSQ",
        "东风社区",
        StationKind::Community,
        "赵丽华",
        &[
            ("赵丽华", "DF-001"),
            ("孙立新", "DF-002"),
            ("周海燕", "DF-003"),
        ],
    ),
    (
        "CYMD",
        "草原牧业点",
        StationKind::Pastoral,
        "巴特尔",
        &[("巴特尔", "CY-001"), ("其其格", "CY-002")],
    ),
];

/// Makes the demo stations unless any station exists; returns how many were made.
pub fn ensure_stations(stations: &Stations) -> Result<usize, StationsError> {
    if !stations.list()?.is_empty() {
        return Ok(0);
    }
    for (code, name, kind, broadcaster, roster) in STATIONS {
        let station = stations.create(NewStation {
            code: (*code).into(),
            name: (*name).into(),
            kind: *kind,
            township: None,
            broadcaster: Some((*broadcaster).into()),
        })?;
        for (member, number) in *roster {
            stations.add_member(
                &station.id,
                NewMember {
                    name: (*member).into(),
                    member_no: (*number).into(),
                    branch: Some(format!("{name}党支部")),
                },
            )?;
        }
    }
    Ok(STATIONS.len())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ledger::Ledger;

    #[test]
    fn three_stations_with_rosters_are_made_once_and_recorded() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sled::Config::new().temporary(true).open().expect("db");
        let ledger = Arc::new(Ledger::open(&dir.path().join("ledger")).expect("ledger"));
        let stations = Stations::open(&db, ledger.clone(), "城关镇").expect("stations");
        assert_eq!(ensure_stations(&stations).expect("demo"), 3);
        let all = stations.list().expect("list");
        let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["草原牧业点", "东风社区", "七里村"]);
        assert!(all.iter().all(|s| s.township == "城关镇"));
        let roster = stations.members(&all[2].id).expect("roster");
        assert_eq!(roster.len(), 5);
        assert_eq!(roster[0].member_no, "QLC-001");
        // 3 stations + 10 members, each a station change in the ledger.
        assert_eq!(ledger.len(), 13);
        assert_eq!(ensure_stations(&stations).expect("again"), 0);
        assert_eq!(stations.list().expect("list").len(), 3);
    }
}
