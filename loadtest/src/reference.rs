//! The reference broadcast server: the same stack as Plenary (axum websockets on tokio, the same
//! socket buffer sizes and listen backlog) with no application logic. Every text message a client
//! sends is broadcast to every connected client, serialised once and shared. Its fan-out figures
//! are the ceiling the application is compared against in docs/BENCHMARKS.md.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast;

/// Plenary's own per-socket sizes (backend/src/live/socket.rs), so the comparison is fair.
const READ_BUFFER: usize = 1024;
const WRITE_BUFFER: usize = 8 * 1024;
const MAX_WRITE_BUFFER: usize = 4 * 1024 * 1024;
/// As deep as Plenary's per-session ring.
const RING: usize = 512;

/// Serves `/ws` on `bind` until the process is stopped; with `reuse_port`, several servers
/// can share the port.
pub async fn serve(bind: SocketAddr, reuse_port: bool) -> anyhow::Result<()> {
    let listener = listen_with(bind, reuse_port)?;
    eprintln!(
        "reference broadcast server on ws://{}/ws",
        listener.local_addr()?
    );
    serve_on(listener).await
}

/// A listener as Plenary makes its own: address reuse and a backlog of 4096.
pub fn listen(bind: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    listen_with(bind, false)
}

/// [`listen`], with `SO_REUSEPORT` when `reuse_port` is set (as Plenary's `server.reuse_port`):
/// several processes that all set it may bind the same port, and the kernel spreads new
/// connections among them.
pub fn listen_with(bind: SocketAddr, reuse_port: bool) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if bind.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    if reuse_port {
        socket.set_reuseport(true)?;
    }
    socket.bind(bind)?;
    socket.listen(4096)
}

/// Serves `/ws` on a listener until the task is dropped.
pub async fn serve_on(listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let (tx, _) = broadcast::channel::<Utf8Bytes>(RING);
    let app = Router::new().route("/ws", get(upgrade)).with_state(tx);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn upgrade(State(tx): State<broadcast::Sender<Utf8Bytes>>, ws: WebSocketUpgrade) -> Response {
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| connection(socket, tx))
}

/// One task per socket: forward what it sends to everyone, and everything broadcast to it,
/// draining whatever is queued before one flush (as Plenary's sockets do).
async fn connection(socket: WebSocket, tx: broadcast::Sender<Utf8Bytes>) {
    let mut rx = tx.subscribe();
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => { let _ = tx.send(text); }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            out = rx.recv() => {
                let first = match out {
                    Ok(text) => text,
                    // Fell behind the ring: a real application would resync; this one drops.
                    Err(_) => return,
                };
                if sink.feed(Message::Text(first)).await.is_err() { return; }
                while let Ok(text) = rx.try_recv() {
                    if sink.feed(Message::Text(text)).await.is_err() { return; }
                }
                if sink.flush().await.is_err() { return; }
            }
        }
    }
}
