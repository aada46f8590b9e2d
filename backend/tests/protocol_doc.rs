//! Keeps `docs/PROTOCOL.md` honest: every example fenced as ```` ```json client ```` or
//! ```` ```json server ```` must parse into the protocol's own types and serialise back to the same
//! JSON, and every command and every server frame must have an example. The lists of variants
//! below are exhaustive matches, so adding a variant to `Command` or `ServerFrame` (or a code to
//! `ErrorCode`) fails to compile here until it is listed, and then fails this test until the page
//! documents it.
//!
//! Needs no server or database: `cargo test -p plenary --test protocol_doc`.

use std::collections::{BTreeMap, BTreeSet};

use plenary::live::api::JoinedBody;
use plenary::live::participants::JoinRequest;
use plenary::live::protocol::{ClientFrame, Command, ErrorCode, ServerFrame};
use serde_json::Value;

/// One fenced code block of the page.
#[derive(Debug)]
struct Block {
    /// The info string after the opening fence, trimmed (`json client`).
    info: String,
    /// The line of the opening fence, 1-based, for messages.
    line: usize,
    text: String,
}

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/PROTOCOL.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// Every fenced block (backtick fences, as CommonMark reads them: a closing fence is at least as
/// long as the opening one and has no info string).
fn blocks(doc: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<(usize, Block)> = None;
    for (i, line) in doc.lines().enumerate() {
        let trimmed = line.trim_start();
        let fence = trimmed.chars().take_while(|&c| c == '`').count();
        match open.take() {
            None if fence >= 3 && line.len() - trimmed.len() <= 3 => {
                open = Some((
                    fence,
                    Block {
                        info: trimmed[fence..].trim().to_string(),
                        line: i + 1,
                        text: String::new(),
                    },
                ));
            }
            None => {}
            Some((width, block)) if fence >= width && trimmed[fence..].trim().is_empty() => {
                found.push(block);
            }
            Some((width, mut block)) => {
                block.text.push_str(line);
                block.text.push('\n');
                open = Some((width, block));
            }
        }
    }
    assert!(open.is_none(), "docs/PROTOCOL.md ends inside a code block");
    found
}

/// The info strings of the blocks this test checks.
const CHECKED: &[&str] = &[
    "json client",
    "json server",
    "json join-request",
    "json join-response",
];

/// The blocks whose info string is exactly `info`. Any other info string that shares a word
/// with the checked ones (`client`, `server`, ...) is a typo that would hide an example from this
/// test, so it fails.
fn examples<'a>(blocks: &'a [Block], info: &str) -> Vec<&'a Block> {
    let words: BTreeSet<&str> = CHECKED.iter().flat_map(|i| i.split(' ').skip(1)).collect();
    for block in blocks {
        if block.info.split_whitespace().any(|w| words.contains(w)) {
            assert!(
                CHECKED.contains(&block.info.as_str()),
                "line {}: the info string {:?} is not one this test reads; write exactly one of \
                 {CHECKED:?}",
                block.line,
                block.info
            );
        }
    }
    blocks.iter().filter(|b| b.info == info).collect()
}

/// Parses `block` as `T`, writes it back, and checks that nothing was lost, added or renamed.
fn round_trip<T>(block: &Block) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let written: Value = serde_json::from_str(&block.text)
        .unwrap_or_else(|e| panic!("line {}: not JSON: {e}\n{}", block.line, block.text));
    let parsed: T = serde_json::from_str(&block.text).unwrap_or_else(|e| {
        panic!(
            "line {}: does not parse as {}: {e}\n{}",
            block.line,
            std::any::type_name::<T>(),
            block.text
        )
    });
    let back = serde_json::to_value(&parsed).expect("protocol types serialise");
    assert_eq!(
        back, written,
        "line {}: the example does not round-trip (left: as the server writes it, right: as \
         documented). A field at its default is left out on the wire, and one with \
         `#[serde(default)]` but no skip is always written.",
        block.line
    );
    parsed
}

/// Declares the wire names of an enum's variants in one table: a list of the names, and a match
/// with no wildcard arm that names each variant's `type`.
macro_rules! wire_names {
    ($list:ident, $name_of:ident, $enum:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        const $list: &[&str] = &[$($name),*];

        fn $name_of(value: &$enum) -> &'static str {
            match value {
                $($enum::$variant { .. } => $name),*
            }
        }
    };
}

wire_names!(COMMAND_TYPES, command_type, Command {
    Ask => "ask",
    Vote => "vote",
    Withdraw => "withdraw",
    RaiseHand => "raise_hand",
    LowerHand => "lower_hand",
    EraseMyData => "erase_my_data",
    Approve => "approve",
    Dismiss => "dismiss",
    MarkAnswered => "mark_answered",
    Reopen => "reopen",
    ShowOnScreen => "show_on_screen",
    Merge => "merge",
    Edit => "edit",
    Label => "label",
    Pin => "pin",
    Reply => "reply",
    SetQaState => "set_qa_state",
    SetModeration => "set_moderation",
    SetFloorOrder => "set_floor_order",
    CallNext => "call_next",
    CallSpeaker => "call_speaker",
    SkipSpeaker => "skip_speaker",
    ClearFloor => "clear_floor",
    Backstage => "backstage",
    Suspend => "suspend",
    RemoveParticipant => "remove_participant",
    SetSafeguarding => "set_safeguarding",
    Caption => "caption",
});

wire_names!(SERVER_TYPES, server_type, ServerFrame {
    Snapshot => "snapshot",
    Ack => "ack",
    Error => "error",
    Question => "question",
    QuestionRemoved => "question_removed",
    YourQuestion => "your_question",
    Tallies => "tallies",
    SessionState => "session_state",
    Floor => "floor",
    BackstageNote => "backstage_note",
    Skip => "skip",
    Presence => "presence",
    Caption => "caption",
});

wire_names!(ERROR_CODES, error_code, ErrorCode {
    Malformed => "malformed",
    UnknownType => "unknown_type",
    Forbidden => "forbidden",
    NotFound => "not_found",
    InvalidState => "invalid_state",
    QaClosed => "qa_closed",
    InvalidText => "invalid_text",
    RateLimited => "rate_limited",
    Suspended => "suspended",
    TooManyInFlight => "too_many_in_flight",
    Unavailable => "unavailable",
});

/// The `type` an example was written with.
fn written_type(block: &Block) -> String {
    let value: Value = serde_json::from_str(&block.text).expect("checked by round_trip");
    value["type"]
        .as_str()
        .unwrap_or_else(|| panic!("line {}: no \"type\"", block.line))
        .to_string()
}

/// Fails with the names in `wanted` that no example covers (and any covered name not wanted).
fn assert_covered(what: &str, wanted: &[&str], covered: &BTreeMap<&'static str, Vec<usize>>) {
    let wanted: BTreeSet<&str> = wanted.iter().copied().collect();
    let have: BTreeSet<&str> = covered.keys().copied().collect();
    let missing: Vec<&&str> = wanted.difference(&have).collect();
    let unknown: Vec<&&str> = have.difference(&wanted).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{what} without an example in docs/PROTOCOL.md: {missing:?}; examples of {what} this \
         test does not list: {unknown:?}"
    );
}

#[test]
fn every_client_example_is_a_command_the_server_reads() {
    let doc = doc();
    let blocks = blocks(&doc);
    let mut covered: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    for block in examples(&blocks, "json client") {
        let frame: ClientFrame = round_trip(block);
        let name = command_type(&frame.command);
        assert_eq!(
            written_type(block),
            name,
            "line {}: the table here disagrees with serde about this command's name",
            block.line
        );
        assert_eq!(frame.command.name(), name, "Command::name() of {name}");
        let id = &frame.client_id;
        assert!(
            (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()),
            "line {}: client_id {id:?} is not 1–64 visible ASCII characters",
            block.line
        );
        covered.entry(name).or_default().push(block.line);
    }
    assert_covered("commands", COMMAND_TYPES, &covered);
}

#[test]
fn every_server_example_is_a_frame_the_server_writes() {
    let doc = doc();
    let blocks = blocks(&doc);
    let mut covered: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    for block in examples(&blocks, "json server") {
        let frame: ServerFrame = round_trip(block);
        let name = server_type(&frame);
        assert_eq!(
            written_type(block),
            name,
            "line {}: the table here disagrees with serde about this frame's name",
            block.line
        );
        covered.entry(name).or_default().push(block.line);
    }
    assert_covered("server frames", SERVER_TYPES, &covered);
}

#[test]
fn every_error_code_is_explained() {
    let doc = doc();
    let start = doc
        .find("\n## Error codes")
        .expect("docs/PROTOCOL.md has an \"Error codes\" section");
    let section = &doc[start + 1..];
    let section = &section[..section[1..]
        .find("\n## ")
        .map_or(section.len(), |end| end + 1)];
    for name in ERROR_CODES {
        // The serde name and the table above agree ...
        let code: ErrorCode = serde_json::from_value(Value::String(name.to_string()))
            .unwrap_or_else(|e| panic!("{name} is not an ErrorCode: {e}"));
        assert_eq!(error_code(&code), *name);
        // ... and the section has a table row for it.
        assert!(
            section.contains(&format!("| `{name}` |")),
            "the \"Error codes\" section has no row for `{name}`"
        );
    }
}

#[test]
fn the_join_examples_match_the_http_api() {
    let doc = doc();
    let blocks = blocks(&doc);
    let requests = examples(&blocks, "json join-request");
    assert_eq!(requests.len(), 1, "one join request example");
    let request = requests[0];
    // `JoinRequest` refuses unknown fields, so a misspelt key fails here.
    let parsed: JoinRequest = serde_json::from_str(&request.text)
        .unwrap_or_else(|e| panic!("line {}: not a join request: {e}", request.line));
    assert!(parsed.accept_code_of_conduct);

    let responses = examples(&blocks, "json join-response");
    assert_eq!(responses.len(), 1, "one join response example");
    let response = responses[0];
    let written: Value = serde_json::from_str(&response.text)
        .unwrap_or_else(|e| panic!("line {}: not JSON: {e}", response.line));
    let text = |key: &str| {
        written[key]
            .as_str()
            .unwrap_or_else(|| panic!("line {}: no string {key:?}", response.line))
            .to_string()
    };
    let body = JoinedBody {
        participant_id: written["participant_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("line {}: no participant_id", response.line)),
        handle: text("handle"),
        data_key: text("data_key"),
        socket_path: text("socket_path"),
    };
    assert_eq!(
        serde_json::to_value(&body).expect("JoinedBody serialises"),
        written,
        "line {}: the join response has other keys than the server's",
        response.line
    );
    assert_eq!(parsed.handle, body.handle, "request and response agree");
    assert!(
        body.socket_path.starts_with("/live/sessions/") && body.socket_path.ends_with("/socket"),
        "{}",
        body.socket_path
    );
}

#[test]
fn the_block_reader_reads_fences_as_markdown_does() {
    let text =
        "a\n```json client\n{\"x\": 1}\n```\n````md\n```json server\n````\n  ```\nb\n  ```\n";
    let found = blocks(text);
    let infos: Vec<&str> = found.iter().map(|b| b.info.as_str()).collect();
    assert_eq!(infos, ["json client", "md", ""]);
    assert_eq!(found[0].text, "{\"x\": 1}\n");
    assert_eq!(found[0].line, 2);
    assert_eq!(
        found[1].text, "```json server\n",
        "a longer fence holds a shorter one"
    );
}
