//! Layered configuration: the built-in `config/default.toml`, an optional `--config` file, then
//! `PLENARY__SECTION__KEY` environment variables. Invalid values fail at start, naming the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The defaults, compiled in so the binary runs from any working directory.
const DEFAULTS: &str = include_str!("../../config/default.toml");

/// Everything Plenary can be configured with. Mirrors `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub demo: DemoSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
    pub live: LiveSettings,
    pub limits: LimitSettings,
    pub safeguarding: SafeguardingSettings,
    pub retention: RetentionSettings,
}

/// Retention periods in days. See `config/default.toml` and `docs/DPIA.md`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    pub live_days: i64,
    pub participant_days: i64,
    pub report_days: i64,
    pub audit_days: i64,
    pub interval_minutes: u64,
}

/// Safeguarding defaults. See `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeguardingSettings {
    pub risk_words: Vec<String>,
}

/// Per-address rate limits. See `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub joins_per_minute_per_address: u32,
    pub join_code_lookups_per_minute_per_address: u32,
    pub logins_per_minute_per_address: u32,
    pub questions_per_minute_per_address: u32,
    pub reports_per_minute_per_address: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    pub shutdown_grace_seconds: u64,
    /// Set `SO_REUSEPORT` on the listener, so several Plenary processes can listen on one port
    /// and the kernel spreads connections among them (PostgreSQL only: they share live
    /// sessions through the bus).
    pub reuse_port: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub data_dir: PathBuf,
    pub max_connections: u32,
}

/// Live Q&A: websocket limits, rate limits, coalescing. See `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSettings {
    pub allowed_origins: Vec<String>,
    pub question_max_chars: usize,
    pub reply_max_chars: usize,
    pub questions_per_minute: u32,
    pub votes_per_second: u32,
    pub max_message_bytes: usize,
    pub queue_capacity: usize,
    pub replay_limit: i64,
    pub ping_seconds: u64,
    pub tally_interval_ms: u64,
    /// Tally frames one session may send per second, counted per socket: a larger audience gets
    /// its tallies less often (up to once a second).
    pub tally_frames_per_second: u64,
    /// Presence-count frames one session may send per second, counted per socket: a larger
    /// audience hears the count less often (from every second up to every 10 seconds).
    pub presence_frames_per_second: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    pub load_on_first_start: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub session_hours: u32,
    pub invitation_hours: u32,
}

/// A configuration problem, always naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads defaults, then `file` if given, then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, std::env::vars())
    }

    /// Like [`Settings::load`] with an explicit environment, so tests need not touch the process's.
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "--config: file {} does not exist",
                    path.display()
                )));
            }
            builder = builder.add_source(config::File::from(path).required(true));
        }
        let env: config::Map<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("PLENARY__"))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("PLENARY")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env)),
        );
        let settings: Settings = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| ConfigError(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.bind_addr()?;
        let url = &self.server.public_url;
        if !url.is_empty()
            && (!(url.starts_with("http://") || url.starts_with("https://")) || url.ends_with('/'))
        {
            return Err(ConfigError(format!(
                "server.public_url: {url:?} must start with http:// or https:// and have no trailing slash"
            )));
        }
        let db = &self.database.url;
        let known_scheme = db.is_empty()
            || db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://");
        if !known_scheme {
            return Err(ConfigError(format!(
                "database.url: {db:?} must start with sqlite:, postgres:// or postgresql://"
            )));
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError(
                "database.max_connections: must be at least 1".into(),
            ));
        }
        if self.auth.session_hours == 0 || self.auth.invitation_hours == 0 {
            return Err(ConfigError(
                "auth.session_hours and auth.invitation_hours: must be at least 1".into(),
            ));
        }
        let r = &self.retention;
        if r.live_days < 0 || r.participant_days < 0 || r.report_days < 0 || r.audit_days < 0 {
            return Err(ConfigError(
                "retention: periods must be 0 days or more".into(),
            ));
        }
        if r.interval_minutes == 0 {
            return Err(ConfigError(
                "retention.interval_minutes: must be at least 1".into(),
            ));
        }
        let live = &self.live;
        for origin in &live.allowed_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.ends_with('/')
            {
                return Err(ConfigError(format!(
                    "live.allowed_origins: {origin:?} must be scheme://host[:port] with no trailing slash"
                )));
            }
        }
        let positive = [
            ("live.question_max_chars", live.question_max_chars as u64),
            ("live.reply_max_chars", live.reply_max_chars as u64),
            (
                "live.questions_per_minute",
                live.questions_per_minute as u64,
            ),
            ("live.votes_per_second", live.votes_per_second as u64),
            ("live.queue_capacity", live.queue_capacity as u64),
            ("live.ping_seconds", live.ping_seconds),
            ("live.tally_interval_ms", live.tally_interval_ms),
            ("live.tally_frames_per_second", live.tally_frames_per_second),
            (
                "live.presence_frames_per_second",
                live.presence_frames_per_second,
            ),
            (
                "limits.joins_per_minute_per_address",
                self.limits.joins_per_minute_per_address as u64,
            ),
            (
                "limits.join_code_lookups_per_minute_per_address",
                self.limits.join_code_lookups_per_minute_per_address as u64,
            ),
            (
                "limits.logins_per_minute_per_address",
                self.limits.logins_per_minute_per_address as u64,
            ),
            (
                "limits.questions_per_minute_per_address",
                self.limits.questions_per_minute_per_address as u64,
            ),
            (
                "limits.reports_per_minute_per_address",
                self.limits.reports_per_minute_per_address as u64,
            ),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(ConfigError(format!("{key}: must be at least 1")));
            }
        }
        if live.max_message_bytes < 512 {
            return Err(ConfigError(
                "live.max_message_bytes: must be at least 512".into(),
            ));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map_err(|e| ConfigError(format!("log.level: {e}")))?;
        Ok(())
    }

    /// The socket address from `server.bind`.
    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.bind.parse().map_err(|_| {
            ConfigError(format!(
                "server.bind: {:?} is not an address:port such as 127.0.0.1:8080",
                self.server.bind
            ))
        })
    }

    /// The database URL, defaulting to the embedded SQLite file in `data_dir`.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            let file = self.database.data_dir.join("plenary.sqlite3");
            format!("sqlite://{}", file.display())
        } else {
            self.database.url.clone()
        }
    }

    /// The public base URL, defaulting to `http://` + the bound address.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{bound}")
        } else {
            self.server.public_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_defaults_load_and_serve_on_localhost_8080() {
        let s = Settings::load_with_env(None, env(&[])).unwrap();
        assert_eq!(s.bind_addr().unwrap().to_string(), "127.0.0.1:8080");
        assert!(s.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn an_environment_variable_overrides_a_nested_key() {
        let s = Settings::load_with_env(None, env(&[("PLENARY__SERVER__BIND", "127.0.0.1:9999")]))
            .unwrap();
        assert_eq!(s.bind_addr().unwrap().port(), 9999);
    }

    #[test]
    fn an_invalid_value_names_its_key() {
        let err = Settings::load_with_env(None, env(&[("PLENARY__SERVER__BIND", "nowhere")]))
            .unwrap_err();
        assert!(err.to_string().contains("server.bind"), "{err}");
        let err =
            Settings::load_with_env(None, env(&[("PLENARY__LOG__FORMAT", "xml")])).unwrap_err();
        assert!(err.to_string().contains("format"), "{err}");
        let err =
            Settings::load_with_env(None, env(&[("PLENARY__DATABASE__MAX_CONNECTIONS", "many")]))
                .unwrap_err();
        assert!(err.to_string().contains("max_connections"), "{err}");
    }

    #[test]
    fn a_config_file_layers_over_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.toml");
        std::fs::write(&path, "[server]\nbind = \"127.0.0.1:7000\"\n").unwrap();
        let s = Settings::load_with_env(Some(&path), env(&[])).unwrap();
        assert_eq!(s.bind_addr().unwrap().port(), 7000);
        assert_eq!(s.log.format, LogFormat::Pretty);
    }

    #[test]
    fn reuse_port_is_off_unless_asked_for() {
        let s = Settings::load_with_env(None, env(&[])).unwrap();
        assert!(!s.server.reuse_port);
        let s =
            Settings::load_with_env(None, env(&[("PLENARY__SERVER__REUSE_PORT", "true")])).unwrap();
        assert!(s.server.reuse_port);
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err = Settings::load_with_env(Some(Path::new("/no/such.toml")), env(&[])).unwrap_err();
        assert!(err.to_string().contains("--config"), "{err}");
    }
}
