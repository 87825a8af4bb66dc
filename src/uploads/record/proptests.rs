//! Property tests of the tus headers: `Upload-Length`/`Upload-Offset` read exactly the
//! decimal numbers and nothing else, and `Upload-Metadata` never panics, keeps only clean,
//! bounded text, and gives back what a client encoded, in any order, with unknown keys.

use super::*;
use proptest::prelude::*;

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// What [`clean`] should make of a client's text, written out plainly.
fn model_clean(text: &str) -> Option<String> {
    let kept: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    Some(kept.trim().to_owned()).filter(|t| !t.is_empty())
}

fn assert_clean(text: &Option<String>) {
    if let Some(text) = text {
        assert!(!text.is_empty() && text.trim() == text);
        assert!(text.chars().count() <= MAX_TEXT_CHARS);
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
}

proptest! {
    #[test]
    fn prop_tus_numbers_are_exactly_the_decimal_numbers(
        text in prop_oneof![any::<String>(), "[ +\\-0-9a-f]{0,24}"],
    ) {
        let expected = (!text.trim().is_empty() && text.trim().bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.trim().parse::<u64>().ok())
            .flatten();
        prop_assert_eq!(parse_tus_number(&text), expected);
    }

    #[test]
    fn prop_every_u64_reads_back(n in any::<u64>(), pad in "[ \t]{0,2}") {
        prop_assert_eq!(parse_tus_number(&format!("{pad}{n}{pad}")), Some(n));
        prop_assert_eq!(parse_tus_number(&format!("+{n}")), None);
    }

    #[test]
    fn prop_any_metadata_header_is_read_or_refused_cleanly(
        header in prop_oneof![
            any::<String>(),
            "((filename|title|production|x) ?[A-Za-z0-9+/=]{0,12} ?,?){0,6}",
        ],
    ) {
        if let Ok(meta) = parse_meta(Some(&header)) {
            assert_clean(&meta.filename);
            assert_clean(&meta.title);
            prop_assert_eq!(meta.raw, header.trim());
        }
    }

    #[test]
    fn prop_encoded_metadata_reads_back_in_any_order(
        filename in any::<String>(),
        title in any::<String>(),
        production in prop::sample::select(vec!["", "party_news", "feature"]),
        extra in proptest::collection::vec(("[a-z_]{1,8}", any::<String>()), 0..3),
        order in Just(()).prop_perturb(|_, mut rng| rng.random::<u64>()),
    ) {
        let mut pairs = vec![
            format!("filename {}", b64(&filename)),
            format!("title {}", b64(&title)),
            format!("production {}", b64(production)),
        ];
        for (i, (key, value)) in extra.iter().enumerate() {
            pairs.push(format!("x{i}{key} {}", b64(value)));
        }
        pairs.push("is_confidential".to_owned());
        let n = pairs.len();
        pairs.rotate_left((order % n as u64) as usize);
        let meta = parse_meta(Some(&pairs.join(","))).expect("well-formed metadata");
        prop_assert_eq!(meta.filename, model_clean(&filename));
        prop_assert_eq!(meta.title, model_clean(&title));
        let expected = match production {
            "party_news" => Some(Production::PartyNews),
            "feature" => Some(Production::Feature),
            _ => None,
        };
        prop_assert_eq!(meta.production, expected);
    }

    #[test]
    fn prop_a_repeated_key_is_refused(key in prop::sample::select(vec!["filename", "title", "x"])) {
        let header = format!("{key} {},{key} {}", b64("a"), b64("b"));
        prop_assert!(matches!(parse_meta(Some(&header)), Err(MetaError::Duplicate(k)) if k == key));
    }
}
