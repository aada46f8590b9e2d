//! The command line: `plenary` serves; `plenary create-organizer` makes the first account.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use tokio::net::{TcpListener, TcpStream};

use crate::config::Settings;
use crate::domain::schedule::StaffRole;
use crate::http::{AppState, app};
use crate::store::Db;

/// Plenary: schedules, live Q&A and archives for multistakeholder policy work.
#[derive(Debug, Parser)]
#[command(name = "plenary", version)]
pub struct Cli {
    /// A TOML file layered over the built-in defaults (see config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the platform (the default).
    Serve,
    /// Create an organizer account (the first one; later ones are invited from the pages).
    CreateOrganizer {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read from the PLENARY_PASSWORD environment variable if not given.
        #[arg(long, env = "PLENARY_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Apply database migrations and exit.
    Migrate,
}

/// Parses the command line and runs it; errors are printed once, with their causes.
pub fn main() -> ExitCode {
    main_with(None)
}

/// [`main`], with the platform's way of giving freed heap memory back to the operating system,
/// which the server calls after each wave of connections (`memory.rs`).
pub fn main_with(release_memory: Option<fn()>) -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("plenary: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("plenary: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    if let (Command::Serve, Some(release)) = (&command, release_memory) {
        let _runtime = runtime.enter();
        crate::memory::spawn_release_after_churn(release);
    }
    match runtime.block_on(run(command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plenary: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url(), settings.database.max_connections).await?;
    match command {
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::CreateOrganizer {
            email,
            name,
            password,
        } => {
            let staff =
                crate::auth::create_staff(&db, &email, &name, StaffRole::Organizer, &password)
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!("{}", serde_json::to_string(&e.body()).unwrap_or_default())
                    })?;
            println!("organizer {} created (id {})", staff.email, staff.staff_id);
            Ok(())
        }
        Command::Serve => serve(settings, db).await,
    }
}

/// A server bound to a port, ready to run.
pub struct Server {
    pub listener: TcpListener,
    pub state: AppState,
}

impl Server {
    /// Prepares a server: seeds demo data if configured, binds the listener (backlog 4096).
    pub async fn build(settings: Settings, db: Db) -> anyhow::Result<Self> {
        if settings.demo.load_on_first_start {
            crate::seed::load_if_empty(&db)
                .await
                .context("loading demo data")?;
        }
        // The search index is derived from the record: rebuilding it at start-up picks up a
        // new index version and anything written while search was not told.
        crate::archive::search::rebuild(&db)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("building the search index")?;
        let addr = settings.bind_addr()?;
        let listener = listen(addr, settings.server.reuse_port).with_context(|| {
            format!(
                "binding {addr} (server.bind, server.reuse_port = {})",
                settings.server.reuse_port
            )
        })?;
        let bound = listener.local_addr()?;
        let public_url: Arc<str> = settings.public_url(bound).into();
        let live = Arc::new(crate::live::Live::new(
            db.clone(),
            settings.live.clone(),
            &settings.safeguarding,
        ));
        crate::retention::spawn(db.clone(), settings.retention.clone());
        let limits = Arc::new(crate::http::ratelimit::RateLimits::new(&settings.limits));
        crate::http::ratelimit::RateLimits::spawn_janitor(&limits);
        let state = AppState {
            db,
            settings: Arc::new(settings),
            public_url,
            live,
            limits,
        };
        Ok(Server { listener, state })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish within the grace period.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let grace = Duration::from_secs(self.state.settings.server.shutdown_grace_seconds);
        let router = app(self.state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let live = self.state.live.clone();
        let serving = axum::serve(
            self.listener.tap_io(limit_unsent),
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Upgraded websockets are not part of graceful shutdown: tell them to close (1001
            // with a resume point) so clients reconnect and resume.
            live.begin_shutdown();
            let _ = tx.send(());
        });
        let mut serving = std::pin::pin!(serving.into_future());
        let grace_over = async {
            let _ = rx.await;
            tokio::time::sleep(grace).await;
        };
        let mut grace_over = std::pin::pin!(grace_over);
        let over = || {
            tracing::warn!(
                grace_seconds = grace.as_secs(),
                "shutdown grace period over; stopping"
            )
        };
        tokio::select! {
            result = &mut serving => {
                result.context("serving")?;
                // Upgraded websockets are not the HTTP server's: it is done as soon as the
                // other connections are. Returning now would drop the sockets before most of
                // them had sent their close, so wait for them within the same grace period.
                let sockets = self.state.live.clone();
                tokio::select! {
                    _ = sockets.sockets_closed() => {}
                    _ = &mut grace_over => over(),
                }
            }
            _ = &mut grace_over => over(),
        }
        // When the select picked the server first, it already finished; either way we are done.
        self.state.db.pool.close().await;
        Ok(())
    }
}

/// Unsent bytes the kernel keeps for one connection before a write waits (`TCP_NOTSENT_LOWAT`).
/// Without it the send queue of a reader that stopped reading grows to `tcp_wmem`'s maximum
/// (4 MiB here) per socket; with it, what the server holds for a stalled websocket is this plus
/// its 8 KiB write buffer and one frame, until the write times out. Data in flight (sent, not yet
/// acknowledged) is not limited, so a long, fast path still fills its window.
const UNSENT_BYTES: u32 = 16 * 1024;

/// Called on every accepted connection.
fn limit_unsent(stream: &mut TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) = socket2::SockRef::from(&*stream).set_tcp_notsent_lowat(UNSENT_BYTES) {
        tracing::debug!(error = %e, "TCP_NOTSENT_LOWAT not set");
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = stream;
}

/// A listener on `addr` with address reuse and a backlog of 4096 (tokio's default of 1024 drops
/// connects in bursts; see performance.md). With `reuse_port`, `SO_REUSEPORT` too: several
/// processes (or listeners) that all set it may bind the same address, and the kernel spreads
/// new connections among them.
pub fn listen(addr: std::net::SocketAddr, reuse_port: bool) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    if reuse_port {
        #[cfg(unix)]
        socket.set_reuseport(true)?;
        #[cfg(not(unix))]
        return Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "server.reuse_port needs SO_REUSEPORT (Linux and other Unix systems)",
        ));
    }
    socket.bind(addr)?;
    socket.listen(4096)
}

async fn serve(settings: Settings, db: Db) -> anyhow::Result<()> {
    let server = Server::build(settings, db).await?;
    tracing::info!(
        "Plenary is ready: open {} in your browser",
        server.state.public_url
    );
    server.run(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[tokio::test]
    async fn accepted_connections_keep_little_unsent_data() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let _client = tokio::net::TcpStream::connect(address).await.unwrap();
        let (mut accepted, _) = listener.accept().await.unwrap();
        let sock = socket2::SockRef::from(&accepted);
        assert_eq!(sock.tcp_notsent_lowat().unwrap(), 0, "unlimited before");
        super::limit_unsent(&mut accepted);
        let sock = socket2::SockRef::from(&accepted);
        assert_eq!(sock.tcp_notsent_lowat().unwrap(), super::UNSENT_BYTES);
    }
}
