//! The programme's vocabulary, named the way the IGF names it: event kinds, room layouts, session
//! formats and statuses, roles, stakeholder and UN regional groups.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares a closed set of snake_case names stored as text, with parsing that names the
/// accepted values when it fails.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a stored or wire name; the error lists what is accepted.
            pub fn parse(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What kind of gathering an event is.
    EventKind {
        AnnualMeeting => "annual_meeting",
        IntersessionalMeeting => "intersessional_meeting",
        OpenConsultation => "open_consultation",
        Webinar => "webinar",
    }
);

text_enum!(
    /// How a room's seats are arranged.
    RoomLayout {
        Theatre => "theatre",
        UShape => "u_shape",
        Roundtable => "roundtable",
        Classroom => "classroom",
        Boardroom => "boardroom",
        Online => "online",
    }
);

text_enum!(
    /// How a session is run.
    SessionFormat {
        Panel => "panel",
        Roundtable => "roundtable",
        Debate => "debate",
        BreakoutGroups => "breakout_groups",
        Presentation => "presentation",
        Fishbowl => "fishbowl",
        BirdsOfAFeather => "birds_of_a_feather",
        Other => "other",
    }
);

text_enum!(
    /// Where a session is in its life.
    SessionStatus {
        Draft => "draft",
        Scheduled => "scheduled",
        Live => "live",
        Ended => "ended",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// The named roles of a session.
    Role {
        Organizer => "organizer",
        OnsiteModerator => "onsite_moderator",
        OnlineModerator => "online_moderator",
        Rapporteur => "rapporteur",
        Speaker => "speaker",
    }
);

text_enum!(
    /// Stakeholder groups, as the IGF tags speakers.
    StakeholderGroup {
        Government => "government",
        CivilSociety => "civil_society",
        PrivateSector => "private_sector",
        TechnicalCommunity => "technical_community",
        Academia => "academia",
        Intergovernmental => "intergovernmental",
    }
);

text_enum!(
    /// The UN regional groups.
    RegionalGroup {
        African => "african",
        AsiaPacific => "asia_pacific",
        EasternEuropean => "eastern_european",
        Grulac => "grulac",
        Weog => "weog",
    }
);

text_enum!(
    /// What a staff account may do.
    StaffRole {
        Organizer => "organizer",
        Moderator => "moderator",
    }
);

/// A session's public label: "WS #403", "Open Forum #86", or the bare label for unnumbered types.
pub fn session_label(type_label: &str, number: Option<i64>) -> String {
    match number {
        Some(n) => format!("{type_label} #{n}"),
        None => type_label.to_string(),
    }
}

/// Parses a type's allowed durations ("30,60,90") into minutes.
pub fn parse_durations(text: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let minutes: u32 = part
            .parse()
            .map_err(|_| format!("{part:?} is not a whole number of minutes"))?;
        if minutes == 0 || minutes > 24 * 60 {
            return Err(format!("{minutes} minutes is outside 1..=1440"));
        }
        out.push(minutes);
    }
    if out.is_empty() {
        return Err("at least one duration is needed".into());
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_the_way_the_igf_writes_them() {
        assert_eq!(session_label("WS", Some(403)), "WS #403");
        assert_eq!(session_label("Open Forum", Some(86)), "Open Forum #86");
        assert_eq!(session_label("DC Session", None), "DC Session");
    }

    #[test]
    fn an_unknown_name_lists_the_accepted_ones() {
        let err = Role::parse("chair").unwrap_err();
        assert!(err.contains("onsite_moderator"), "{err}");
        assert_eq!(Role::parse("rapporteur"), Ok(Role::Rapporteur));
    }

    #[test]
    fn durations_parse_sorted_and_reject_nonsense() {
        assert_eq!(parse_durations("90, 30,60").unwrap(), vec![30, 60, 90]);
        assert!(parse_durations("").is_err());
        assert!(parse_durations("0").is_err());
        assert!(parse_durations("half an hour").is_err());
    }
}

text_enum!(
    /// A participant's age band (never a date of birth), following the UK Age Appropriate
    /// Design Code's developmental stages.
    AgeBand {
        Under13 => "under_13",
        From13To15 => "13_15",
        From16To17 => "16_17",
        Adult => "18_plus",
    }
);

text_enum!(
    /// Where a participant takes part from.
    Attendance {
        Onsite => "onsite",
        Online => "online",
        RemoteHub => "remote_hub",
    }
);

text_enum!(
    /// Which moderator a staff account is for a session.
    ModeratorRole {
        OnsiteModerator => "onsite_moderator",
        OnlineModerator => "online_moderator",
    }
);
