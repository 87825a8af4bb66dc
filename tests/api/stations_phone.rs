//! The broadcaster's phone pairs like a TV (`"kind": "phone"`): the same code, the same
//! station rights, its kind in the device record; the office shows a pairing code as a QR
//! code carrying `<origin>/m/?code=NNNNNN`, only for a live code of that station.

use dianjiao::accounts::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::stations::station;
use crate::support::send;
use crate::support::spawn_app_with;

#[tokio::test]
async fn a_phone_pairs_as_a_station_device_of_kind_phone() {
    let app = spawn_app_with(|s| s.anonymous_viewers = false).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().expect("id");
    let codes = app.url(&format!("/api/v1/stations/{id}/pairing-codes"));
    let mut paired = Vec::new();
    for body in [
        json!({"name": "播放员手机", "kind": "phone"}),
        json!({"name": "村委会电视"}),
    ] {
        let (_, code) = send(admin.post(&codes)).await;
        let mut body = body;
        body["code"] = code["code"].clone();
        let device = app.client();
        let (status, answer) = app.post_json(&device, "/api/v1/devices/pair", &body).await;
        assert_eq!(status, 200, "{answer}");
        paired.push((device, answer));
    }
    let (phone, answer) = &paired[0];
    assert_eq!(answer["kind"], "phone", "{answer}");
    assert_eq!(paired[1].1["kind"], "tv", "a TV by default");

    let (status, me) = app.get(phone, "/api/v1/device").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["device"]["kind"], "phone", "{me}");
    assert_eq!(me["station"]["id"], id);
    assert_eq!(
        app.get(phone, "/api/v1/films").await.0,
        200,
        "a viewer route"
    );
    assert_eq!(
        app.get(phone, "/api/v1/stations").await.0,
        403,
        "not the office's"
    );

    let (_, list) = send(admin.get(app.url(&format!("/api/v1/stations/{id}/devices")))).await;
    // Each device with its kind (the list's order is not the point: devices paired in the
    // same second come in id order, and ids are random).
    let mut kinds: Vec<(&str, &str)> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| {
            let name = d["name"].as_str().expect("name");
            (name, d["kind"].as_str().expect("kind"))
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [("播放员手机", "phone"), ("村委会电视", "tv")],
        "{list}"
    );
    let entries: Vec<Value> = app
        .app
        .ledger
        .iter(0)
        .expect("iter")
        .map(|e| e.expect("entry").payload)
        .collect();
    let kinds_recorded: Vec<&Value> = entries
        .iter()
        .filter(|p| p["action"] == "device_paired")
        .map(|p| &p["detail"]["kind"])
        .collect();
    assert_eq!(
        kinds_recorded,
        [&json!("phone"), &json!("tv")],
        "the ledger says which"
    );

    let (status, err) = send(
        app.client()
            .post(app.url("/api/v1/devices/pair"))
            .json(&json!({"code": "123456", "kind": "radio"})),
    )
    .await;
    assert_eq!(status, 400, "only tv or phone: {err}");
}

/// The QR code of a pairing code, as the admin's browser fetches it with `host`.
async fn qr(
    app: &crate::support::TestApp,
    admin: &reqwest::Client,
    path: &str,
    host: &str,
) -> (StatusCode, String, String) {
    let res = admin
        .get(app.url(path))
        .header("host", host)
        .send()
        .await
        .expect("qr");
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.text().await.expect("body"))
}

#[tokio::test]
async fn the_office_shows_a_live_code_as_a_qr_code_of_the_phone_pages_link() {
    let app = spawn_app_with(|s| s.host_names = vec!["films.lijiacun.lan".into()]).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let a = station(&app, &admin, "LJC-01", "李家村").await;
    let b = station(&app, &admin, "ZJC-02", "张家村").await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let (_, code) = send(admin.post(app.url(&format!("/api/v1/stations/{a}/pairing-codes")))).await;
    let code = code["code"].as_str().expect("code");
    let path = format!("/api/v1/stations/{a}/pairing-codes/{code}/qr.svg");
    let port = app.base.rsplit(':').next().expect("port");

    let (status, ct, svg) = qr(&app, &admin, &path, &format!("127.0.0.1:{port}")).await;
    assert_eq!(status, 200, "{svg}");
    assert_eq!(ct, "image/svg+xml");
    let link = format!("http://127.0.0.1:{port}/m/?code={code}");
    assert_eq!(
        svg,
        dianjiao::http::qr::svg(&link).expect("svg"),
        "the QR code of {link}"
    );
    let (status, _, by_name) = qr(&app, &admin, &path, "films.lijiacun.lan").await;
    assert_eq!(status, 200);
    let link = format!("http://films.lijiacun.lan/m/?code={code}");
    assert_eq!(
        by_name,
        dianjiao::http::qr::svg(&link).expect("svg"),
        "the origin the office uses"
    );

    let host = format!("127.0.0.1:{port}");
    let other = format!("/api/v1/stations/{b}/pairing-codes/{code}/qr.svg");
    assert_eq!(
        qr(&app, &admin, &other, &host).await.0,
        404,
        "not that station's code"
    );
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let unknown = format!("/api/v1/stations/{a}/pairing-codes/{wrong}/qr.svg");
    assert_eq!(
        qr(&app, &admin, &unknown, &host).await.0,
        404,
        "no such code"
    );
    let (status, _) = send(
        app.client()
            .post(app.url("/api/v1/devices/pair"))
            .json(&json!({"code": code, "kind": "phone"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        qr(&app, &admin, &path, &host).await.0,
        404,
        "a used code is no QR code"
    );
    assert_eq!(
        qr(&app, &admin, &path, "evil.example").await.0,
        421,
        "the Host allow-list first"
    );
}
