use std::time::Instant;
use media_catalog::scan::walk_library;
use media_catalog::*;

#[test]
fn bench_rescan() {
    let root = tempfile::tempdir().unwrap();
    for d in 0..100 {
        let dir = root.path().join(format!("系列{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        for e in 0..100 {
            std::fs::write(dir.join(format!("系列{d} 第{e}集.mpg")), format!("{d}-{e}")).unwrap();
        }
    }
    let dbdir = tempfile::tempdir().unwrap();
    let db = sled::open(dbdir.path()).unwrap();
    let catalog = Catalog::open(&db, &dbdir.path().join("idx")).unwrap();
    let mut report = ProbeReport::default();
    report.media.container = "mpeg".into();
    report.media.streams = vec![StreamInfo { codec: "mpeg1video".into(), width: Some(352), height: Some(288), ..Default::default() }, StreamInfo { codec: "mp2".into(), ..Default::default() }];
    report.media.tags.insert("title".into(), "x".into());
    report.keyframes.times_s = (0..2000).map(|i| i as f64 * 0.5).collect();
    let t = Instant::now();
    let walk = walk_library(root.path());
    let plan = catalog.plan_scan(&walk).unwrap();
    for task in &plan.to_probe { catalog.record_probe(task, &report).unwrap(); }
    catalog.commit().unwrap();
    eprintln!("first scan: {:?} ({} probes)", t.elapsed(), plan.to_probe.len());
    for _ in 0..3 {
        let t = Instant::now();
        let walk = walk_library(root.path());
        let tw = t.elapsed();
        let plan = catalog.plan_scan(&walk).unwrap();
        let t2 = Instant::now(); let n = catalog.films().unwrap().len(); eprintln!("films() {:?} {n}", t2.elapsed());
        let t2 = Instant::now(); catalog.commit().unwrap(); eprintln!("commit {:?}", t2.elapsed());
        eprintln!("rescan: walk {:?} total {:?} probes {} unchanged {}", tw, t.elapsed(), plan.to_probe.len(), plan.unchanged);
    }
}
