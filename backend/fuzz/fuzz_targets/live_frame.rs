//! Feeds arbitrary bytes to the live protocol's frame parser: it must answer every input with a
//! command or a typed error frame, and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plenary::live::protocol::ServerFrame;
use plenary::live::socket::parse_frame;

fuzz_target!(|data: &[u8]| {
    // Websocket text frames are UTF-8 by the time they reach the parser.
    if let Ok(text) = std::str::from_utf8(data) {
        match parse_frame(text).map_err(|e| *e) {
            Ok(frame) => {
                // A parsed frame serialises back and parses to the same command.
                let again = serde_json::to_string(&frame).expect("a parsed frame serialises");
                assert_eq!(parse_frame(&again).ok(), Some(frame));
            }
            Err(ServerFrame::Error { .. }) => {}
            Err(other) => panic!("the parser answered with a non-error frame: {other:?}"),
        }
    }
});
