//! The demo's inter-sessional record and the action plan's progress. The monthly call's last
//! three meetings have minutes: the oldest two approved (each from the next meeting's agenda,
//! the oldest after a second version), the latest still a draft; each has a decision and action
//! assignments (one overdue, one done); the next call has an agenda. The plan's items get
//! owners, due dates and dated progress updates with evidence links, so the plan's chart shows
//! every status. Last, the coalition takes its later name, keeping the old one as an alias.
//!
//! Dates count from today, so the demo looks the same whenever it is loaded. Everything goes
//! through `archive::{minutes, plan, outcomes}`, so it obeys the same rules as the pages.

use anyhow::Context;
use chrono::{Duration, NaiveDate, Utc};

use super::api;
use crate::archive::minutes::{self, MeetingActionInput, MinutesContent, MinutesStatus};
use crate::archive::outcomes::{self, ItemLink, OutcomeInput, OutcomeKind, Owner, Relation};
use crate::archive::plan::{self, Found, ItemAssignment, ItemStatus, RenameInput, UpdateInput};
use crate::domain::recurrence::OccurrenceStatus;
use crate::meetings;
use crate::store::Db;

/// The demo coalition's slug as `seed::load_action_plan` makes it.
const OLD_SLUG: &str = "dc-child-online-safety";

async fn item(db: &Db, code: &str) -> anyhow::Result<i64> {
    sqlx::query_scalar("select action_item_id from action_item where code = $1")
        .bind(code)
        .fetch_one(&db.pool)
        .await
        .with_context(|| format!("action item {code} is in the demo plan"))
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

/// (code, owner, due in days from today, updates as (days ago, status, progress, note, evidence))
type ItemPlan = (
    &'static str,
    &'static str,
    Option<i64>,
    &'static [(i64, ItemStatus, i64, &'static str, &'static str)],
);

const ITEMS: &[ItemPlan] = &[
    (
        "AI-1",
        "Secretariat",
        Some(60),
        &[
            (
                300,
                ItemStatus::InProgress,
                20,
                "A shared contact list of NGOs and INGOs working on child online protection is set up.",
                "",
            ),
            (
                120,
                ItemStatus::InProgress,
                45,
                "Joint statement of twelve organisations to the WSIS+20 review.",
                "https://example.org/dc-cos/wsis-joint-statement",
            ),
        ],
    ),
    (
        "AI-2",
        "ECPAT International",
        Some(120),
        &[
            (
                200,
                ItemStatus::InProgress,
                30,
                "First exchange of national practice on reporting mechanisms.",
                "",
            ),
            (
                40,
                ItemStatus::InProgress,
                55,
                "Practice notes from six countries published.",
                "https://example.org/dc-cos/practice-notes",
            ),
        ],
    ),
    (
        "AI-3",
        "Youth advisory group",
        Some(-20),
        &[(
            150,
            ItemStatus::InProgress,
            35,
            "Outline of a repository of legislation and codes of conduct.",
            "https://example.org/dc-cos/repository-outline",
        )],
    ),
    (
        "AI-4",
        "Drafting group on age assurance",
        Some(90),
        &[(
            60,
            ItemStatus::InProgress,
            25,
            "Outline of the position paper on privacy-preserving age assurance agreed.",
            "",
        )],
    ),
    ("AI-5", "", None, &[]),
    (
        "AI-6",
        "Secretariat",
        None,
        &[
            (
                330,
                ItemStatus::Ongoing,
                40,
                "Inter-sessional calls held monthly.",
                "",
            ),
            (
                30,
                ItemStatus::Ongoing,
                70,
                "The coalition's session at the IGF drew participants on site, online and at three remote hubs.",
                "https://example.org/dc-cos/igf-session-report",
            ),
        ],
    ),
    (
        "AI-7",
        "Co-chairs",
        Some(-100),
        &[
            (
                220,
                ItemStatus::InProgress,
                60,
                "Child-rights advocates invited to two main sessions.",
                "",
            ),
            (
                110,
                ItemStatus::Completed,
                100,
                "A standing youth seat on the coalition's steering group.",
                "https://example.org/dc-cos/steering-group",
            ),
        ],
    ),
    (
        "AI-8",
        "",
        None,
        &[(
            250,
            ItemStatus::Dropped,
            10,
            "Folded into AI-7 by decision of the monthly call.",
            "",
        )],
    ),
    (
        "AI-9",
        "ITU liaison",
        Some(200),
        &[(
            90,
            ItemStatus::InProgress,
            15,
            "Members asked for examples for the next guidelines update.",
            "",
        )],
    ),
    ("AI-10", "ITU liaison", Some(30), &[]),
];

async fn load_plan_progress(db: &Db, today: NaiveDate) -> anyhow::Result<()> {
    for (code, owner, due_in, updates) in ITEMS {
        let id = item(db, code).await?;
        plan::assign(
            db,
            id,
            &ItemAssignment {
                owner: (*owner).to_string(),
                due_on: due_in.map(|d| today + Duration::days(d)),
            },
        )
        .await
        .map_err(api)?;
        for (ago, status, progress, note, evidence) in *updates {
            plan::add_update_by(
                db,
                None,
                id,
                &UpdateInput {
                    on_date: today - Duration::days(*ago),
                    status: *status,
                    progress: *progress,
                    note: (*note).to_string(),
                    evidence_url: (*evidence).to_string(),
                },
            )
            .await
            .map_err(api)?;
        }
    }
    Ok(())
}

fn content(
    count: i64,
    orgs: &[&str],
    apologies: &[&str],
    agenda: &[&str],
    discussion: &str,
) -> MinutesContent {
    MinutesContent {
        attendee_count: Some(count),
        attendee_organisations: lines(orgs),
        apologies: lines(apologies),
        agenda: lines(agenda),
        discussion: discussion.to_string(),
    }
}

async fn decision(
    db: &Db,
    meeting_id: i64,
    text: &str,
    links: Vec<ItemLink>,
) -> anyhow::Result<()> {
    outcomes::create_unchecked(
        db,
        None,
        Owner::Meeting(meeting_id),
        &OutcomeInput {
            kind: OutcomeKind::Decision,
            text: text.to_string(),
            action_items: links,
            segment_ids: Vec::new(),
            archived_question_ids: Vec::new(),
        },
    )
    .await
    .map_err(api)?;
    Ok(())
}

async fn action(
    db: &Db,
    meeting_id: i64,
    text: &str,
    owner: &str,
    due_on: NaiveDate,
    status: &str,
    item_code: &str,
) -> anyhow::Result<()> {
    minutes::add_action(
        db,
        meeting_id,
        &MeetingActionInput {
            text: text.to_string(),
            owner: owner.to_string(),
            due_on: Some(due_on),
            status: Some(status.to_string()),
            action_item_id: Some(item(db, item_code).await?),
        },
    )
    .await
    .map_err(api)?;
    Ok(())
}

async fn load_meetings(db: &Db) -> anyhow::Result<()> {
    let series = meetings::series_by_slug(db, "dc-cos-monthly-call")
        .await
        .map_err(api)?;
    let now = Utc::now();
    let all = meetings::series_occurrences(
        db,
        &series,
        now - Duration::days(400),
        now + Duration::days(400),
        100,
    )
    .await
    .map_err(api)?;
    let held: Vec<_> = all
        .iter()
        .filter(|o| o.status != OccurrenceStatus::Cancelled && o.ends_at < now)
        .collect();
    let next = all
        .iter()
        .find(|o| o.status != OccurrenceStatus::Cancelled && o.starts_at > now);
    let mut ids = Vec::new();
    for o in held.iter().rev().take(3).rev() {
        ids.push((
            minutes::meeting_id_for_occurrence(db, series.series_id, o.original_start.timestamp())
                .await
                .map_err(api)?,
            o.starts_at.date_naive(),
        ));
    }
    let next_id = match next {
        Some(o) => Some(
            minutes::meeting_id_for_occurrence(db, series.series_id, o.original_start.timestamp())
                .await
                .map_err(api)?,
        ),
        None => None,
    };
    let orgs = [
        "ECPAT International",
        "Child Helpline International",
        "eNACSO",
        "ITU",
        "5Rights Foundation",
    ];
    // Minutes of meeting i are approved on the next one's agenda (the latest stays a draft).
    let approver = |i: usize| ids.get(i + 1).map(|(id, _)| *id);
    for (i, &(meeting_id, day)) in ids.iter().enumerate() {
        let last = i + 1 == ids.len();
        let first = i == 0;
        let agenda = [
            "Approval of the minutes of the previous meeting",
            "Action plan: progress of the items due",
            "Preparation of the coalition's IGF session",
            "Members' news",
        ];
        let discussion = match i {
            0 => {
                "Members reviewed the plan's items due this quarter. The drafting group reported on age assurance; members agreed it needs a position paper before the next IGF.\nThe Secretariat will send the session report to the IGF Secretariat."
            }
            1 => {
                "The ITU liaison presented the timeline of the next update of the child online protection guidelines. Members agreed to collect examples through the liaison.\nThe youth advisory group asked for more time on the repository outline."
            }
            _ => {
                "The drafting group presented the outline of the position paper. Members discussed how to involve the youth advisory group in drafting."
            }
        };
        let v1 = minutes::create_minutes_by(
            db,
            None,
            meeting_id,
            &content(
                14 + i as i64 * 3,
                &orgs[..3 + i.min(2)],
                &["Insafe network"],
                &agenda,
                discussion,
            ),
        )
        .await
        .map_err(api)?;
        if last {
            decision(
                db,
                meeting_id,
                "The position paper's outline is adopted as the basis for drafting; the youth advisory group co-drafts its chapter on young people's views.",
                vec![ItemLink { action_item_id: item(db, "AI-4").await?, relation: Relation::Advances }],
            )
            .await?;
            action(
                db,
                meeting_id,
                "Draft the position paper from the adopted outline",
                "Drafting group on age assurance",
                day + Duration::days(60),
                "open",
                "AI-4",
            )
            .await?;
            continue;
        }
        minutes::set_status_unchecked(db, v1.minutes_id, MinutesStatus::InReview, None)
            .await
            .map_err(api)?;
        let to_approve = if first {
            // A member's correction after review: the reviewed version stays, a second follows.
            let mut corrected = content(15, &orgs[..3], &["Insafe network"], &agenda, discussion);
            corrected.apologies.push("Child Rights Connect".into());
            let v2 = minutes::create_minutes_by(db, None, meeting_id, &corrected)
                .await
                .map_err(api)?;
            minutes::set_status_unchecked(db, v2.minutes_id, MinutesStatus::InReview, None)
                .await
                .map_err(api)?;
            v2.minutes_id
        } else {
            v1.minutes_id
        };
        minutes::set_status_unchecked(db, to_approve, MinutesStatus::Approved, approver(i))
            .await
            .map_err(api)?;
        if first {
            decision(
                db,
                meeting_id,
                "The coalition will prepare a position paper on privacy-preserving age assurance before the next IGF.",
                vec![ItemLink { action_item_id: item(db, "AI-4").await?, relation: Relation::Proposes }],
            )
            .await?;
            action(
                db,
                meeting_id,
                "Send the session report to the IGF Secretariat",
                "Secretariat",
                day + Duration::days(14),
                "done",
                "AI-6",
            )
            .await?;
            action(
                db,
                meeting_id,
                "Circulate the outline of the legislation repository to members",
                "Youth advisory group",
                day + Duration::days(21),
                "open",
                "AI-3",
            )
            .await?;
        } else {
            decision(
                db,
                meeting_id,
                "Members' contributions to the ITU guidelines update are collected by the ITU liaison.",
                vec![ItemLink { action_item_id: item(db, "AI-9").await?, relation: Relation::Advances }],
            )
            .await?;
            action(
                db,
                meeting_id,
                "Collect members' examples for the ITU guidelines update",
                "ITU liaison",
                day + Duration::days(120),
                "open",
                "AI-9",
            )
            .await?;
        }
    }
    if let Some(next_id) = next_id {
        for title in [
            "Preparation of the IGF session proposal",
            "Position paper on age assurance: first draft",
            "Members' news",
        ] {
            minutes::add_agenda_item(
                db,
                next_id,
                &minutes::AgendaItemInput {
                    title: title.into(),
                },
            )
            .await
            .map_err(api)?;
        }
    }
    Ok(())
}

async fn rename_coalition(db: &Db) -> anyhow::Result<()> {
    let coalition = match plan::find_coalition(db, OLD_SLUG).await.map_err(api)? {
        Found::Current(c) => c,
        Found::Former(_) => return Ok(()),
    };
    plan::rename(
        db,
        &coalition,
        &RenameInput {
            slug: "dc-childrens-rights-digital".into(),
            name: "Dynamic Coalition on Children's Rights in the Digital Environment".into(),
            acronym: Some("DC-CRIDE".into()),
            until_on: None,
        },
    )
    .await
    .map_err(api)?;
    Ok(())
}

/// Adds this part of the demo.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    load_plan_progress(db, plan::today()).await?;
    load_meetings(db).await?;
    rename_coalition(db).await?;
    Ok(())
}
