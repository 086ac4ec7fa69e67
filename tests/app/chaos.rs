//! The fault harness: a proxy on loopback between the app and the test PostgreSQL that passes bytes through, or
//! cuts every connection, delays, freezes (stops forwarding, as a stopped server or a dead network would: the
//! connections stay open and nothing answers), or stays down (connections are closed as they arrive). The test
//! server listens only on its Unix socket, so the proxy takes TCP and forwards to the socket; the app's
//! `DATABASE_URL` names the proxy.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Pass,
    Delay(Duration),
    Freeze,
    Down,
}

#[derive(Debug, Clone, Copy)]
struct State {
    mode: Mode,
    /// Counts the cuts: a connection older than the last cut is closed.
    cuts: u64,
}

/// What a test does to the connection; cheap to clone, so a job can hold it.
#[derive(Clone)]
pub struct Chaos(Arc<watch::Sender<State>>);

impl Chaos {
    /// Closes every open connection; new ones pass.
    pub fn cut(&self) {
        self.0.send_modify(|s| s.cuts += 1);
    }
    /// Closes every connection, and every new one as it arrives, until [`Chaos::resume`].
    pub fn down(&self) {
        self.0.send_modify(|s| {
            s.cuts += 1;
            s.mode = Mode::Down;
        });
    }
    /// Stops forwarding: connections stay open, nothing reaches either side, until [`Chaos::resume`].
    pub fn freeze(&self) {
        self.0.send_modify(|s| s.mode = Mode::Freeze);
    }
    /// Every chunk waits `by` before it is passed on.
    pub fn delay(&self, by: Duration) {
        self.0.send_modify(|s| s.mode = Mode::Delay(by));
    }
    /// Passes everything again (a frozen connection gets what it was sent meanwhile).
    pub fn resume(&self) {
        self.0.send_modify(|s| s.mode = Mode::Pass);
    }
}

pub struct ChaosProxy {
    chaos: Chaos,
    port: u16,
    user: String,
    database: String,
    task: actix_web::rt::task::JoinHandle<()>,
}

impl std::ops::Deref for ChaosProxy {
    type Target = Chaos;
    fn deref(&self) -> &Chaos {
        &self.chaos
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.chaos.down();
    }
}

/// `name`'s value in the URL's query, percent-decoded.
fn query_param(url: &str, name: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let value = query.split('&').find_map(|p| p.strip_prefix(&format!("{name}="))).unwrap_or_default();
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match value.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(byte) if bytes[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("utf-8")
}

impl ChaosProxy {
    /// A proxy for the test cluster's database at `direct` (`postgres://user@/db?host=SOCKET_DIR&port=N`).
    pub async fn start(direct: &str) -> ChaosProxy {
        let rest = direct.strip_prefix("postgres://").expect("a postgres:// URL");
        let (user, rest) = rest.split_once("@/").expect("user@/database");
        let database = rest.split('?').next().unwrap_or_default().to_owned();
        let socket =
            PathBuf::from(query_param(direct, "host")).join(format!(".s.PGSQL.{}", query_param(direct, "port")));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let port = listener.local_addr().expect("address").port();
        let (state, watching) = watch::channel(State { mode: Mode::Pass, cuts: 0 });
        let task = actix_web::rt::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let state = watching.clone();
                if state.borrow().mode == Mode::Down {
                    continue;
                }
                let socket = socket.clone();
                actix_web::rt::spawn(async move {
                    let Ok(server) = UnixStream::connect(&socket).await else { return };
                    let born = state.borrow().cuts;
                    let (from_client, to_client) = client.into_split();
                    let (from_server, to_server) = server.into_split();
                    // Either direction ending ends both: dropping the halves closes the sockets.
                    tokio::select! {
                        () = pipe(from_client, to_server, state.clone(), born) => {}
                        () = pipe(from_server, to_client, state, born) => {}
                    }
                });
            }
        });
        ChaosProxy { chaos: Chaos(Arc::new(state)), port, user: user.to_owned(), database, task }
    }

    /// The URL of the database through the proxy.
    pub fn url(&self) -> String {
        format!("postgres://{}@127.0.0.1:{}/{}?sslmode=disable", self.user, self.port, self.database)
    }

    pub fn chaos(&self) -> Chaos {
        self.chaos.clone()
    }
}

/// Copies `from` to `to` chunk by chunk, as the state allows; returns when either side closes or a cut comes.
async fn pipe(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut state: watch::Receiver<State>,
    born: u64,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            () = cut(&mut state, born) => return,
        };
        loop {
            let now = *state.borrow_and_update();
            if now.cuts != born || now.mode == Mode::Down {
                return;
            }
            match now.mode {
                Mode::Pass => break,
                Mode::Delay(by) => {
                    tokio::time::sleep(by).await;
                    break;
                }
                Mode::Freeze | Mode::Down => {
                    if state.changed().await.is_err() {
                        return;
                    }
                }
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Returns once a cut (or the proxy going down) ends connections born at cut `born`.
async fn cut(state: &mut watch::Receiver<State>, born: u64) {
    loop {
        let now = *state.borrow_and_update();
        if now.cuts != born || now.mode == Mode::Down {
            return;
        }
        if state.changed().await.is_err() {
            return;
        }
    }
}
