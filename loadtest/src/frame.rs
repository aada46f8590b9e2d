//! Reading the server's frames at the rate a whole audience receives them.
//!
//! `ServerFrame` is an internally tagged enum, and serde reads such an enum by first copying
//! the whole frame into a tree of owned values, then reading the variant from that tree. For
//! the frames that go to everyone, many times a second on every socket, that copy was a third
//! of the generator's CPU in the mixed session (S6), and a busy generator reads late and
//! reports its own lateness as the server's. So the frames that everyone gets are read by
//! their head: the type, the sequence number and, for questions, the id and the label that
//! carries the send time, borrowed from the text without allocating. Snapshots,
//! acknowledgements and errors, which each client gets a few of, are read whole, as the
//! protocol's own type. The tests below hold the two readings together.

use std::borrow::Cow;

use plenary::live::protocol::ServerFrame;
use serde::Deserialize;

/// One frame from the server, as the generator needs it.
#[derive(Debug)]
pub(crate) enum Incoming<'a> {
    /// A snapshot, acknowledgement or error, read whole.
    Whole(Box<ServerFrame>),
    /// `question` or `your_question`.
    Question {
        seq: i64,
        question_id: i64,
        label: Cow<'a, str>,
    },
    /// `tallies`: coalesced, so they may skip sequence numbers. The counts themselves are read
    /// whole by the callers that want them ([`Incoming::tallies`]).
    Tallies { seq: i64 },
    /// `presence`: not a committed change, so no sequence number.
    Presence,
    /// Any other change in the sequence (state, floor, removal, skip, caption, note).
    Change { seq: i64 },
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    seq: Option<i64>,
    #[serde(default, borrow)]
    question: Option<QuestionHead<'a>>,
}

#[derive(Deserialize)]
struct QuestionHead<'a> {
    question_id: i64,
    #[serde(default, borrow)]
    label: Cow<'a, str>,
}

/// Why a frame could not be read.
#[derive(Debug)]
pub(crate) struct Unreadable;

impl<'a> Incoming<'a> {
    pub(crate) fn parse(text: &'a str) -> Result<Incoming<'a>, Unreadable> {
        let head: Head<'a> = serde_json::from_str(text).map_err(|_| Unreadable)?;
        let seq = head.seq.ok_or(Unreadable);
        Ok(match head.kind.as_ref() {
            "snapshot" | "ack" | "error" => Incoming::Whole(Box::new(
                serde_json::from_str(text).map_err(|_| Unreadable)?,
            )),
            "question" | "your_question" => {
                let question = head.question.ok_or(Unreadable)?;
                Incoming::Question {
                    seq: seq?,
                    question_id: question.question_id,
                    label: question.label,
                }
            }
            "tallies" => Incoming::Tallies { seq: seq? },
            "presence" => Incoming::Presence,
            "question_removed" | "session_state" | "floor" | "backstage_note" | "skip"
            | "caption" => Incoming::Change { seq: seq? },
            _ => return Err(Unreadable),
        })
    }

    /// The sequence number of a committed change, as [`ServerFrame::seq`].
    pub(crate) fn seq(&self) -> Option<i64> {
        match self {
            Incoming::Whole(frame) => frame.seq(),
            Incoming::Question { seq, .. }
            | Incoming::Tallies { seq }
            | Incoming::Change { seq } => Some(*seq),
            Incoming::Presence => None,
        }
    }

    pub(crate) fn is_snapshot(&self) -> bool {
        matches!(self, Incoming::Whole(frame) if matches!(**frame, ServerFrame::Snapshot(_)))
    }

    pub(crate) fn is_tallies(&self) -> bool {
        matches!(self, Incoming::Tallies { .. })
    }

    /// The counts of a `tallies` frame, read whole (`text` is the frame this was parsed from).
    pub(crate) fn tallies(text: &str) -> Vec<plenary::live::protocol::Tally> {
        match serde_json::from_str::<ServerFrame>(text) {
            Ok(ServerFrame::Tallies { votes, .. }) => votes,
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plenary::live::protocol::{AckResult, ErrorCode, QuestionView, Tally};
    use serde_json::json;

    fn question(label: &str) -> QuestionView {
        serde_json::from_value(json!({
            "question_id": 7, "text": "Who \"moderates\" the moderators?", "status": "approved",
            "votes": 3, "asked_at": 1_700_000_000, "label": label,
        }))
        .expect("a question view")
    }

    /// Serialises a frame with the protocol's type and checks that it reads back with the
    /// same sequence number; returns the text.
    fn read(frame: &ServerFrame) -> String {
        let text = serde_json::to_string(frame).expect("serialises");
        let seq = Incoming::parse(&text).expect("readable").seq();
        assert_eq!(seq, frame.seq(), "{text}");
        text
    }

    #[test]
    fn every_frame_everyone_gets_reads_with_the_protocols_sequence_number() {
        for frame in [
            ServerFrame::Skip { seq: 4 },
            ServerFrame::Presence { participants: 10 },
            ServerFrame::QuestionRemoved {
                seq: 5,
                question_id: 7,
                merged_into: Some(8),
            },
            ServerFrame::Tallies {
                seq: 6,
                votes: vec![Tally {
                    question_id: 7,
                    votes: 2,
                }],
            },
            ServerFrame::Ack {
                client_id: "c1".into(),
                seq: Some(9),
                result: AckResult::default(),
            },
            ServerFrame::Error {
                client_id: None,
                code: ErrorCode::RateLimited,
                message: "slow down".into(),
                retry_after_ms: Some(100),
            },
        ] {
            read(&frame);
        }
    }

    #[test]
    fn a_questions_label_is_read_even_when_it_needs_unescaping() {
        for label in ["t3@1700000000123456", "", "t\"4\"@5"] {
            let frame = ServerFrame::Question {
                seq: 12,
                question: question(label),
            };
            let text = read(&frame);
            let Ok(Incoming::Question {
                seq,
                question_id,
                label: read_label,
            }) = Incoming::parse(&text)
            else {
                panic!("not read as a question: {text}");
            };
            assert_eq!((seq, question_id, read_label.as_ref()), (12, 7, label));
        }
        let mine = ServerFrame::YourQuestion {
            seq: 13,
            question: question("t1@2"),
            notice: None,
        };
        let text = read(&mine);
        assert!(matches!(
            Incoming::parse(&text),
            Ok(Incoming::Question { seq: 13, .. })
        ));
    }

    #[test]
    fn tallies_are_read_whole_on_request() {
        let votes = vec![
            Tally {
                question_id: 1,
                votes: 5,
            },
            Tally {
                question_id: 2,
                votes: 0,
            },
        ];
        let text = serde_json::to_string(&ServerFrame::Tallies {
            seq: 3,
            votes: votes.clone(),
        })
        .expect("serialises");
        assert!(Incoming::parse(&text).expect("readable").is_tallies());
        assert_eq!(Incoming::tallies(&text), votes);
    }

    #[test]
    fn unknown_types_and_changes_without_a_sequence_number_are_unreadable() {
        for text in [
            r#"{"type":"gossip","seq":1}"#,
            r#"{"type":"skip"}"#,
            r#"{"type":"question","seq":1}"#,
            r#"{"seq":1}"#,
            "not json",
        ] {
            assert!(Incoming::parse(text).is_err(), "{text}");
        }
    }
}
