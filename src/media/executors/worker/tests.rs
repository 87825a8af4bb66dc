//! The worker's request loop, driven through in-memory pipes.

use super::*;

/// Each request's reply lines, in order: interim lines, then the final one.
fn replies_per_request(out: &[u8]) -> Vec<Vec<Reply>> {
    let mut all = vec![Vec::new()];
    for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let reply: Reply = serde_json::from_slice(line).expect("a reply line");
        let last = matches!(reply, Reply::Prepared { .. } | Reply::Failed { .. });
        all.last_mut().expect("a request").push(reply);
        if last {
            all.push(Vec::new());
        }
    }
    all.pop();
    all
}

#[test]
fn a_just_in_time_prepare_announces_each_segment_before_its_final_reply() {
    let fixture = crate::media::executors::transcode::fixtures::h264_mp4(20);
    let requests = [fixture.jit_job(2), fixture.job.clone()].map(|job| {
        let line = serde_json::to_string(&Request::Prepare { job }).expect("json");
        format!("{line}\n")
    });
    let mut out = Vec::new();
    serve(
        requests.concat().as_bytes(),
        &mut out,
        &WorkerOptions::default(),
    )
    .unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("{\"reply\":\"segment\",\"index\":2}\n"),
        "{text}"
    );
    let [jit, full] = &replies_per_request(&out)[..] else {
        panic!("two final replies: {text}");
    };
    let segments: Vec<usize> = jit
        .iter()
        .filter_map(|r| match r {
            Reply::Segment { index } => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(segments, [2, 3]);
    assert!(matches!(jit.last(), Some(Reply::Prepared { outputs }) if !outputs.tv_mp4));
    // A full preparation's pool would take a `Segment` line for its final reply.
    assert!(full.iter().all(|r| !matches!(r, Reply::Segment { .. })));
    assert!(matches!(full.last(), Some(Reply::Prepared { outputs }) if outputs.tv_mp4));
}

#[test]
fn a_prepare_job_without_the_new_fields_is_a_full_preparation() {
    let job = PrepareJob {
        source: "/a.mp4".into(),
        plan: crate::media::prepare::decide(&Default::default()),
        keyframes: Default::default(),
        out_dir: "/out".into(),
        first_segment: 3,
        jit: true,
    };
    let mut old = serde_json::to_value(&job).expect("json");
    let fields = old.as_object_mut().expect("an object");
    fields.remove("first_segment");
    fields.remove("jit");
    let job: PrepareJob = serde_json::from_value(old).expect("an old job parses");
    assert_eq!((job.first_segment, job.jit), (0, false));
}

#[test]
fn a_malformed_line_gets_a_failed_reply_and_the_loop_goes_on() {
    let input = b"not json\n{\"op\":\"probe\",\"path\":\"/nonexistent/x.mp4\"}\n";
    let mut out = Vec::new();
    serve(&input[..], &mut out, &WorkerOptions::default()).unwrap();
    let replies: Vec<Reply> = out
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(replies.len(), 2);
    for r in replies {
        assert!(matches!(r, Reply::Failed { failure } if failure.kind == FailureKind::Unreadable));
    }
}
