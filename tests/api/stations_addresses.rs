//! Addresses of TVs that cannot pair (DLNA): one address belongs to one station; plays from
//! it count for that station (`Stations::station_for_address`).

use std::net::IpAddr;

use dianjiao::accounts::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::stations::{changes_of, station};
use crate::support::send;
use crate::support::spawn_app;

#[tokio::test]
async fn addresses_are_registered_to_one_station_listed_and_removed() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let east = station(&app, &admin, "E-01", "东村").await;
    let west = station(&app, &admin, "W-01", "西村").await;
    let (east, west) = (east["id"].as_str().unwrap(), west["id"].as_str().unwrap());
    let add = |id: &str| app.url(&format!("/api/v1/stations/{id}/addresses"));
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();

    let body = json!({"address": " 192.168.1.20 "});
    let (status, added) = send(admin.post(add(east)).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["address"], "192.168.1.20");
    assert_eq!(
        send(admin.post(add(east)).json(&body)).await.0,
        200,
        "already there"
    );
    let (status, err) = send(admin.post(add(west)).json(&body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("E-01"),
        "names the owner: {err}"
    );
    for bad in ["999.1.1.1", "tv-in-the-hall", "0.0.0.0", "224.0.0.1", ""] {
        let (status, err) = send(admin.post(add(west)).json(&json!({"address": bad}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {err}");
    }
    let v6 = json!({"address": "fe80::1"});
    assert_eq!(send(admin.post(add(west)).json(&v6)).await.0, 201);

    let (status, list) = send(clerk.get(add(east))).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["address"], "192.168.1.20");
    let stations = app.app.stations.clone();
    assert_eq!(
        stations
            .station_for_address(ip("192.168.1.20"))
            .unwrap()
            .as_deref(),
        Some(east)
    );
    let mapped = ip("::ffff:192.168.1.20");
    assert_eq!(
        stations.station_for_address(mapped).unwrap().as_deref(),
        Some(east)
    );
    assert_eq!(
        stations
            .station_for_address(ip("fe80::1"))
            .unwrap()
            .as_deref(),
        Some(west)
    );
    assert_eq!(
        stations.station_for_address(ip("192.168.1.21")).unwrap(),
        None
    );

    let one = |id: &str, a: &str| app.url(&format!("/api/v1/stations/{id}/addresses/{a}"));
    assert_eq!(
        send(admin.delete(one(west, "192.168.1.20"))).await.0,
        404,
        "not west's"
    );
    assert_eq!(send(admin.delete(one(east, "192.168.1.20"))).await.0, 200);
    assert_eq!(send(admin.delete(one(east, "192.168.1.20"))).await.0, 404);
    assert_eq!(
        stations.station_for_address(ip("192.168.1.20")).unwrap(),
        None
    );
    assert_eq!(
        send(admin.post(add(west)).json(&body)).await.0,
        201,
        "free again"
    );
    assert_eq!(
        changes_of(&app, east),
        ["created", "address_added", "address_removed"]
    );
    assert_eq!(
        changes_of(&app, west),
        ["created", "address_added", "address_added"]
    );
}
