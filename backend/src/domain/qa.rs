//! The question state machine of live Q&A: what moderators and askers may do to a question, and
//! what participants may see. Pure, so the live engine and the property tests share it.

use serde::{Deserialize, Serialize};

/// Where a question is in moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    /// Waiting for a moderator (pre-moderation, or held for contact details).
    Pending,
    /// Visible to everyone; can be voted on.
    Approved,
    /// Visible, marked as answered.
    Answered,
    /// Hidden from participants; the asker sees the reason.
    Dismissed,
    /// Folded into another question; its votes moved there.
    Merged,
    /// Taken back by its asker.
    Withdrawn,
}

impl QuestionStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionStatus::Pending => "pending",
            QuestionStatus::Approved => "approved",
            QuestionStatus::Answered => "answered",
            QuestionStatus::Dismissed => "dismissed",
            QuestionStatus::Merged => "merged",
            QuestionStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => QuestionStatus::Pending,
            "approved" => QuestionStatus::Approved,
            "answered" => QuestionStatus::Answered,
            "dismissed" => QuestionStatus::Dismissed,
            "merged" => QuestionStatus::Merged,
            "withdrawn" => QuestionStatus::Withdrawn,
            _ => return None,
        })
    }

    /// True when participants other than the asker may see the question.
    pub fn is_public(self) -> bool {
        matches!(self, QuestionStatus::Approved | QuestionStatus::Answered)
    }

    /// True when the question can still change (not withdrawn or merged away).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            QuestionStatus::Pending
                | QuestionStatus::Approved
                | QuestionStatus::Answered
                | QuestionStatus::Dismissed
        )
    }
}

/// Why a moderator dismissed a question; the asker is told the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DismissReason {
    OffTopic,
    Duplicate,
    AlreadyAnswered,
    NotAQuestion,
    ContactDetails,
    BreaksCodeOfConduct,
    OutOfTime,
}

/// What a moderator can do to a question's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Approve,
    Dismiss,
    MarkAnswered,
    Reopen,
    Withdraw,
    MergeAway,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from} question cannot be {action}", from = .from.as_str())]
pub struct InvalidTransition {
    pub from: QuestionStatus,
    pub action: &'static str,
}

/// The status after `transition`, or why it is not allowed.
pub fn next_status(
    from: QuestionStatus,
    transition: Transition,
) -> Result<QuestionStatus, InvalidTransition> {
    use QuestionStatus as S;
    let (allowed, to, action) = match transition {
        Transition::Approve => (
            matches!(from, S::Pending | S::Dismissed),
            S::Approved,
            "approved",
        ),
        Transition::Dismiss => (
            matches!(from, S::Pending | S::Approved | S::Answered),
            S::Dismissed,
            "dismissed",
        ),
        Transition::MarkAnswered => (matches!(from, S::Approved), S::Answered, "marked answered"),
        Transition::Reopen => (matches!(from, S::Answered), S::Approved, "reopened"),
        Transition::Withdraw => (
            matches!(from, S::Pending | S::Approved),
            S::Withdrawn,
            "withdrawn",
        ),
        Transition::MergeAway => (
            matches!(from, S::Pending | S::Approved),
            S::Merged,
            "merged into another",
        ),
    };
    if allowed {
        Ok(to)
    } else {
        Err(InvalidTransition { from, action })
    }
}

/// True when a question with `status` can be the target of a merge.
pub fn can_receive_merge(status: QuestionStatus) -> bool {
    matches!(
        status,
        QuestionStatus::Pending | QuestionStatus::Approved | QuestionStatus::Answered
    )
}

/// The one status whose questions participants may vote on (the live store's vote statement
/// checks it in SQL).
pub const VOTABLE: QuestionStatus = QuestionStatus::Approved;

/// True when participants may vote on a question with `status`.
pub fn can_vote(status: QuestionStatus) -> bool {
    status == VOTABLE
}

/// True when a question with `status` may be put on screen.
pub fn can_show_on_screen(status: QuestionStatus) -> bool {
    status.is_public()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;

    /// A model board: the transitions above plus votes, merges and the on-screen slot, applied
    /// the way the live engine applies them.
    #[derive(Default, Debug)]
    struct Board {
        status: Vec<QuestionStatus>,
        voters: Vec<BTreeSet<u8>>,
        on_screen: Option<usize>,
    }

    #[derive(Debug, Clone)]
    enum Op {
        Ask { pre_moderated: bool },
        Moderate(usize, u8),
        Vote(usize, u8),
        Unvote(usize, u8),
        Merge(usize, usize),
        Screen(usize),
    }

    impl Board {
        fn apply(&mut self, op: &Op) {
            let n = self.status.len();
            match *op {
                Op::Ask { pre_moderated } => {
                    self.status.push(if pre_moderated {
                        QuestionStatus::Pending
                    } else {
                        QuestionStatus::Approved
                    });
                    self.voters.push(BTreeSet::new());
                }
                Op::Moderate(q, t) if q < n => {
                    let t = [
                        Transition::Approve,
                        Transition::Dismiss,
                        Transition::MarkAnswered,
                        Transition::Reopen,
                        Transition::Withdraw,
                    ][t as usize % 5];
                    if let Ok(s) = next_status(self.status[q], t) {
                        self.status[q] = s;
                        if !s.is_public() && self.on_screen == Some(q) {
                            self.on_screen = None;
                        }
                    }
                }
                Op::Vote(q, voter) if q < n && can_vote(self.status[q]) => {
                    self.voters[q].insert(voter);
                }
                Op::Unvote(q, voter) if q < n => {
                    self.voters[q].remove(&voter);
                }
                Op::Merge(from, into)
                    if from < n
                        && into < n
                        && from != into
                        && can_receive_merge(self.status[into]) =>
                {
                    if let Ok(s) = next_status(self.status[from], Transition::MergeAway) {
                        self.status[from] = s;
                        let moved = std::mem::take(&mut self.voters[from]);
                        self.voters[into].extend(moved);
                        if self.on_screen == Some(from) {
                            self.on_screen = None;
                        }
                    }
                }
                Op::Screen(q) if q < n && can_show_on_screen(self.status[q]) => {
                    self.on_screen = Some(q)
                }
                _ => {}
            }
        }

        /// What a participant's view holds: public questions and their tallies.
        fn participant_view(&self) -> BTreeMap<usize, usize> {
            (0..self.status.len())
                .filter(|&q| self.status[q].is_public())
                .map(|q| (q, self.voters[q].len()))
                .collect()
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<bool>().prop_map(|pre_moderated| Op::Ask { pre_moderated }),
            (0..8usize, any::<u8>()).prop_map(|(q, t)| Op::Moderate(q, t)),
            (0..8usize, 0..6u8).prop_map(|(q, v)| Op::Vote(q, v)),
            (0..8usize, 0..6u8).prop_map(|(q, v)| Op::Unvote(q, v)),
            (0..8usize, 0..8usize).prop_map(|(a, b)| Op::Merge(a, b)),
            (0..8usize).prop_map(Op::Screen),
        ]
    }

    proptest! {
        #[test]
        fn no_sequence_of_commands_shows_a_hidden_question(ops in prop::collection::vec(op(), 0..60)) {
            let mut board = Board::default();
            for op in &ops {
                board.apply(op);
                for q in board.participant_view().keys() {
                    prop_assert!(matches!(board.status[*q], QuestionStatus::Approved | QuestionStatus::Answered));
                }
                if let Some(q) = board.on_screen {
                    prop_assert!(board.status[q].is_public(), "on screen but {:?}", board.status[q]);
                }
            }
        }

        #[test]
        fn merges_never_count_a_voter_twice(ops in prop::collection::vec(op(), 0..60)) {
            let mut board = Board::default();
            for op in &ops {
                board.apply(op);
            }
            // A voter appears at most once per question, and merged-away questions keep no votes.
            for (q, voters) in board.voters.iter().enumerate() {
                if board.status[q] == QuestionStatus::Merged {
                    prop_assert!(voters.is_empty());
                }
            }
        }
    }

    #[test]
    fn a_pending_question_is_approved_before_it_is_answered() {
        assert_eq!(
            next_status(QuestionStatus::Pending, Transition::Approve),
            Ok(QuestionStatus::Approved)
        );
        let err = next_status(QuestionStatus::Pending, Transition::MarkAnswered).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a pending question cannot be marked answered"
        );
        assert!(next_status(QuestionStatus::Withdrawn, Transition::Approve).is_err());
        assert!(next_status(QuestionStatus::Merged, Transition::Approve).is_err());
    }
}
