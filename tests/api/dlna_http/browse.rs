//! Browsing as a TV does: the description and icons, 按系列 → a series → its episodes,
//! paging, metadata, search, what is listed before preparation, the asking station's plan,
//! faults and the SystemUpdateID.

use dianjiao::accounts::Role;
use serde_json::json;

use super::*;
use crate::prepare::prepare_all;

#[tokio::test]
async fn the_description_names_the_server_its_services_and_fetchable_icons() {
    let app = app_with_library().await;
    let res = app
        .client()
        .get(app.url("/dlna/description.xml"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    let doc = Node::parse(&res.text().await.expect("body"));
    let uuid = app.app.dlna.uuid(&app.app.settings.data).expect("uuid");
    assert_eq!(doc.first("UDN").text, uuid);
    assert_eq!(
        doc.first("deviceType").text,
        "urn:schemas-upnp-org:device:MediaServer:1"
    );
    assert_eq!(doc.first("X_DLNADOC").text, "DMS-1.50");
    assert_eq!(doc.first("friendlyName").text, "本乡镇电教片库");
    let services: Vec<String> = doc
        .all("serviceType")
        .iter()
        .map(|n| n.text.clone())
        .collect();
    assert_eq!(
        services,
        [
            "urn:schemas-upnp-org:service:ContentDirectory:1",
            "urn:schemas-upnp-org:service:ConnectionManager:1",
            "urn:microsoft.com:service:X_MS_MediaReceiverRegistrar:1"
        ]
    );
    for scpd in doc.all("SCPDURL") {
        let res = app
            .client()
            .get(app.url(&scpd.text))
            .send()
            .await
            .expect("scpd");
        assert_eq!(res.status(), 200, "{}", scpd.text);
        let scpd = Node::parse(&res.text().await.expect("body"));
        assert!(!scpd.all("action").is_empty());
    }
    let icons = doc.all("icon");
    assert_eq!(icons.len(), 4);
    for icon in icons {
        let mime = icon.first("mimetype").text.clone();
        let res = app
            .client()
            .get(app.url(&icon.first("url").text))
            .send()
            .await
            .expect("icon");
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], mime.as_str());
        let bytes = res.bytes().await.expect("bytes");
        let magic: &[u8] = if mime == "image/png" {
            b"\x89PNG\r\n"
        } else {
            b"\xff\xd8\xff"
        };
        assert!(bytes.starts_with(magic), "{mime}");
    }
}

#[tokio::test]
async fn a_tv_browses_series_to_its_episodes_in_order_and_can_fetch_them() {
    let app = app_with_library().await;
    let root = browse(&app, "0", "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(
        root.titles(),
        [
            "本站本季度计划",
            "按系列",
            "按主题",
            "本地制作",
            "最近添加",
            "全部影片"
        ]
    );
    assert_eq!((root.returned, root.total), (6, 6));
    let series = browse(&app, "series", "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(series.titles(), [SERIES]);
    let folder = series.objects[0].attr("id").to_owned();
    assert_eq!(series.objects[0].attr("childCount"), "3");
    let episodes = browse(&app, &folder, "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(
        episodes.titles(),
        [
            "党章电视教材 第一集",
            "党章电视教材 第二集",
            "党章电视教材 第三集"
        ],
        "episode order, not title order"
    );
    let first = &episodes.objects[0];
    assert_eq!(first.attr("parentID"), folder);
    let res = resources(first);
    assert_eq!(res.len(), 2, "tv.mp4 and the H.264 original: {res:?}");
    let (info, url) = &res[0];
    assert!(
        url.starts_with(&app.base) && url.ends_with("/tv.mp4"),
        "{url}"
    );
    assert!(
        info.starts_with("http-get:*:video/mp4:DLNA.ORG_PN=AVC_MP4_"),
        "{info}"
    );
    assert!(
        info.contains("DLNA.ORG_OP=01;DLNA.ORG_CI=0;DLNA.ORG_FLAGS=0170"),
        "{info}"
    );
    let r = first.first("res");
    assert!(r.attr("size").parse::<u64>().expect("size") > 0);
    assert!(r.attr("duration").starts_with("0:00:0"), "{:?}", r.attrs);
    assert!(r.attr("resolution").contains('x'));
    let art = first.first("albumArtURI");
    assert_eq!(art.attr("dlna:profileID"), "JPEG_TN");
    assert!(art.text.ends_with("/thumb.jpg"));
    let fetched = app
        .client()
        .get(url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .expect("get");
    assert_eq!(fetched.status(), 206);
    assert_eq!(fetched.bytes().await.expect("bytes").len(), 100);
    let date_sorted = browse(&app, "local", "BrowseDirectChildren", 0, 0, "-dc:date").await;
    assert_eq!(
        date_sorted.titles(),
        ["村里的新闻 & 讲话"],
        "escaped and read back"
    );
}

#[tokio::test]
async fn paging_and_metadata_answer_counts_and_the_object_itself() {
    let app = app_with_library().await;
    let all = browse(&app, "all", "BrowseDirectChildren", 0, 0, "+dc:title").await;
    assert_eq!((all.returned, all.total), (5, 5), "{:?}", all.titles());
    let page = browse(&app, "all", "BrowseDirectChildren", 1, 2, "+dc:title").await;
    assert_eq!((page.returned, page.total), (2, 5));
    assert_eq!(page.ids(), all.ids()[1..3]);
    let past = browse(&app, "all", "BrowseDirectChildren", 9, 2, "").await;
    assert_eq!((past.returned, past.total), (0, 5));
    let mut titles = all.titles();
    titles.sort();
    assert_eq!(all.titles(), titles, "+dc:title sorts by title");
    let reversed = browse(&app, "all", "BrowseDirectChildren", 0, 0, "-dc:title").await;
    titles.reverse();
    assert_eq!(reversed.titles(), titles);

    let film = &all.ids()[0];
    let meta = browse(&app, film, "BrowseMetadata", 0, 0, "").await;
    assert_eq!((meta.returned, meta.total), (1, 1));
    assert_eq!(meta.objects[0].name, "item");
    assert_eq!(meta.ids(), std::slice::from_ref(film));
    let folder = browse(&app, "series", "BrowseMetadata", 0, 0, "").await;
    assert_eq!(folder.titles(), ["按系列"]);
    assert_eq!(folder.objects[0].attr("parentID"), "0");
}

#[tokio::test]
async fn search_finds_films_by_title_and_by_pinyin_initials() {
    let app = app_with_library().await;
    let by_title = search(&app, "dc:title contains \"第二集\"").await;
    assert_eq!(by_title.titles(), ["党章电视教材 第二集"]);
    let by_initials = search(
        &app,
        "(upnp:class derivedfrom \"object.item.videoItem\") and dc:title contains \"dzdsjc\"",
    )
    .await;
    let mut found = by_initials.titles();
    found.sort();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().all(|t| t.starts_with(SERIES)), "{found:?}");
    let music = search(&app, "upnp:class derivedfrom \"object.item.audioItem\"").await;
    assert_eq!(music.total, 0);
}

#[tokio::test]
async fn before_preparation_only_films_tvs_play_natively_are_listed() {
    let app = app_with_library().await;
    let films = app.app.catalog.films().expect("films");
    let avi = films
        .iter()
        .find(|f| f.source.name == "xvid.avi")
        .expect("the AVI is catalogued");
    assert_ne!(avi.state, media_catalog::FilmState::Ready);
    let all = browse(&app, "all", "BrowseDirectChildren", 0, 0, "").await;
    let titles = all.titles();
    assert!(
        !titles.iter().any(|t| t.contains("xvid")),
        "an Xvid AVI cannot play yet: {titles:?}"
    );
    let mpg = all
        .objects
        .iter()
        .find(|o| o.first("title").text.contains("vcd"))
        .unwrap_or_else(|| panic!("the VCD-era mpg is listed: {titles:?}"));
    let res = resources(mpg);
    assert_eq!(res.len(), 1, "{res:?}");
    let (info, url) = &res[0];
    assert!(url.ends_with("/original"), "{url}");
    assert!(
        info.starts_with("http-get:*:video/mpeg:DLNA.ORG_PN=MPEG1;"),
        "{info}"
    );
    let fetched = app
        .client()
        .get(url)
        .header("range", "bytes=0-3")
        .send()
        .await
        .expect("get");
    assert_eq!(fetched.status(), 206);
    assert_eq!(
        &fetched.bytes().await.expect("bytes")[..],
        b"\x00\x00\x01\xba",
        "a program stream"
    );
}

#[tokio::test]
async fn the_plan_folder_holds_the_plan_of_the_station_whose_address_asks() {
    let app = app_with_library().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (status, st) = app
        .post_json(
            &admin,
            "/api/v1/stations",
            json!({"code": "QLC", "name": "七里村", "kind": "village"}),
        )
        .await;
    assert_eq!(status, 201, "{st}");
    let station = st["id"].as_str().expect("id").to_owned();
    let empty = browse(&app, "plan", "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(empty.total, 0, "an unregistered address has no plan");
    let path = format!("/api/v1/stations/{station}/addresses");
    let (status, body) = app
        .post_json(&admin, &path, json!({"address": "127.0.0.1"}))
        .await;
    assert!((200..300).contains(&status), "{body}");
    let second = search(&app, "dc:title contains \"第二集\"").await;
    let film = second.ids()[0].trim_start_matches("film/").to_owned();
    let today = app.app.days.today();
    let plan = json!({"year": today.year(), "quarter": today.quarter(),
                      "items": [{"month": today.month(), "film_id": film}]});
    let (status, body) = app
        .post_json(&admin, &format!("/api/v1/stations/{station}/plans"), plan)
        .await;
    assert_eq!(status, 201, "{body}");
    let planned = browse(&app, "plan", "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(planned.titles(), ["党章电视教材 第二集"]);
}

#[tokio::test]
async fn unknown_actions_and_objects_get_upnp_faults() {
    let app = app_with_library().await;
    let (status, body) = soap(
        &app,
        "ContentDirectory",
        "DestroyObject",
        "<ObjectID>0</ObjectID>",
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(Node::parse(&body).first("errorCode").text, "401");
    let args = browse_args("film/0000000000000000", "BrowseMetadata", 0, 0, "");
    let (status, body) = soap(&app, "ContentDirectory", "Browse", &args).await;
    assert_eq!(status, 500);
    assert_eq!(Node::parse(&body).first("errorCode").text, "701");
    let args = browse_args("../../etc", "BrowseDirectChildren", 0, 0, "");
    let (_, body) = soap(&app, "ContentDirectory", "Browse", &args).await;
    assert_eq!(Node::parse(&body).first("errorCode").text, "701");
    let args = browse_args("0", "BrowseDirectChildren", 0, 0, "")
        .replace("<StartingIndex>0", "<StartingIndex>-1");
    let (_, body) = soap(&app, "ContentDirectory", "Browse", &args).await;
    assert_eq!(Node::parse(&body).first("errorCode").text, "402");
    let (status, body) = soap(&app, "ConnectionManager", "GetProtocolInfo", "").await;
    assert_eq!(status, 200);
    assert!(Node::parse(&body)
        .first("Source")
        .text
        .contains("DLNA.ORG_PN=MPEG1"));
    let (status, body) = soap(
        &app,
        "X_MS_MediaReceiverRegistrar",
        "IsAuthorized",
        "<DeviceID></DeviceID>",
    )
    .await;
    assert_eq!(
        (
            status.as_u16(),
            Node::parse(&body).first("Result").text.as_str()
        ),
        (200, "1")
    );
    let (_, body) = soap(&app, "ContentDirectory", "GetSystemUpdateID", "").await;
    let before = Node::parse(&body).first("Id").text.clone();
    prepare_all(&app).await;
    let (_, body) = soap(&app, "ContentDirectory", "GetSystemUpdateID", "").await;
    assert_ne!(
        Node::parse(&body).first("Id").text,
        before,
        "the catalog changed"
    );
}
