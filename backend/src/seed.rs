//! Demo data, loaded into an empty database on first start: the coalition's FY16–FY18 action
//! plan (parsed from `backend/seed/dccos-action-plan.txt`), an IGF week in its host's time zone,
//! and the coalition's monthly inter-sessional calls.
//!
//! Sessions go through `programme::save_session`, so the demo obeys the same conflict rules as
//! anything an organizer builds; a demo that double-booked a room would fail to load.

/// Demo minutes of past calls, action assignments and the action plan's progress.
mod minutes;
/// Demo reports, outcomes linked to action items, archived questions.
mod records;
/// Demo transcripts: a published IGF-style transcript of the coalition's session.
mod transcripts;

use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::schedule::{
    EventKind, RegionalGroup, Role, RoomLayout, SessionFormat, SessionStatus, StakeholderGroup,
};
use crate::programme::{
    self, EventInput, PersonInput, RoleInput, RoomInput, SessionInput, SessionTypeInput, Venue,
};
use crate::store::{Db, now};

/// The coalition's action plan as published; parsed by [`parse_action_plan`].
const ACTION_PLAN: &str = include_str!("../seed/dccos-action-plan.txt");

/// The action plan's parts.
#[derive(Debug, PartialEq, Eq)]
pub struct ActionPlanText {
    pub aim: String,
    pub objectives: Vec<String>,
    pub action_items: Vec<String>,
}

/// Splits the published plan into its aim, key objectives and action items.
pub fn parse_action_plan(text: &str) -> anyhow::Result<ActionPlanText> {
    #[derive(PartialEq)]
    enum Part {
        Title,
        Aim,
        Objectives,
        Items,
    }
    let mut part = Part::Title;
    let mut aim = Vec::new();
    let (mut objectives, mut action_items) = (Vec::new(), Vec::new());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let lower = line.to_lowercase();
        if lower.starts_with("aim of the") {
            part = Part::Aim;
        } else if lower.starts_with("key objectives") {
            part = Part::Objectives;
        } else if lower.starts_with("action items") {
            part = Part::Items;
        } else {
            let item = line
                .trim_start_matches(['•', '-', '–', ' ', '\u{a0}'])
                .trim();
            let item = item.trim_end_matches(';').trim().to_string();
            match part {
                Part::Title => {}
                Part::Aim => aim.push(line.to_string()),
                Part::Objectives => objectives.push(item),
                Part::Items => action_items.push(capitalise(&item)),
            }
        }
    }
    if aim.is_empty() || objectives.is_empty() || action_items.is_empty() {
        bail!("the action plan text lacks an aim, objectives or action items");
    }
    Ok(ActionPlanText {
        aim: aim.join("\n"),
        objectives,
        action_items,
    })
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Loads the demo unless the database already holds an event.
pub async fn load_if_empty(db: &Db) -> anyhow::Result<()> {
    let events: i64 = sqlx::query_scalar("select count(*) from event")
        .fetch_one(&db.pool)
        .await?;
    if events > 0 {
        return Ok(());
    }
    load(db).await?;
    tracing::info!("demo data loaded: the DC-COS action plan, IGF 2025 and the monthly calls");
    Ok(())
}

fn api(e: crate::http::error::AppError) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        serde_json::to_string(&e.body()).unwrap_or_else(|_| e.to_string())
    )
}

/// Loads the whole demo.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let coalition_id = load_action_plan(db).await?;
    load_igf_week(db, coalition_id).await?;
    load_meeting_series(db, coalition_id).await?;
    load_live_questions(db).await?;
    transcripts::load(db).await?;
    records::load(db).await?;
    minutes::load(db).await?;
    // The parts above write through the archive's own functions or straight to the tables;
    // one rebuild makes sure every public record of the demo can be searched.
    crate::archive::search::rebuild(db).await.map_err(api)?;
    Ok(())
}

/// The coalition's annual session, mid-discussion: participants with pseudonyms, questions
/// approved, voted on, answered, one held for the e-mail address in it, two raised hands. Goes
/// through the live engine's own command code, so the event log is what a real session leaves.
async fn load_live_questions(db: &Db) -> anyhow::Result<()> {
    use crate::live::participants::{JoinRequest, JoinWriter, ensure_live_session, join_from};
    use crate::live::protocol::{Command, QaState};
    use crate::live::store::{self, Actor, ApplyError, EngineLimits, Writer};

    let session_id: i64 = sqlx::query_scalar("select session_id from session where title = $1")
        .bind("Dynamic Coalition on Child Online Safety: annual session")
        .fetch_one(&db.pool)
        .await
        .context("the annual session is in the demo programme")?;
    ensure_live_session(db, session_id).await.map_err(api)?;
    // The demo week is in the past; keep its live session for ten years rather than letting the
    // retention job purge the example the first hour after start.
    sqlx::query(
        "insert into event_retention (event_id, live_days, participant_days, report_days, audit_days) \
         select event_id, 3650, 3650, 3650, 3650 from session where session_id = $1",
    )
    .bind(session_id)
    .execute(&db.pool)
    .await?;
    let people = [
        (
            "Amara K",
            "16_17",
            "online",
            Some("civil_society"),
            Some("african"),
        ),
        (
            "Lukas",
            "18_plus",
            "onsite",
            Some("government"),
            Some("weog"),
        ),
        ("Noor", "13_15", "remote_hub", None, Some("asia_pacific")),
        (
            "Tomás R",
            "18_plus",
            "online",
            Some("academia"),
            Some("grulac"),
        ),
        (
            "Mei",
            "18_plus",
            "onsite",
            Some("private_sector"),
            Some("asia_pacific"),
        ),
        (
            "Kwame",
            "18_plus",
            "onsite",
            Some("technical_community"),
            Some("african"),
        ),
    ];
    let mut ids = Vec::new();
    let writer = JoinWriter::start(db.clone());
    for (handle, age_band, attendance, group, region) in people {
        let joined = join_from(
            db,
            &writer,
            session_id,
            &JoinRequest {
                handle: handle.into(),
                age_band: age_band.into(),
                attendance: attendance.into(),
                stakeholder_group: group.map(Into::into),
                regional_group: region.map(Into::into),
                accept_code_of_conduct: true,
            },
            "",
        )
        .await
        .map_err(api)?;
        ids.push(joined.participant_id);
    }
    let asks = [
        (
            0,
            "How can platforms check a user's age without collecting more data about children?",
            false,
        ),
        (
            1,
            "What should the coalition ask of governments before the next IGF?",
            false,
        ),
        (
            2,
            "Will young people be invited to co-write the coalition's next report?",
            true,
        ),
        (
            3,
            "Is end-to-end encryption compatible with detecting grooming?",
            false,
        ),
        (
            5,
            "Could you share the slides? My e-mail is kwame.demo@example.org",
            false,
        ),
    ];
    let limits = EngineLimits {
        question_chars: 500,
        reply_chars: 280,
        questions_per_minute: 5,
        risk_words: std::sync::Arc::from(Vec::new()),
    };
    let mut tx = db.pool.begin().await?;
    let mut writer = Writer::begin(&mut tx, session_id, limits).await?;
    let mut commands: Vec<(Option<Actor>, Command)> = Vec::new();
    for (who, text, anonymous) in asks {
        commands.push((
            Some(Actor::Participant(ids[who])),
            Command::Ask {
                text: text.into(),
                anonymous,
            },
        ));
    }
    // Question ids are assigned in order; the demo database is empty, so they are 1..=5.
    for q in 1..=4 {
        commands.push((None, Command::Approve { question_id: q }));
    }
    for (voter, q) in [
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 1),
        (5, 1),
        (0, 3),
        (3, 3),
        (4, 3),
        (0, 4),
        (1, 4),
    ] {
        commands.push((
            Some(Actor::Participant(ids[voter])),
            Command::Vote {
                question_id: q,
                up: true,
            },
        ));
    }
    commands.push((None, Command::MarkAnswered { question_id: 3 }));
    commands.push((
        None,
        Command::Reply {
            question_id: 3,
            text: "Yes: drafting starts at the youth advisory call.".into(),
        },
    ));
    commands.push((
        None,
        Command::ShowOnScreen {
            question_id: Some(1),
        },
    ));
    commands.push((Some(Actor::Participant(ids[4])), Command::RaiseHand));
    commands.push((Some(Actor::Participant(ids[0])), Command::RaiseHand));
    commands.push((
        None,
        Command::SetQaState {
            state: QaState::Open,
        },
    ));
    for (n, (actor, command)) in commands.iter().enumerate() {
        let applied = match actor {
            Some(actor) => writer.apply(*actor, command).await,
            None => writer.apply_as_demo_moderator(command).await,
        };
        let applied = match applied {
            Ok(applied) => applied,
            Err(ApplyError::Refused(r)) => bail!("demo live command {n} refused: {}", r.message),
            Err(ApplyError::Database(e)) => return Err(e.into()),
        };
        for change in &applied.changes {
            writer.record(change)?;
        }
        if actor.is_none() {
            let entry = store::audit_entry(session_id, command, &applied.result);
            store::audit(writer.tx, session_id, "system", entry).await?;
        }
    }
    writer.finish().await?;
    tx.commit().await?;
    Ok(())
}

async fn load_action_plan(db: &Db) -> anyhow::Result<i64> {
    let plan = parse_action_plan(ACTION_PLAN)?;
    let coalition_id: i64 = sqlx::query_scalar(
        "insert into coalition (slug, name, acronym, created_at) values ($1, $2, $3, $4) returning coalition_id",
    )
    .bind("dc-child-online-safety")
    .bind("Dynamic Coalition on Child Online Safety")
    .bind("DC-COS")
    .bind(now())
    .fetch_one(&db.pool)
    .await?;
    // The plan names fiscal years only; the dates span the three calendar years it covers.
    let plan_id: i64 = sqlx::query_scalar(
        "insert into action_plan (coalition_id, title, aim, period_label, starts_on, ends_on) \
         values ($1, $2, $3, $4, $5, $6) returning action_plan_id",
    )
    .bind(coalition_id)
    .bind("DC-COS Action Plan")
    .bind(&plan.aim)
    .bind("FY16–FY18")
    .bind("2016-01-01")
    .bind("2018-12-31")
    .fetch_one(&db.pool)
    .await?;
    for (i, text) in plan.objectives.iter().enumerate() {
        sqlx::query("insert into objective (action_plan_id, position, text) values ($1, $2, $3)")
            .bind(plan_id)
            .bind(i as i64 + 1)
            .bind(text)
            .execute(&db.pool)
            .await?;
    }
    for (i, text) in plan.action_items.iter().enumerate() {
        sqlx::query("insert into action_item (action_plan_id, position, code, text) values ($1, $2, $3, $4)")
            .bind(plan_id)
            .bind(i as i64 + 1)
            .bind(format!("AI-{}", i + 1))
            .bind(text)
            .execute(&db.pool)
            .await?;
    }
    Ok(coalition_id)
}

/// (code, name, label, numbered, durations, webcast, captions, interpretation)
type TypeRow = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [u32],
    bool,
    bool,
    bool,
);

const SESSION_TYPES: &[TypeRow] = &[
    (
        "OC",
        "Opening ceremony",
        "Opening Ceremony",
        false,
        &[60, 90, 120],
        true,
        true,
        true,
    ),
    (
        "CC",
        "Closing ceremony",
        "Closing Ceremony",
        false,
        &[60, 90],
        true,
        true,
        true,
    ),
    (
        "MS",
        "Main session",
        "Main Session",
        false,
        &[90, 120],
        true,
        true,
        true,
    ),
    (
        "HL",
        "High-level session",
        "High-Level Session",
        false,
        &[60, 90, 120],
        true,
        true,
        true,
    ),
    (
        "WS",
        "Workshop",
        "WS",
        true,
        &[30, 60, 90],
        true,
        true,
        false,
    ),
    (
        "OF",
        "Open forum",
        "Open Forum",
        true,
        &[30, 60],
        true,
        true,
        false,
    ),
    (
        "DC",
        "Dynamic coalition session",
        "DC Session",
        false,
        &[60, 90],
        true,
        true,
        false,
    ),
    (
        "BPF",
        "Best practice forum",
        "BPF",
        false,
        &[90],
        true,
        true,
        false,
    ),
    (
        "PN",
        "Policy network",
        "PN",
        false,
        &[90],
        true,
        true,
        false,
    ),
    (
        "NRI",
        "NRI collaborative session",
        "NRI Collaborative Session",
        true,
        &[60, 90],
        true,
        true,
        false,
    ),
    (
        "LT",
        "Lightning talk",
        "Lightning Talk",
        true,
        &[20, 30],
        true,
        true,
        false,
    ),
    (
        "NS",
        "Networking session",
        "Networking Session",
        true,
        &[30, 60],
        false,
        false,
        false,
    ),
    (
        "LA",
        "Launch or award event",
        "Launch / Award Event",
        true,
        &[30, 60],
        true,
        true,
        false,
    ),
    (
        "TH",
        "Town hall",
        "Town Hall",
        true,
        &[60, 90],
        true,
        true,
        false,
    ),
    (
        "D0",
        "Day 0 event",
        "Day 0 Event",
        true,
        &[30, 60, 90, 120],
        true,
        true,
        false,
    ),
    (
        "OM",
        "Open mic",
        "Open Mic",
        false,
        &[60, 90],
        true,
        true,
        false,
    ),
];

const ROOMS: &[(&str, i64, RoomLayout)] = &[
    ("Plenary Hall", 1500, RoomLayout::Theatre),
    ("Workshop Room 1", 150, RoomLayout::UShape),
    ("Workshop Room 2", 150, RoomLayout::UShape),
    ("Workshop Room 3", 120, RoomLayout::Roundtable),
    ("Workshop Room 4", 120, RoomLayout::Classroom),
    ("Workshop Room 5", 80, RoomLayout::Roundtable),
    ("Open Forum Room A", 200, RoomLayout::Theatre),
    ("Open Forum Room B", 200, RoomLayout::Theatre),
    ("Lightning Talk Stage", 60, RoomLayout::Theatre),
    ("Networking Lounge", 50, RoomLayout::Roundtable),
    ("Press Briefing Room", 40, RoomLayout::Boardroom),
    ("Youth Corner", 70, RoomLayout::Roundtable),
];

use RegionalGroup as Rg;
use StakeholderGroup as Sg;

/// Fictional people: demo names, not real speakers.
const PEOPLE: &[(&str, &str, Sg, Rg)] = &[
    (
        "Amina Okafor",
        "Lagos Child Rights Network",
        Sg::CivilSociety,
        Rg::African,
    ),
    (
        "Lars Eriksen",
        "Nordic Safer Internet Centre",
        Sg::CivilSociety,
        Rg::Weog,
    ),
    (
        "Mei Lin Tan",
        "Ministry of Digital Affairs",
        Sg::Government,
        Rg::AsiaPacific,
    ),
    (
        "Carlos Mendoza",
        "Universidad del Pacífico",
        Sg::Academia,
        Rg::Grulac,
    ),
    (
        "Olena Kovalenko",
        "Kyiv Digital Youth Lab",
        Sg::CivilSociety,
        Rg::EasternEuropean,
    ),
    (
        "Fatima Al-Sayed",
        "Regional ICT Regulator",
        Sg::Government,
        Rg::AsiaPacific,
    ),
    (
        "James Whitfield",
        "Streamline Platforms Inc.",
        Sg::PrivateSector,
        Rg::Weog,
    ),
    (
        "Aroha Ngata",
        "Pacific Youth IGF",
        Sg::CivilSociety,
        Rg::AsiaPacific,
    ),
    (
        "Kwame Mensah",
        "West Africa Internet Society",
        Sg::TechnicalCommunity,
        Rg::African,
    ),
    (
        "Sofia Rossi",
        "European Child Safety Observatory",
        Sg::Academia,
        Rg::Weog,
    ),
    (
        "Diego Fernández",
        "Andean Telecom Operators",
        Sg::PrivateSector,
        Rg::Grulac,
    ),
    (
        "Priya Raman",
        "Institute for Online Trust",
        Sg::TechnicalCommunity,
        Rg::AsiaPacific,
    ),
    (
        "Tomasz Nowak",
        "Central European Hotline Alliance",
        Sg::CivilSociety,
        Rg::EasternEuropean,
    ),
    (
        "Grace Mwangi",
        "Nairobi Youth Digital Forum",
        Sg::CivilSociety,
        Rg::African,
    ),
    (
        "Hiroshi Sato",
        "Kanto University",
        Sg::Academia,
        Rg::AsiaPacific,
    ),
    (
        "Isabel Duarte",
        "Ministry of Education",
        Sg::Government,
        Rg::Grulac,
    ),
    (
        "Noah Bergström",
        "Open Standards Foundation",
        Sg::TechnicalCommunity,
        Rg::Weog,
    ),
    (
        "Layla Haddad",
        "Arab Media Literacy Initiative",
        Sg::CivilSociety,
        Rg::AsiaPacific,
    ),
    (
        "Ana Petrović",
        "Balkan Digital Rights",
        Sg::CivilSociety,
        Rg::EasternEuropean,
    ),
    (
        "Samuel Adeyemi",
        "UN Child Protection Programme",
        Sg::Intergovernmental,
        Rg::African,
    ),
    (
        "Chloé Martin",
        "Commission on Digital Childhood",
        Sg::Intergovernmental,
        Rg::Weog,
    ),
    (
        "Valentina Cruz",
        "Latin American Youth Coalition",
        Sg::CivilSociety,
        Rg::Grulac,
    ),
    (
        "Rahul Mehta",
        "SafeApps Alliance",
        Sg::PrivateSector,
        Rg::AsiaPacific,
    ),
    (
        "Ingrid Solberg",
        "Norwegian Media Authority",
        Sg::Government,
        Rg::Weog,
    ),
    (
        "Yusuf Demir",
        "Bosphorus Cyber Lab",
        Sg::TechnicalCommunity,
        Rg::Weog,
    ),
    (
        "Zanele Dlamini",
        "Southern Africa Child Online Network",
        Sg::CivilSociety,
        Rg::African,
    ),
    (
        "Marek Horváth",
        "Danube Institute for Technology Policy",
        Sg::Academia,
        Rg::EasternEuropean,
    ),
    (
        "Lucía Paredes",
        "Caribbean ICT Youth",
        Sg::CivilSociety,
        Rg::Grulac,
    ),
    (
        "Tevita Fifita",
        "Pacific Islands Telecom",
        Sg::PrivateSector,
        Rg::AsiaPacific,
    ),
    (
        "Hannah Weiss",
        "Privacy by Design Network",
        Sg::TechnicalCommunity,
        Rg::Weog,
    ),
];

/// One session of the demo week: day index (0 = Day 0), local start, minutes, room index,
/// type code, number, title, track, format, and how many people take roles.
type Row = (
    usize,
    &'static str,
    u32,
    usize,
    &'static str,
    Option<i64>,
    &'static str,
    &'static str,
    SessionFormat,
);

const TRACK_RIGHTS: &str = "Children's rights in the digital environment";
const TRACK_SAFETY: &str = "Safety by design";
const TRACK_GOV: &str = "Governance and cooperation";
const TRACK_SKILLS: &str = "Digital skills and participation";

use SessionFormat as F;

const SESSIONS: &[Row] = &[
    // Day 0: pre-events.
    (
        0,
        "10:00",
        120,
        1,
        "D0",
        Some(12),
        "Youth pre-event: preparing young delegates for the IGF week",
        TRACK_SKILLS,
        F::BreakoutGroups,
    ),
    (
        0,
        "10:00",
        90,
        3,
        "D0",
        Some(16),
        "Hotline operators' exchange on reporting pathways",
        TRACK_SAFETY,
        F::Roundtable,
    ),
    (
        0,
        "13:30",
        60,
        6,
        "D0",
        Some(21),
        "Introduction to the IGF for first-time child-rights advocates",
        TRACK_GOV,
        F::Presentation,
    ),
    (
        0,
        "14:00",
        90,
        11,
        "D0",
        Some(25),
        "Youth Corner: designing a safer feed, a hands-on lab",
        TRACK_SKILLS,
        F::BreakoutGroups,
    ),
    (
        0,
        "16:00",
        90,
        2,
        "D0",
        Some(30),
        "Regulators' roundtable on age assurance",
        TRACK_SAFETY,
        F::Roundtable,
    ),
    // Day 1.
    (
        1,
        "09:30",
        120,
        0,
        "OC",
        None,
        "Opening ceremony",
        "",
        F::Presentation,
    ),
    (
        1,
        "11:45",
        90,
        0,
        "MS",
        None,
        "Main session: an Internet that respects children's rights",
        TRACK_RIGHTS,
        F::Panel,
    ),
    (
        1,
        "11:45",
        90,
        1,
        "WS",
        Some(101),
        "Age assurance without surveillance: what works",
        TRACK_SAFETY,
        F::Debate,
    ),
    (
        1,
        "11:45",
        60,
        6,
        "OF",
        Some(14),
        "Open forum: national strategies against online child sexual abuse",
        TRACK_GOV,
        F::Panel,
    ),
    (
        1,
        "13:30",
        20,
        8,
        "LT",
        Some(3),
        "Lightning talk: a helpline chatbot built with teenagers",
        TRACK_SKILLS,
        F::Presentation,
    ),
    (
        1,
        "13:30",
        60,
        9,
        "NS",
        Some(7),
        "Networking: child online safety researchers",
        TRACK_RIGHTS,
        F::BirdsOfAFeather,
    ),
    (
        1,
        "14:00",
        90,
        2,
        "WS",
        Some(118),
        "Safety by design in messaging apps",
        TRACK_SAFETY,
        F::Panel,
    ),
    (
        1,
        "14:00",
        90,
        3,
        "DC",
        None,
        "Dynamic Coalition on Child Online Safety: annual session",
        TRACK_RIGHTS,
        F::Roundtable,
    ),
    (
        1,
        "16:00",
        90,
        4,
        "WS",
        Some(133),
        "Digital literacy curricula across regions",
        TRACK_SKILLS,
        F::Roundtable,
    ),
    (
        1,
        "16:00",
        60,
        7,
        "OF",
        Some(22),
        "Open forum: the role of intergovernmental guidelines",
        TRACK_GOV,
        F::Panel,
    ),
    (
        1,
        "16:30",
        60,
        11,
        "TH",
        Some(2),
        "Youth town hall: what young people ask of platforms",
        TRACK_SKILLS,
        F::Fishbowl,
    ),
    // Day 2.
    (
        2,
        "09:00",
        90,
        1,
        "WS",
        Some(145),
        "Cross-border cooperation on harmful content",
        TRACK_GOV,
        F::Panel,
    ),
    (
        2,
        "09:00",
        90,
        5,
        "WS",
        Some(152),
        "Gaming platforms and children's voices",
        TRACK_SAFETY,
        F::Roundtable,
    ),
    (
        2,
        "09:00",
        60,
        10,
        "LA",
        Some(4),
        "Launch: a repository of child online protection legislation",
        TRACK_GOV,
        F::Presentation,
    ),
    (
        2,
        "11:00",
        120,
        0,
        "HL",
        None,
        "High-level session: children's rights in AI governance",
        TRACK_RIGHTS,
        F::Panel,
    ),
    (
        2,
        "11:00",
        90,
        2,
        "BPF",
        None,
        "Best practice forum: cybersecurity and children",
        TRACK_SAFETY,
        F::Roundtable,
    ),
    (
        2,
        "13:30",
        30,
        8,
        "LT",
        Some(9),
        "Lightning talk: reporting buttons children actually use",
        TRACK_SAFETY,
        F::Presentation,
    ),
    (
        2,
        "14:00",
        90,
        3,
        "NRI",
        Some(5),
        "NRIs on youth participation in national IGFs",
        TRACK_SKILLS,
        F::Roundtable,
    ),
    (
        2,
        "14:00",
        90,
        4,
        "WS",
        Some(160),
        "Encryption and child protection: finding common ground",
        TRACK_SAFETY,
        F::Debate,
    ),
    (
        2,
        "16:00",
        60,
        6,
        "OF",
        Some(31),
        "Open forum: ITU child online protection guidelines in practice",
        TRACK_GOV,
        F::Panel,
    ),
    (
        2,
        "16:00",
        90,
        1,
        "WS",
        Some(171),
        "Mental health, design patterns and young users",
        TRACK_RIGHTS,
        F::Panel,
    ),
    // Day 3.
    (
        3,
        "09:00",
        90,
        2,
        "WS",
        Some(188),
        "Codes of conduct for content moderators",
        TRACK_GOV,
        F::Roundtable,
    ),
    (
        3,
        "09:00",
        90,
        4,
        "PN",
        None,
        "Policy network on meaningful access for children",
        TRACK_RIGHTS,
        F::Roundtable,
    ),
    (
        3,
        "11:00",
        90,
        0,
        "MS",
        None,
        "Main session: trust and safety across borders",
        TRACK_GOV,
        F::Panel,
    ),
    (
        3,
        "11:00",
        60,
        7,
        "OF",
        Some(40),
        "Open forum: education ministries on digital citizenship",
        TRACK_SKILLS,
        F::Panel,
    ),
    (
        3,
        "13:30",
        20,
        8,
        "LT",
        Some(15),
        "Lightning talk: what a children's data code changed",
        TRACK_RIGHTS,
        F::Presentation,
    ),
    (
        3,
        "14:00",
        90,
        5,
        "WS",
        Some(204),
        "Appropriate content, contact and conduct: aligning definitions",
        TRACK_RIGHTS,
        F::Debate,
    ),
    (
        3,
        "14:00",
        60,
        9,
        "NS",
        Some(18),
        "Networking: youth delegates and mentors",
        TRACK_SKILLS,
        F::BirdsOfAFeather,
    ),
    (
        3,
        "16:00",
        90,
        3,
        "WS",
        Some(219),
        "Parents, schools and platforms: sharing responsibility",
        TRACK_SKILLS,
        F::Panel,
    ),
    // Day 4.
    (
        4,
        "09:00",
        90,
        1,
        "WS",
        Some(230),
        "Measuring children's online wellbeing",
        TRACK_RIGHTS,
        F::Panel,
    ),
    (
        4,
        "09:00",
        60,
        6,
        "OF",
        Some(47),
        "Open forum: regional hotlines' annual review",
        TRACK_SAFETY,
        F::Panel,
    ),
    (
        4,
        "11:00",
        90,
        0,
        "OM",
        None,
        "Open mic: messages from the floor",
        "",
        F::Other,
    ),
    (
        4,
        "14:00",
        90,
        0,
        "CC",
        None,
        "Closing ceremony",
        "",
        F::Presentation,
    ),
];

const ROLE_PATTERN: &[Role] = &[
    Role::Organizer,
    Role::OnsiteModerator,
    Role::OnlineModerator,
    Role::Rapporteur,
    Role::Speaker,
    Role::Speaker,
];

async fn load_igf_week(db: &Db, coalition_id: i64) -> anyhow::Result<()> {
    let venue = programme::create_venue(
        db,
        &Venue {
            venue_id: 0,
            name: "Nova Spektrum".into(),
            city: "Lillestrøm".into(),
            country: "Norway".into(),
        },
    )
    .await
    .map_err(api)?;
    let mut rooms = Vec::new();
    for (name, capacity, layout) in ROOMS {
        let room = programme::create_room(
            db,
            &RoomInput {
                venue_id: venue.venue_id,
                name: (*name).into(),
                capacity: *capacity,
                layout: *layout,
            },
        )
        .await
        .map_err(api)?;
        rooms.push(room.room_id);
    }
    let mut types = std::collections::HashMap::new();
    for (code, name, label, numbered, durations, webcast, captions, interpretation) in SESSION_TYPES
    {
        let t = programme::create_session_type(
            db,
            &SessionTypeInput {
                code: (*code).into(),
                name: (*name).into(),
                label: (*label).into(),
                numbered: *numbered,
                allowed_durations: durations.to_vec(),
                webcast: *webcast,
                captions: *captions,
                interpretation: *interpretation,
            },
        )
        .await
        .map_err(api)?;
        types.insert(*code, t.session_type_id);
    }
    let mut people = Vec::new();
    for (name, organization, sg, rg) in PEOPLE {
        let p = programme::create_person(
            db,
            &PersonInput {
                name: (*name).into(),
                organization: (*organization).into(),
                stakeholder_group: Some(*sg),
                regional_group: Some(*rg),
            },
        )
        .await
        .map_err(api)?;
        people.push(p.person_id);
    }
    let tz: Tz = chrono_tz::Europe::Oslo;
    let event = programme::create_event(
        db,
        &EventInput {
            slug: "igf-2025".into(),
            name: "Internet Governance Forum 2025".into(),
            kind: EventKind::AnnualMeeting,
            time_zone: tz.name().into(),
            starts_on: NaiveDate::from_ymd_opt(2025, 6, 23).expect("valid date"),
            ends_on: NaiveDate::from_ymd_opt(2025, 6, 27).expect("valid date"),
            venue_id: Some(venue.venue_id),
            coalition_id: Some(coalition_id),
            description: "The annual IGF week: Day 0 pre-events, then four days of sessions. \
                          Demo programme built around the coalition's work on child online safety."
                .into(),
            report_due_hours: programme::DEFAULT_REPORT_DUE_HOURS,
        },
    )
    .await
    .map_err(api)?;

    // People are handed out in turn, skipping anyone already busy at that time, so the demo
    // holds no blocking conflicts and each person takes part in a few sessions.
    let mut booked: Vec<(chrono::DateTime<Utc>, chrono::DateTime<Utc>, Vec<i64>)> = Vec::new();
    let mut next_person = 0usize;
    for (i, (day, start, minutes, room, code, number, title, track, format)) in
        SESSIONS.iter().enumerate()
    {
        let date = event.starts_on + chrono::Days::new(*day as u64);
        let time = NaiveTime::parse_from_str(start, "%H:%M").context("demo start time")?;
        let starts_at = tz
            .from_local_datetime(&date.and_time(time))
            .single()
            .context("demo start exists in the host zone")?
            .with_timezone(&Utc);
        let ends_at = starts_at + chrono::Duration::minutes(i64::from(*minutes));
        let busy: Vec<i64> = booked
            .iter()
            .filter(|(s, e, _)| *s < ends_at && starts_at < *e)
            .flat_map(|(_, _, p)| p.iter().copied())
            .collect();
        let wanted = if *code == "LT" { 2 } else { ROLE_PATTERN.len() };
        let mut chosen = Vec::new();
        for _ in 0..people.len() {
            if chosen.len() == wanted {
                break;
            }
            let candidate = people[next_person % people.len()];
            next_person += 1;
            if !busy.contains(&candidate) && !chosen.contains(&candidate) {
                chosen.push(candidate);
            }
        }
        let roles = chosen
            .iter()
            .zip(if *code == "LT" {
                &[Role::Organizer, Role::Speaker][..]
            } else {
                ROLE_PATTERN
            })
            .map(|(&person_id, &role)| RoleInput { person_id, role })
            .collect();
        booked.push((starts_at, ends_at, chosen.clone()));
        let input = SessionInput {
            session_type_id: types[code],
            number: *number,
            title: (*title).into(),
            description: describe(title, track),
            policy_questions: policy_questions(i, track),
            track: (*track).into(),
            format: *format,
            room_id: Some(rooms[*room]),
            starts_at,
            ends_at,
            status: SessionStatus::Scheduled,
            online_join_url: format!(
                "https://meet.example.org/igf2025/{}",
                code.to_lowercase() + &number.map(|n| n.to_string()).unwrap_or_default()
            ),
            roles,
            override_reason: None,
        };
        programme::save_session(db, &event, None, &input, 0)
            .await
            .map_err(api)
            .with_context(|| format!("demo session {title:?}"))?;
    }
    Ok(())
}

fn describe(title: &str, track: &str) -> String {
    if track.is_empty() {
        format!("{title}. Open to all participants, on-site and online.")
    } else {
        format!(
            "{title}. Part of the \"{track}\" track. Speakers from several stakeholder groups and regions \
             discuss experiences and proposals; participants on-site and online can ask questions."
        )
    }
}

fn policy_questions(i: usize, track: &str) -> Vec<String> {
    let questions: &[&str] = match track {
        TRACK_RIGHTS => &[
            "How can the rights in UNCRC General Comment No. 25 be made real in product decisions?",
            "Who should be accountable when children's rights are not respected online?",
        ],
        TRACK_SAFETY => &[
            "Which safety-by-design measures have measurably reduced harm to children?",
            "How can age assurance protect children without excluding or profiling them?",
        ],
        TRACK_GOV => &[
            "How can governments, industry and civil society cooperate across borders on child protection?",
            "What should a shared understanding of inappropriate content, contact and conduct include?",
        ],
        TRACK_SKILLS => &[
            "How can children and young people take part in the decisions that shape their online lives?",
            "What digital skills do children, parents and teachers need most?",
        ],
        _ => &[],
    };
    questions
        .iter()
        .take(1 + i % 2)
        .map(|q| (*q).to_string())
        .collect()
}

async fn load_meeting_series(db: &Db, coalition_id: i64) -> anyhow::Result<()> {
    let t = now();
    let monthly: i64 = sqlx::query_scalar(
        "insert into meeting_series (slug, coalition_id, title, description, time_zone, first_start_local, duration_minutes, rrule, online_join_url, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning series_id",
    )
    .bind("dc-cos-monthly-call")
    .bind(coalition_id)
    .bind("DC-COS monthly coordination call")
    .bind("The coalition's inter-sessional call: progress on the action plan, preparation of IGF sessions, members' news. Times in UTC.")
    .bind("UTC")
    .bind("2026-01-06T14:00:00")
    .bind(60_i64)
    .bind("FREQ=MONTHLY;BYDAY=1TU")
    .bind("https://meet.example.org/dc-cos/monthly")
    .bind(t)
    .fetch_one(&db.pool)
    .await?;
    // August is the summer break; December's call moves to Thursday after a members' request.
    let aug = Utc
        .with_ymd_and_hms(2026, 8, 4, 14, 0, 0)
        .single()
        .context("valid instant")?;
    let dec = Utc
        .with_ymd_and_hms(2026, 12, 1, 14, 0, 0)
        .single()
        .context("valid instant")?;
    let dec_moved = Utc
        .with_ymd_and_hms(2026, 12, 3, 15, 0, 0)
        .single()
        .context("valid instant")?;
    sqlx::query("insert into series_exception (series_id, original_start, kind, note) values ($1, $2, 'cancelled', $3)")
        .bind(monthly)
        .bind(aug.timestamp())
        .bind("Summer break")
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "insert into series_exception (series_id, original_start, kind, starts_at, ends_at, note) values ($1, $2, 'moved', $3, $4, $5)",
    )
    .bind(monthly)
    .bind(dec.timestamp())
    .bind(dec_moved.timestamp())
    .bind(dec_moved.timestamp() + 3600)
    .bind("Moved to Thursday at members' request")
    .execute(&db.pool)
    .await?;
    sqlx::query(
        "insert into meeting_series (slug, coalition_id, title, description, time_zone, first_start_local, duration_minutes, rrule, online_join_url, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind("youth-advisory-call")
    .bind(coalition_id)
    .bind("Youth advisory group call")
    .bind("Young members prepare their contributions to sessions. Every third Wednesday, Geneva time (Europe/Zurich).")
    .bind("Europe/Zurich")
    .bind("2026-01-21T16:00:00")
    .bind(60_i64)
    .bind("FREQ=MONTHLY;BYDAY=3WE")
    .bind("")
    .bind(t)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_action_plan_parses_into_its_parts() {
        let plan = parse_action_plan(ACTION_PLAN).unwrap();
        assert!(
            plan.aim
                .starts_with("Organizations working with and for children")
        );
        assert_eq!(plan.objectives.len(), 8);
        assert!(plan.objectives[0].starts_with("To ensure a safer"));
        assert_eq!(plan.action_items.len(), 10);
        assert!(plan.action_items[0].starts_with("Coordinate NGO"));
        assert!(
            plan.action_items[6].starts_with("Ensure that the voice"),
            "{}",
            plan.action_items[6]
        );
    }

    #[test]
    fn the_demo_week_has_thirty_sessions_in_twelve_rooms() {
        assert!(SESSIONS.len() >= 30);
        assert_eq!(ROOMS.len(), 12);
        assert!(SESSIONS.iter().all(|s| s.0 <= 4 && s.3 < ROOMS.len()));
    }
}
