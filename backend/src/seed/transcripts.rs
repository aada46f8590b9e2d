//! Demo transcripts: the coalition's annual session, imported from a page in the IGF's raw
//! transcript format (written for the demo: the people and what they say are invented),
//! with one young participant's name redacted, and published, so the archive has a record to
//! show and search.

use anyhow::Context;

use crate::archive::transcripts::{self, import};
use crate::store::{Db, now};

/// The session the transcript belongs to (from the demo programme).
const SESSION_TITLE: &str = "Dynamic Coalition on Child Online Safety: annual session";

/// Adds this part of the demo.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let session_id: i64 = sqlx::query_scalar("select session_id from session where title = $1")
        .bind(SESSION_TITLE)
        .fetch_one(&db.pool)
        .await
        .context("the annual session is in the demo programme")?;
    let parsed = import::parse(import::Format::IgfHtml, PAGE.as_bytes())
        .map_err(|e| anyhow::anyhow!("the demo transcript page: {e}"))?;
    let transcript_id = transcripts::store_import(
        db,
        session_id,
        import::Format::IgfHtml,
        "en",
        false,
        &parsed,
    )
    .await
    .map_err(|e| anyhow::anyhow!("storing the demo transcript: {e}"))?;
    // A youth participant named on the floor: the rapporteur hid the name before publishing.
    let (segment_id, text): (i64, String) = sqlx::query_as(
        "select segment_id, text from transcript_segment where transcript_id = $1 and text like $2 \
         order by position limit 1",
    )
    .bind(transcript_id)
    .bind("%Noor%")
    .fetch_one(&db.pool)
    .await
    .context("the demo transcript names the young participant once")?;
    let Some(&(start, end)) = transcripts::find_spans(&text, "Noor").first() else {
        anyhow::bail!("the young participant's name is in segment {segment_id}");
    };
    let at = now();
    sqlx::query(
        "insert into transcript_redaction (segment_id, start_char, end_char, reason, created_at) \
         values ($1, $2, $3, 'young_participant', $4)",
    )
    .bind(segment_id)
    .bind(start as i64)
    .bind(end as i64)
    .bind(at)
    .execute(&db.pool)
    .await?;
    sqlx::query(
        "update transcript set status = 'published', published_at = $1, updated_at = $1 where transcript_id = $2",
    )
    .bind(at)
    .bind(transcript_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The session's raw transcript page, in the shape the IGF publishes them.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>IGF 2025 Day 2 DC Child Online Safety &ndash; RAW | Internet Governance Forum</title>
<script>window.dataLayer = window.dataLayer || []; if (a < b && b > c) { x = "<p>>> NOT: a turn</p>"; }</script>
<style>p > span { color: #333; }</style>
</head>
<body>
<header><nav><a href="/">Home</a> &gt;&gt; <a href="/transcripts">Transcripts</a> &gt;&gt; Day 2</nav></header>
<main>
<article class="node node-transcript">
<h1>IGF 2025 &ndash; Day 2 &ndash; DC Session &ndash; Dynamic Coalition on Child Online Safety: annual session &ndash; RAW</h1>
<div class="field-item">
<p>The following are the outputs of the real-time captioning taken during the Internet Governance Forum (IGF). Although it is largely accurate, in some cases it may be incomplete or inaccurate due to inaudible passages or transcription errors. It is posted as an aid to understanding the proceedings at the event, but should not be treated as an authoritative record.</p>
<p>***</p>
<p>&nbsp;</p>
<p>(Music)</p>
<p>&gt;&gt; MODERATOR:&nbsp; Good morning, everyone, and welcome to the annual session of the Dynamic Coalition on Child Online Safety. We have people in the room, online, and at three remote hubs, so please bear with us while the hubs connect.</p>
<p>&gt;&gt; MODERATOR:&nbsp; We have a full agenda. We will report on our action plan, then take each of the four action items we agreed last year: age&#8209;appropriate design, reporting mechanisms, the ITU guidelines, and youth participation. Then we open the floor.</p>
<p>&gt;&gt; JOHN CARR: Thank you. I will be brief on the plan itself. Last year we said the coalition would stop only talking and start tracking. Every action item now has an owner, a due date and a status, and you can follow them on the coalition&#39;s action plan page.</p>
<p>&gt;&gt; JOHN CARR: Two items moved well. Two did not. I would rather we were honest about that in the room than polite in the report.</p>
<p>(Applause)</p>
<p>&gt;&gt; MODERATOR: Let us start with age&#8209;appropriate design. Sonia, you led that work.</p>
<p>&gt;&gt; SONIA LIVINGSTONE: Thank you. The question we set ourselves was simple: what does it mean for a service to be designed with children in mind by default, rather than adjusted for them later?<br>
We compared the design codes now in force or in consultation in several countries, and we found the same fifteen or so standards coming back: best interests of the child, data minimisation, high&#8209;privacy defaults, no nudging, and geolocation off by default.</p>
<p>&gt;&gt; SONIA LIVINGSTONE: What we did not find is agreement on how to show that a service meets them. So our proposal is a short common checklist that companies, regulators and civil society can all use, with evidence for each point rather than a tick box.</p>
<p>&gt;&gt; MODERATOR: Thank you. Are there reactions to the checklist idea from industry?</p>
<p>&gt;&gt; MARIA GARCIA: Yes. Speaking for a mid&#8209;size platform: a single checklist would help us enormously. Today we answer five different questionnaires that ask the same thing in different words. But please keep it short, and please let us say &quot;not applicable&quot; with a reason.</p>
<p>&gt;&gt; SONIA LIVINGSTONE: That is fair, and it is in the draft.</p>
<p>&gt;&gt; MODERATOR: Then the second item, reporting mechanisms.</p>
<p>&gt;&gt; AMINA OSEI: Thank you. We asked young people in four regions where they go when something online goes wrong. Most said: nowhere. They do not know the button exists, or they pressed it once and never heard back.</p>
<p>&gt;&gt; AMINA OSEI: So our recommendation is not one more reporting tool. It is three commitments: the report button is where children look for it; a child who reports is told what happened, in words a child understands; and reports about grooming reach a person within hours, not days.</p>
<p>&gt;&gt; AMINA OSEI: And the national hotlines must be part of the chain. A report of abuse material should never stop inside a company.</p>
<p>(Applause)</p>
<p>&gt;&gt; MODERATOR: We have a question from the Accra hub on exactly this.</p>
<p>&gt;&gt; REMOTE HUB COORDINATOR: Thank you. The students here ask: when a platform replies to a report, can the reply also reach the teacher or parent the child chooses, and not only the child?</p>
<p>&gt;&gt; AMINA OSEI: Yes, if the child chooses. The point is the child decides who is told. We will add that to the text.</p>
<p>&gt;&gt; MODERATOR: Third item, the ITU guidelines.</p>
<p>&gt;&gt; CARLOS MENDES: Thank you. The ITU Guidelines on Child Online Protection were updated in 2020, with separate guidance for children, parents and educators, industry, and policy makers. Our action item was to keep them circulated and to feed back what is missing.</p>
<p>&gt;&gt; CARLOS MENDES: We ran translation sprints with volunteers, so the guidance for children now exists in four more languages. What we heard back is that the guidelines are strong on principles and thin on what a small company with ten engineers should do on Monday morning.</p>
<p>&gt;&gt; CARLOS MENDES: So we propose to collect practical examples from coalition members, mapped to each section of the industry guidelines, and to send that collection to the ITU as our contribution to the next review.</p>
<p>&gt;&gt; MODERATOR: Thank you, Carlos. Is anyone from the ITU online?</p>
<p>&gt;&gt; SPEAKER: Yes, good morning. We welcome that very much. The examples would be most useful if they come with the context: the size of the company and the country. We will share a template with the coalition.</p>
<p>&gt;&gt; MODERATOR: Wonderful. And the fourth item, youth participation, which I know is close to many hearts in this room.</p>
<p>&gt;&gt; LEILA HADDAD: Thank you. Last year we promised that young people would not only be consulted but would help set the agenda. This session was planned with the youth advisory group, and two of the four action items were proposed by them.</p>
<p>&gt;&gt; LEILA HADDAD: We also learned what makes participation safe. Young people join with a first name or a nickname, never a full name. Questions go through moderation. And the transcript is checked before it is published, so nobody under eighteen is named in the record.</p>
<p>&gt;&gt; LEILA HADDAD: As Noor from the youth hub put it in our preparatory call, we want to be in the room where it is decided, not only in the photo afterwards.</p>
<p>(Applause)</p>
<p>&gt;&gt; MODERATOR: Let us open the floor. We have the microphone in the room and the queue online. Please say your name and where you are from.</p>
<p>&gt;&gt; PARTICIPANT: Thank you. My name is Tomas, I work for a regulator in Latin America. On the checklist: would the coalition consider aligning it with the general comment on children&#39;s rights in the digital environment, so that regulators can use it directly?</p>
<p>&gt;&gt; SONIA LIVINGSTONE: Absolutely. General Comment 25 is the backbone of the checklist. Each item will cite the paragraph it comes from.</p>
<p>&gt;&gt; PARTICIPANT: Hello, I am from a technical community organization. On reporting: we should not forget that children also report each other, and bullying reports are by far the most common. Can the reply commitment cover those too?</p>
<p>&gt;&gt; AMINA OSEI: Yes. The commitment is for every report a child makes. Grooming and abuse material get the fastest path; everything gets an answer.</p>
<p>&gt;&gt; MODERATOR: One more from online. The question is: how will we know next year whether any of this worked?</p>
<p>&gt;&gt; JOHN CARR: That is the right question. Each action item on the plan now has a measure. For reporting, it is how many of the platforms in the coalition have made the three commitments public. For the guidelines, it is the number of examples sent. We will report those numbers here next year, good or bad.</p>
<p>&gt;&gt; MODERATOR: Before we close, the rapporteur will read the key takeaways.</p>
<p>&gt;&gt; RAPPORTEUR: Thank you. Three takeaways. One: the coalition will publish a short age&#8209;appropriate design checklist, grounded in General Comment 25, with evidence for each item. Two: reporting mechanisms must be easy to find, must answer the child who reports, and must reach people and hotlines fast. Three: practical examples mapped to the ITU industry guidelines will be collected and sent to the ITU for its next review.</p>
<p>&gt;&gt; RAPPORTEUR: And one call to action: every member organisation should involve young people in setting its own agenda for next year, safely, as this session tried to do.</p>
<p>&gt;&gt; MODERATOR: Thank you all, in the room, online and in the hubs. The session is closed.</p>
<p>(Applause)</p>
<p>(Session concluded)</p>
</div>
</article>
</main>
<footer><p>Internet Governance Forum &copy; 2025. Contact: <a href="mailto:igf@example.org">igf@example.org</a></p></footer>
</body>
</html>
"#;
