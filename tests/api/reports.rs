//! Manual ledger entries over HTTP: each checked whole before it is appended (valid → 201
//! with the sealed entry; invalid → 422, unknown station or film → 404, and the ledger's
//! length unchanged), and the monthly matrix over HTTP equal to the domain's.

use dianjiao::accounts::Role;
use dianjiao::records::LocalDate;
use dianjiao::stations::{NewStation, StationKind};
use reqwest::Client;
use serde_json::{json, Value};

use crate::support::{spawn_app, TestApp};

/// A server with one film, a village and a pastoral station, and a signed-in clerk.
pub struct Setup {
    pub app: TestApp,
    pub clerk: Client,
    pub village: String,
    pub pastoral: String,
    pub film: String,
}

pub async fn setup() -> Setup {
    setup_named("东村", "草原牧业点").await
}

/// As [`setup`], with these station names.
pub async fn setup_named(village: &str, pastoral: &str) -> Setup {
    let app = spawn_app().await;
    app.synth_clip("党章电视教材 第一集.mp4", 1.0).await;
    assert_eq!(app.scan(&app.library.clone()).await.probed, 1);
    let film = app
        .app
        .catalog
        .films()
        .expect("films")
        .remove(0)
        .id
        .to_string();
    let stations = app.app.stations.clone();
    let names = (village.to_owned(), pastoral.to_owned());
    let (village, pastoral) = tokio::task::spawn_blocking(move || {
        let make = |code: &str, name: &str, kind| {
            let new = NewStation {
                code: code.into(),
                name: name.into(),
                kind,
                township: None,
                broadcaster: Some("张播放".into()),
            };
            stations.create(new).expect("station").id
        };
        (
            make("V01", &names.0, StationKind::Village),
            make("P01", &names.1, StationKind::Pastoral),
        )
    })
    .await
    .expect("join");
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    Setup {
        app,
        clerk,
        village,
        pastoral,
        film,
    }
}

impl Setup {
    /// POSTs as the clerk and expects 201; returns the entry.
    pub async fn created(&self, path: &str, body: Value) -> Value {
        let (status, entry) = self.app.post_json(&self.clerk, path, body).await;
        assert_eq!(status, 201, "{path}: {entry}");
        entry
    }

    /// POSTs as the clerk, expects `status` and the ledger unchanged.
    async fn refused(&self, path: &str, body: Value, status: u16) {
        let before = self.app.app.ledger.len();
        let (got, answer) = self.app.post_json(&self.clerk, path, body.clone()).await;
        assert_eq!(got, status, "{path} {body}: {answer}");
        assert!(answer["message"].is_string(), "{answer}");
        assert_eq!(
            self.app.app.ledger.len(),
            before,
            "{path} {body} appended something"
        );
    }

    pub fn today(&self) -> LocalDate {
        self.app.app.days.today()
    }

    pub fn days_ago(&self, n: i64) -> String {
        LocalDate(self.today().0 - time::Duration::days(n)).to_string()
    }
}

#[tokio::test]
async fn feedback_info_reports_and_plans_are_checked_before_they_are_appended() {
    let s = setup().await;
    let (v, today) = (s.village.clone(), s.today());
    let path = format!("/api/v1/stations/{v}/feedback");
    let e = s.created(&path, json!({"text": "群众反映片子好"})).await;
    assert_eq!(
        (e["kind"].as_str(), e["station"].as_str()),
        (Some("feedback"), Some(v.as_str()))
    );
    assert_eq!(e["payload"]["showing_date"], today.to_string());
    assert_eq!(e["payload"]["late"], false);
    let e = s
        .created(
            &path,
            json!({"text": "补一条", "showing_date": s.days_ago(3)}),
        )
        .await;
    assert_eq!(
        (
            e["payload"]["late"].as_bool(),
            e["payload"]["entered_date"].as_str()
        ),
        (Some(true), Some(today.to_string().as_str()))
    );
    s.refused(
        "/api/v1/stations/st_nope/feedback",
        json!({"text": "x"}),
        404,
    )
    .await;
    s.refused(&path, json!({"text": "   "}), 422).await;
    s.refused(&path, json!({"note": "no text"}), 422).await;
    s.refused(
        &path,
        json!({"text": "x", "showing_date": s.days_ago(-2)}),
        422,
    )
    .await;
    s.refused(
        &path,
        json!({"text": "x", "showing_date": "2025-02-30"}),
        422,
    )
    .await;

    let info = format!("/api/v1/stations/{v}/info-reports");
    let e = s
        .created(&info, json!({"title": "五月简报", "text": "放映两场"}))
        .await;
    assert_eq!(e["kind"], "info_report");
    assert_eq!(e["payload"]["entered_date"], today.to_string());
    s.refused(&info, json!({"text": "no title"}), 422).await;

    let plans = format!("/api/v1/stations/{v}/plans");
    let item = |month: u8, film: &str| json!({"month": month, "film_id": film});
    let body = json!({"year": 2026, "quarter": 3, "items": [item(7, &s.film), item(9, &s.film)]});
    let e = s.created(&plans, body).await;
    assert_eq!(e["kind"], "plan");
    assert_eq!(
        e["payload"]["items"][1]["film_title"], "党章电视教材 第一集",
        "{e}"
    );
    s.refused(
        &plans,
        json!({"year": 2026, "quarter": 3, "items": [item(10, &s.film)]}),
        422,
    )
    .await;
    s.refused(
        &plans,
        json!({"year": 2026, "quarter": 5, "items": [item(7, &s.film)]}),
        422,
    )
    .await;
    s.refused(
        &plans,
        json!({"year": 2026, "quarter": 3, "items": []}),
        422,
    )
    .await;
    s.refused(
        &plans,
        json!({"year": 2026, "quarter": 3, "items": [item(7, "0123456789abcdef")]}),
        404,
    )
    .await;
    s.refused(
        &plans,
        json!({"year": 2026, "quarter": 3, "items": [item(7, "../../etc")]}),
        404,
    )
    .await;
}

#[tokio::test]
async fn pastoral_sessions_productions_and_corrections_are_checked_too() {
    let s = setup().await;
    let herd = format!("/api/v1/stations/{}/pastoral-sessions", s.pastoral);
    let e = s
        .created(
            &herd,
            json!({"date": s.days_ago(2), "hours": 6.5, "place": "夏季牧场"}),
        )
        .await;
    assert_eq!(
        (
            e["payload"]["hours"].as_f64(),
            e["payload"]["late"].as_bool()
        ),
        (Some(6.5), Some(true))
    );
    let village = format!("/api/v1/stations/{}/pastoral-sessions", s.village);
    s.refused(
        &village,
        json!({"date": s.days_ago(0), "hours": 2, "place": "村里"}),
        422,
    )
    .await;
    for hours in [json!(0), json!(-1), json!(24.5), json!("three")] {
        s.refused(
            &herd,
            json!({"date": s.days_ago(0), "hours": hours, "place": "牧场"}),
            422,
        )
        .await;
    }
    s.refused(
        &herd,
        json!({"date": s.days_ago(0), "hours": 2, "place": ""}),
        422,
    )
    .await;

    let admin = s.app.signed_in("admin", Role::Admin).await;
    let body = json!({"film_id": s.film, "production": "party_news", "year": 2026});
    let (status, _) = s
        .app
        .post_json(&s.clerk, "/api/v1/productions", body.clone())
        .await;
    assert_eq!(status, 403, "an admin's task");
    let (status, e) = s.app.post_json(&admin, "/api/v1/productions", body).await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(
        (e["station"].is_null(), e["payload"]["township"].as_str()),
        (true, Some(s.app.app.settings.township.as_str()))
    );
    assert_eq!(e["payload"]["film_title"], "党章电视教材 第一集");
    let before = s.app.app.ledger.len();
    let (status, _) = s
        .app
        .post_json(
            &admin,
            "/api/v1/productions",
            json!({"film_id": s.film, "production": "movie"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = s
        .app
        .post_json(
            &admin,
            "/api/v1/productions",
            json!({"film_id": "0123456789abcdef", "production": "feature"}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(s.app.app.ledger.len(), before);

    let seq = e["seq"].as_u64().expect("seq");
    let fix = "/api/v1/ledger/corrections";
    s.refused(fix, json!({"corrects": seq + 100, "reason": "不存在"}), 422)
        .await;
    s.refused(fix, json!({"corrects": seq, "reason": " "}), 422)
        .await;
    s.refused(fix, json!({"corrects": -1, "reason": "负数"}), 422)
        .await;
    let c = s
        .created(fix, json!({"corrects": seq, "reason": "片子交错了"}))
        .await;
    assert_eq!(
        (c["kind"].as_str(), c["payload"]["corrects"].as_u64()),
        (Some("correction"), Some(seq))
    );
    let pastoral_seq = seq - 1;
    let c = s
        .created(
            fix,
            json!({"corrects": pastoral_seq, "reason": "小时数记错"}),
        )
        .await;
    assert_eq!(
        c["station"].as_str(),
        Some(s.pastoral.as_str()),
        "a correction is about its entry's station"
    );
}

#[tokio::test]
async fn the_monthly_matrix_over_http_is_the_domains() {
    let s = setup().await;
    let ledger = s.app.app.ledger.clone();
    let v = s.village.clone();
    tokio::task::spawn_blocking(move || {
        for (month, play) in [(3, "p1"), (3, "p2"), (5, "p3")] {
            let started = format!("2025-{month:02}-10T02:00:00Z");
            let payload = json!({
                "play_id": play, "station_id": v, "film_id": "f", "film_title": "片",
                "started_at": started, "ended_at": started, "watched_s": 600,
                "furthest_position_s": 600, "duration_s": 900, "source": "direct",
                "inferred": true, "signins": 0, "status": "showing",
            });
            let draft = dianjiao::ledger::Draft::new(
                dianjiao::ledger::EntryKind::Viewing,
                Some(&v),
                payload,
            );
            ledger.append(draft).expect("append");
        }
    })
    .await
    .expect("join");
    let res = s
        .clerk
        .get(s.app.url("/api/v1/reports/monthly?year=2025"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let over_http: Value = res.json().await.expect("json");
    let reports = s.app.app.reports.clone();
    let domain = tokio::task::spawn_blocking(move || reports.monthly(2025))
        .await
        .expect("join")
        .expect("matrix");
    assert_eq!(over_http, serde_json::to_value(&domain).expect("json"));
    let row = &over_http["rows"][1];
    assert_eq!(row["station"]["code"], "V01");
    let showings: Vec<u64> = (0..12)
        .map(|m| row["months"][m]["showings"].as_u64().expect("n"))
        .collect();
    assert_eq!(showings, [0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(row["months"][2]["minutes"], 20);
    assert_eq!(row["months"][3]["below_floor"], true);
    assert_eq!(over_http["rows"][0]["station"]["code"], "P01");
    let res = s
        .clerk
        .get(s.app.url("/api/v1/reports/monthly"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 422, "a year is needed");
}
