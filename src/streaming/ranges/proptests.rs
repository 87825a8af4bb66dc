//! Property tests of the `Range` parser: any header against any length never panics, and
//! never asks for a byte outside the file or more bytes than the file has; generated
//! well-formed headers select exactly the bytes a naive byte-set model selects.

use super::*;
use proptest::prelude::*;

/// Checks what every outcome must hold for a file of `len` bytes, whatever the header.
fn assert_bounded(outcome: &RangeOutcome, len: u64) {
    match outcome {
        RangeOutcome::Full | RangeOutcome::Unsatisfiable => {}
        RangeOutcome::Partial(span) => {
            assert!(span.end_inclusive() < len, "{span:?} past {len}");
            assert!(span.size() <= len);
        }
        RangeOutcome::Multi(spans) => {
            assert!(
                (2..=MAX_PARTS).contains(&spans.len()),
                "{} parts",
                spans.len()
            );
            for pair in spans.windows(2) {
                // Sorted, disjoint and not adjacent: a gap of at least one byte.
                assert!(pair[0].end_inclusive().saturating_add(1) < pair[1].start());
            }
            assert!(spans.iter().all(|s| s.end_inclusive() < len));
            let total: u64 = spans.iter().map(ByteRange::size).sum();
            assert!(total <= len, "{total} bytes of a {len}-byte file");
        }
    }
}

/// Text close to a `Range` header: its alphabet, so that the parser's paths are reached.
fn header_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[bByYtTeEsS]{0,6} ?= ?[0-9, \t\\-]{0,40}",
        "bytes=[0-9]{0,25}-[0-9]{0,25}(,[ \t]*[0-9]{0,25}-[0-9]{0,25}){0,20}",
    ]
}

/// One well-formed `range-spec`, with offsets around a small file's end.
#[derive(Clone, Debug)]
enum GenSpec {
    From(u64, Option<u64>),
    Suffix(u64),
}

fn gen_spec() -> impl Strategy<Value = GenSpec> {
    prop_oneof![
        (0u64..300, proptest::option::of(0u64..300))
            .prop_map(|(first, last)| { GenSpec::From(first, last.map(|l| l.max(first))) }),
        (0u64..300).prop_map(GenSpec::Suffix),
    ]
}

impl GenSpec {
    fn text(&self) -> String {
        match self {
            GenSpec::From(first, Some(last)) => format!("{first}-{last}"),
            GenSpec::From(first, None) => format!("{first}-"),
            GenSpec::Suffix(n) => format!("-{n}"),
        }
    }

    /// The bytes of a `len`-byte file this spec names, by the RFC's words.
    fn bytes(&self, len: u64) -> std::ops::Range<u64> {
        match *self {
            GenSpec::From(first, last) => {
                let end = last.map_or(len, |l| (l + 1).min(len));
                first.min(end)..end
            }
            GenSpec::Suffix(n) => len.saturating_sub(n)..len,
        }
    }
}

/// The selected bytes as maximal runs, from a byte-by-byte set.
fn model_runs(specs: &[GenSpec], len: u64) -> Vec<(u64, u64)> {
    let mut chosen = vec![false; len as usize];
    for spec in specs {
        for b in spec.bytes(len) {
            chosen[b as usize] = true;
        }
    }
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for (i, _) in chosen.iter().enumerate().filter(|(_, c)| **c) {
        let i = i as u64;
        match runs.last_mut() {
            Some(run) if run.1 + 1 == i => run.1 = i,
            _ => runs.push((i, i)),
        }
    }
    runs
}

fn outcome_runs(outcome: &RangeOutcome) -> Vec<(u64, u64)> {
    let spans = match outcome {
        RangeOutcome::Partial(one) => vec![*one],
        RangeOutcome::Multi(many) => many.clone(),
        RangeOutcome::Full | RangeOutcome::Unsatisfiable => vec![],
    };
    spans
        .iter()
        .map(|s| (s.start(), s.end_inclusive()))
        .collect()
}

proptest! {
    #[test]
    fn prop_any_header_against_any_length_stays_inside_the_file(
        header in header_like(),
        len in prop_oneof![0u64..2000, any::<u64>()],
    ) {
        assert_bounded(&parse(&header, len), len);
    }

    #[test]
    fn prop_well_formed_specs_select_what_a_byte_set_model_selects(
        specs in proptest::collection::vec(gen_spec(), 1..24),
        len in 0u64..256,
        spaces in "[ \t]{0,2}",
    ) {
        let header = format!(
            "bytes={}",
            specs.iter().map(GenSpec::text).collect::<Vec<_>>().join(&format!(",{spaces}"))
        );
        let outcome = parse(&header, len);
        assert_bounded(&outcome, len);
        let runs = model_runs(&specs, len);
        match runs.len() {
            0 => prop_assert_eq!(outcome, RangeOutcome::Unsatisfiable),
            n if n > MAX_PARTS => prop_assert_eq!(outcome, RangeOutcome::Full),
            _ => prop_assert_eq!(outcome_runs(&outcome), runs),
        }
    }

    #[test]
    fn prop_any_number_of_huge_specs_is_never_more_than_the_file(
        numbers in proptest::collection::vec(
            ("[0-9]{1,30}", "[0-9]{0,30}"), 1..64),
        len in any::<u64>(),
    ) {
        let header = format!(
            "bytes={}",
            numbers.iter().map(|(a, b)| format!("{a}-{b}")).collect::<Vec<_>>().join(",")
        );
        assert_bounded(&parse(&header, len), len);
    }
}
