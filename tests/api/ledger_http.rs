//! The ledger over HTTP: pages of entries for the office, a signed checkpoint anyone on the
//! LAN (the county) can fetch and check against the ledger's public key, and its length in
//! `/metrics`.

use dianjiao::accounts::Role;
use dianjiao::ledger::{Checkpoint, Draft, EntryKind};
use serde_json::{json, Value};

use crate::support::spawn_app;

#[tokio::test]
async fn the_office_pages_through_the_ledger_and_anyone_checks_its_signed_checkpoint() {
    let app = spawn_app().await;
    let ledger = app.app.ledger.clone();
    tokio::task::spawn_blocking(move || {
        for i in 0..3 {
            let draft = Draft::new(
                EntryKind::Discussion,
                Some("ST01"),
                json!({ "text": format!("第{i}次讨论") }),
            );
            ledger.append(draft).expect("appended");
        }
    })
    .await
    .expect("join");

    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let page = |query: &'static str| {
        let req = clerk.get(app.url(&format!("/api/v1/ledger?{query}")));
        async move {
            let res = req.send().await.expect("get");
            (res.status(), res.json::<Value>().await.expect("json"))
        }
    };
    let (_, first) = page("limit=2").await;
    assert_eq!(first["len"], 3, "{first}");
    assert_eq!(first["entries"].as_array().expect("entries").len(), 2);
    assert_eq!(first["entries"][1]["seq"], 1);
    assert_eq!(first["entries"][1]["payload"]["text"], "第1次讨论");
    assert_eq!(first["next_seq"], 2);
    let (_, rest) = page("from_seq=2").await;
    assert_eq!(rest["entries"][0]["seq"], 2, "{rest}");
    assert!(rest["next_seq"].is_null());
    let (status, bad) = page("from_seq=minus").await;
    assert_eq!(status, 400, "{bad}");

    let res = app
        .client()
        .get(app.url("/api/v1/ledger/checkpoint"))
        .send()
        .await
        .expect("checkpoint");
    assert_eq!(res.status(), 200);
    let note = res.text().await.expect("text");
    let key = app.app.ledger.public_key().expect("a key");
    let checkpoint = Checkpoint::open(&note, &key).expect("signed by the ledger's key");
    assert_eq!(checkpoint.size(), 3);
    let last_hash = rest["entries"][0]["hash"].as_str().expect("hash");
    assert_eq!(checkpoint.root().to_string(), last_hash);

    let metrics = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("m");
    let metrics = metrics.text().await.expect("text");
    assert!(metrics.contains("dianjiao_ledger_length 3"), "{metrics}");
}
