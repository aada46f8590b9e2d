//! The demo's session records: the coalition's annual session has a submitted report with the
//! three key takeaways its rapporteur read out and two calls to action, linked to the action
//! plan's items and to the transcript lines they came from, its answered question on the
//! record, and one unanswered question carried to the next monthly call. One
//! other session has a draft report; the rest of the (ended) week has none, so the missing
//! reports list has something to show.
//!
//! Everything goes through `archive::{reports, outcomes, questions}`, so the demo obeys the
//! same rules (one to five takeaways, links within the session) as a rapporteur does.

use anyhow::Context;

use crate::archive::outcomes::{self, ItemLink, OutcomeInput, OutcomeKind, Owner, Relation};
use crate::archive::questions::{self, CarryInput};
use crate::archive::reports::{self, ReportInput};
use crate::archive::transcripts;
use crate::store::Db;

use super::api;

const ANNUAL_SESSION: &str = "Dynamic Coalition on Child Online Safety: annual session";

async fn item(db: &Db, code: &str) -> anyhow::Result<i64> {
    sqlx::query_scalar("select action_item_id from action_item where code = $1")
        .bind(code)
        .fetch_one(&db.pool)
        .await
        .with_context(|| format!("action item {code} is in the demo plan"))
}

fn link(action_item_id: i64, relation: Relation) -> ItemLink {
    ItemLink {
        action_item_id,
        relation,
    }
}

/// Adds this part of the demo.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let session_id: i64 = sqlx::query_scalar("select session_id from session where title = $1")
        .bind(ANNUAL_SESSION)
        .fetch_one(&db.pool)
        .await
        .context("the annual session is in the demo programme")?;

    // The answered question goes on the record first, so a takeaway can cite it.
    questions::archive_answered_unchecked(db, session_id)
        .await
        .map_err(api)?;
    let co_writing: Option<i64> = sqlx::query_scalar(
        "select archived_question_id from archived_question where session_id = $1 and text like $2",
    )
    .bind(session_id)
    .bind("Will young people be invited%")
    .fetch_optional(&db.pool)
    .await?;

    // If the transcripts demo published this session's transcript, outcomes cite the lines
    // they came from; without a transcript they simply cite none.
    let transcript = transcripts::published(db, session_id).await.map_err(api)?;
    let line = |phrase: &str| -> Vec<i64> {
        transcript
            .iter()
            .flat_map(|t| t.segments.iter())
            .find(|s| s.kind == "speech" && s.text.contains(phrase))
            .map(|s| s.segment_id)
            .into_iter()
            .collect()
    };

    // The takeaways and the call to action the rapporteur read out at the end of the session,
    // and one more call to action from the discussion.
    let outcomes: Vec<OutcomeInput> = vec![
        OutcomeInput {
            kind: OutcomeKind::KeyTakeaway,
            text: "The coalition will publish a short age-appropriate design checklist, grounded \
                   in General Comment 25, with evidence for each item."
                .into(),
            action_items: vec![
                link(item(db, "AI-4").await?, Relation::Proposes),
                link(item(db, "AI-5").await?, Relation::Advances),
            ],
            segment_ids: line("common checklist"),
            archived_question_ids: Vec::new(),
        },
        OutcomeInput {
            kind: OutcomeKind::KeyTakeaway,
            text: "Reporting mechanisms must be easy to find, must answer the child who reports, \
                   and must reach people and hotlines fast."
                .into(),
            action_items: vec![link(item(db, "AI-2").await?, Relation::Advances)],
            segment_ids: line("three commitments"),
            archived_question_ids: Vec::new(),
        },
        OutcomeInput {
            kind: OutcomeKind::KeyTakeaway,
            text: "Practical examples mapped to the ITU industry guidelines will be collected and \
                   sent to the ITU for its next review."
                .into(),
            action_items: vec![
                link(item(db, "AI-9").await?, Relation::Advances),
                link(item(db, "AI-10").await?, Relation::Evidence),
            ],
            segment_ids: line("practical examples from coalition members"),
            archived_question_ids: Vec::new(),
        },
        OutcomeInput {
            kind: OutcomeKind::CallToAction,
            text: "Every member organisation should involve young people in setting its own \
                   agenda for next year, safely, as this session tried to do."
                .into(),
            action_items: vec![link(item(db, "AI-7").await?, Relation::Advances)],
            segment_ids: line("in the room where it is decided"),
            archived_question_ids: co_writing.into_iter().collect(),
        },
        OutcomeInput {
            kind: OutcomeKind::CallToAction,
            text: "Platforms in the coalition should make the three reporting commitments public \
                   before the next IGF, so that progress can be measured."
                .into(),
            action_items: vec![link(item(db, "AI-1").await?, Relation::Proposes)],
            segment_ids: Vec::new(),
            archived_question_ids: Vec::new(),
        },
    ];
    for input in &outcomes {
        outcomes::create_unchecked(db, None, Owner::Session(session_id), input)
            .await
            .map_err(api)?;
    }

    // Speaker and moderator counts come prefilled from the programme, as on the form.
    let prefill = reports::report(db, session_id).await.map_err(api)?;
    let speakers = prefill.speakers.unwrap_or(2);
    let moderators = prefill.moderators.unwrap_or(1);
    reports::save_unchecked(
        db,
        session_id,
        &ReportInput {
            summary: "The coalition reported on its action plan with participants on-site, \
                      online and in three remote hubs, then took its four action items in turn: \
                      age-appropriate design, reporting mechanisms, the ITU guidelines and youth \
                      participation. Industry welcomed a single design checklist; young people's \
                      experience of reporting tools shaped three commitments for platforms; members \
                      will collect practical examples for the next review of the ITU guidelines.\n\n\
                      The session was planned with the youth advisory group, and questions from \
                      the floor asked how progress will be measured next year."
                .into(),
            onsite_participants: Some(85),
            online_participants: Some(140),
            speakers: Some(speakers),
            women_speakers: Some((speakers + 1) / 2),
            moderators: Some(moderators),
            women_moderators: Some(moderators.min(1)),
            gender_discussed: Some(true),
            gender_note: "Speakers asked for reporting data broken down by gender and age, as \
                          girls and boys report different harms."
                .into(),
        },
    )
    .await
    .map_err(api)?;
    reports::submit_unchecked(db, session_id, None)
        .await
        .map_err(api)?;

    // The age question was approved but not answered: it goes to the next monthly call.
    let age_question: i64 = sqlx::query_scalar(
        "select question_id from question where session_id = $1 and status = 'approved' and text like $2",
    )
    .bind(session_id)
    .bind("How can platforms check%")
    .fetch_one(&db.pool)
    .await
    .context("the demo's age question is approved and unanswered")?;
    questions::carry_unchecked(
        db,
        None,
        session_id,
        age_question,
        &CarryInput {
            series: Some("dc-cos-monthly-call".into()),
            note: "Raised in the annual session; no time was left to answer it.".into(),
            ..Default::default()
        },
    )
    .await
    .map_err(api)?;

    // One other session's rapporteur has started a draft: the missing list shows it as such.
    let gaming: i64 = sqlx::query_scalar("select session_id from session where title = $1")
        .bind("Gaming platforms and children's voices")
        .fetch_one(&db.pool)
        .await
        .context("the gaming session is in the demo programme")?;
    reports::save_unchecked(
        db,
        gaming,
        &ReportInput {
            summary: "Draft: young gamers described the reporting tools they use and the ones \
                      they ignore."
                .into(),
            onsite_participants: Some(40),
            ..Default::default()
        },
    )
    .await
    .map_err(api)?;
    Ok(())
}
