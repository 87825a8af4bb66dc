//! Property tests of the SOAP reader: any bytes and any `SOAPACTION` header are read or
//! refused, never a panic; a document type or entity is always refused; and what
//! [`request`] and [`response`] write reads back as the same action and arguments.

use proptest::prelude::*;

use super::*;

fn xml_name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,12}"
}

/// Argument text: anything but a carriage return (XML reads `\r\n` and `\r` as `\n`) and the
/// characters XML 1.0 has no place for.
fn arg_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\r\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{fffe}\u{ffff}]{0,24}",
        "[<>&\"' 党章a\n\t]{0,12}",
    ]
}

fn args() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((xml_name(), arg_text()), 0..=MAX_ARGS)
}

/// Pieces of SOAP, stuck together in any order: reaches the reader's states and limits.
fn soapish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just("<s:Envelope xmlns:s=\"x\">".to_owned()),
        Just("</s:Envelope>".to_owned()),
        Just("<s:Body>".to_owned()),
        Just("</s:Body>".to_owned()),
        Just("<u:Browse>".to_owned()),
        Just("</u:Browse>".to_owned()),
        Just("<u:Get/>".to_owned()),
        Just("<A>".to_owned()),
        Just("</A>".to_owned()),
        Just("<![CDATA[x]]>".to_owned()),
        Just("<!DOCTYPE x>".to_owned()),
        Just("<!ENTITY e \"x\">".to_owned()),
        Just("<?xml version=\"1.0\"?>".to_owned()),
        Just("<!-- c -->".to_owned()),
        "&(amp|lt|#x21|#0|#x110000|bogus|);",
        "[a-z党 <>/&;\"=]{0,6}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat().into_bytes())
}

proptest! {
    #[test]
    fn prop_any_body_and_header_are_read_or_refused(
        body in prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), soapish()],
        header in proptest::option::of(prop_oneof![any::<String>(), "\"urn:x#[A-Za-z]{0,8}\""]),
    ) {
        if let Ok(action) = parse(&body, header.as_deref()) {
            prop_assert!(!action.name.is_empty());
            prop_assert!(action.args.len() <= MAX_ARGS);
            prop_assert!(!declares_dtd(&body));
        }
    }

    #[test]
    fn prop_a_declaration_anywhere_is_refused_before_parsing(
        before in soapish(),
        decl in "<!(DOCTYPE|ENTITY|doctype|Entity)",
        after in soapish(),
    ) {
        let body = [before, decl.into_bytes(), after].concat();
        prop_assert_eq!(parse(&body, None), Err(Refused::Dtd));
    }

    #[test]
    fn prop_a_written_request_reads_back_as_the_same_action(
        service in "urn:[a-z:-]{1,20}:1",
        name in xml_name(),
        args in args(),
        quoted in any::<bool>(),
    ) {
        let inputs: Vec<(&str, &str)> = args.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let body = request(&service, &name, &inputs);
        let header = format!("{service}#{name}");
        let header = if quoted { format!("\"{header}\"") } else { header };
        let action = parse(&body, Some(&header)).expect("a written request reads");
        prop_assert_eq!(&action, &Action { name: name.clone(), args: args.clone() });
        // The answer to it, read the same way, carries the outputs in order.
        let answer = parse(&response(&service, &name, &inputs), None).expect("an answer reads");
        prop_assert_eq!(answer, Action { name: format!("{name}Response"), args });
        // Another action named in the header is refused.
        let other = format!("\"{service}#{name}X\"");
        prop_assert_eq!(parse(&body, Some(&other)), Err(Refused::Malformed));
    }
}
