//! The one-showing floor of the monthly matrix counts only the months a station existed:
//! from the month it was set up, or from its first record when records were entered for
//! earlier months.

use super::Script;
use crate::reports::Tabular;

fn flags(row: &crate::reports::MatrixRow) -> (Vec<u8>, Vec<u8>) {
    let below = row.months.iter().filter(|c| c.below_floor).map(|c| c.month);
    let na = row
        .months
        .iter()
        .filter(|c| c.not_applicable)
        .map(|c| c.month);
    (below.collect(), na.collect())
}

#[test]
fn months_before_a_station_was_set_up_are_not_below_the_floor() {
    let s = Script::new();
    let (old, _) = s.station("A01", "东村", "village", &[]);
    s.at("2025-12-05T02:00:00Z");
    let (new, _) = s.station("N01", "新村", "village", &[]);
    let matrix = s.reports.monthly(2025).expect("matrix");
    let row = |id: &str| {
        matrix
            .rows
            .iter()
            .find(|r| r.station.id == id)
            .expect("row")
    };
    // Set up in December 2024: every month of 2025 counts (all over by now, none shown).
    assert_eq!(flags(row(&old)), ((1..=12).collect(), vec![]));
    assert_eq!(row(&old).months_below_floor, 12);
    // Set up on 5 December: only December can fall below the floor.
    assert_eq!(flags(row(&new)), (vec![12], (1..=11).collect()));
    assert_eq!(row(&new).months_below_floor, 1);
    // Printed and exported: 未建站, not 未达标.
    let table = &matrix.tables()[0];
    let line = table
        .rows
        .iter()
        .find(|r| r[0].display().contains("N01"))
        .expect("line");
    let shown: Vec<String> = line.iter().map(|c| c.display()).collect();
    assert_eq!(shown[3], "未建站", "{shown:?}");
    assert_eq!(shown[14], "0 未达标", "{shown:?}");
}

#[test]
fn records_entered_for_months_before_the_station_was_added_count_from_the_first() {
    let s = Script::new();
    s.at("2025-12-05T02:00:00Z");
    let (late, _) = s.station("L01", "后建村", "village", &[]);
    // A showing of June, entered in December with the office's other records.
    s.viewing(&late, "p1", "f1", "2025-06-10T02:00:00Z", 1800, true);
    let matrix = s.reports.monthly(2025).expect("matrix");
    let row = &matrix.rows[0];
    assert_eq!(row.months[5].showings, 1);
    assert_eq!(flags(row), (vec![7, 8, 9, 10, 11, 12], (1..=5).collect()));
}
