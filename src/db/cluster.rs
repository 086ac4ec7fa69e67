//! The managed PostgreSQL cluster: a private server started from the PostgreSQL
//! server binaries on this machine, for `aftersales serve` without `DATABASE_URL`
//! and for the test harness (one cluster per test process).
//!
//! Layout of a data folder `DATA_DIR`:
//!
//! * `DATA_DIR/pg` — the cluster (initialised once, into `pg.init-tmp` and then
//!   renamed, so an interrupted first start never leaves a half cluster behind);
//! * `DATA_DIR/run` — the Unix socket directory (or `/tmp/aftersales-<hash>` when
//!   that path would be too long for a socket address);
//! * `DATA_DIR/postgres.log`, `DATA_DIR/initdb.log` — server and initdb output;
//! * `DATA_DIR/aftersales.lock` — `flock`ed by the process owning the folder.
//!
//! Run as root with a data folder the `postgres` user cannot reach (a clone under `/root`), `pg`, `run` and the
//! logs go to `/var/lib/aftersales/clusters/<hash of the folder's path>` instead, and `DATA_DIR/cluster-location.txt`
//! says so.
//!
//! The server listens only on its Unix socket (`listen_addresses=''`), so it never
//! clashes with another server on port 5432, and trusts local connections from the
//! superuser `aftersales`. When we run as root the server runs as the `postgres`
//! system user, since PostgreSQL refuses to run as root.
//!
//! `postgres` is our direct child, spawned by a keeper thread that lives as long as
//! the server, with `PR_SET_PDEATHSIG` = `SIGINT`: if this process dies without
//! cleaning up (a test process exiting without destructors, a crash), the server
//! gets a fast shutdown instead of lingering.

use std::ffi::OsStr;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::{Gid, Pid, Uid, User};

/// The superuser created by initdb; the app and the tests connect as this role.
pub const SUPERUSER: &str = "aftersales";

/// The port in the socket name (`.s.PGSQL.5432`) unless [`ClusterOptions::port`] says otherwise; nothing listens
/// on TCP unless the settings set `listen_addresses`.
pub const PORT: u16 = 5432;

/// The system user the server runs as when we are root.
const SYSTEM_USER: &str = "postgres";

/// `sun_path` is 108 bytes including the terminating NUL; keep a byte of slack.
const MAX_SOCKET_PATH: usize = 107;

/// Generous: after an unclean stop, start-up fsyncs the whole data folder, which
/// takes minutes on a busy disk.
const READY_TIMEOUT: Duration = Duration::from_secs(180);
/// The shutdown checkpoint can take tens of seconds under heavy I/O; giving up
/// early (SIGQUIT) would force crash recovery on the next start.
const FAST_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(90);
const LOG_ROTATE_BYTES: u64 = 10 * 1024 * 1024;
const LOG_TAIL_LINES: usize = 25;

/// How to run the managed cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// The app's data folder; the cluster lives in `data_dir/pg`.
    pub data_dir: PathBuf,
    /// Explicit PostgreSQL bin dir (from config), else discovered by [`find_bin_dir`].
    pub bin_dir: Option<PathBuf>,
    /// Tests: trade durability for speed (fsync, synchronous_commit and
    /// full_page_writes off; initdb without syncing).
    pub throwaway: bool,
    /// Extra `-c name=value` server settings; they override the defaults.
    pub settings: Vec<(String, String)>,
    /// The port (`-p`: the socket's name, and TCP's if `settings` sets `listen_addresses`); [`PORT`] if unset.
    pub port: Option<u16>,
}

impl ClusterOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ClusterOptions { data_dir: data_dir.into(), ..Default::default() }
    }
}

/// Why the managed cluster could not be found, initialised, started or stopped.
/// Every message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no PostgreSQL server binaries found (looked for initdb and postgres in: {searched}). \
         Install the PostgreSQL server binaries (Debian: `apt-get install postgresql`), \
         or set DATABASE_URL to use an existing server."
    )]
    NoBinaries { searched: String },

    #[error(
        "the configured PostgreSQL bin directory {} has no `{missing}` program. \
         Point it at the directory holding initdb and postgres (e.g. /usr/lib/postgresql/15/bin), \
         leave it unset to find the binaries automatically, or set DATABASE_URL to use an existing server.",
        dir.display()
    )]
    BadBinDir { dir: PathBuf, missing: &'static str },

    #[error(
        "the data folder {} is in use by another aftersales process{}. \
         Stop that process first, or use a different data folder (--data-dir / AFTERSALES_DATA_DIR).",
        data_dir.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    InUse { data_dir: PathBuf, pid: Option<i32> },

    #[error(
        "running as root, but there is no `postgres` system user to run PostgreSQL as \
         (PostgreSQL refuses to run as root). Install the PostgreSQL server package, which creates it \
         (Debian: `apt-get install postgresql`), run aftersales as an ordinary user, or set DATABASE_URL."
    )]
    NoSystemUser,

    #[error(
        "PostgreSQL runs as the system user `postgres`, which cannot reach {}: {} is mode {mode:04o}. \
         Choose a data folder it can reach with --data-dir / AFTERSALES_DATA_DIR (e.g. /var/lib/aftersales), \
         or set DATABASE_URL.",
        data_dir.display(),
        blocking.display()
    )]
    Unreachable { data_dir: PathBuf, blocking: PathBuf, mode: u32 },

    #[error(
        "{} is owned by uid {owner}, but PostgreSQL runs as {user} (uid {uid}) and refuses a data directory \
         it does not own. Fix it with `chown -R {user} {}`, or use a different data folder.",
        dir.display(),
        dir.display()
    )]
    WrongOwner { dir: PathBuf, owner: u32, user: String, uid: u32 },

    #[error(
        "{} exists but is not a PostgreSQL data directory (no PG_VERSION). \
         Move it out of the way so a new cluster can be created there, or use a different data folder.",
        dir.display()
    )]
    NotACluster { dir: PathBuf },

    #[error(
        "the socket directory {} {problem}. Remove it (`rm -r {}`) and start again, \
         or use a data folder with a shorter path so the socket can live inside it.",
        dir.display(),
        dir.display()
    )]
    BadSocketDir { dir: PathBuf, problem: String },

    #[error(
        "could not {action} {}: {source}. Check that the path is writable by this user and the disk is not full.",
        path.display()
    )]
    Io { action: &'static str, path: PathBuf, source: io::Error },

    #[error(
        "could not run {}: {source}. Check that it is a working PostgreSQL binary, or configure another bin directory.",
        program.display()
    )]
    Spawn { program: PathBuf, source: io::Error },

    #[error(
        "initdb failed ({status}) creating the cluster in {}. Its output is in {}; the last lines:\n{tail}\n\
         Fix the cause shown above and start again.",
        dir.display(),
        log.display()
    )]
    InitFailed { dir: PathBuf, status: String, log: PathBuf, tail: String },

    #[error(
        "PostgreSQL exited during start-up ({status}). Its log is {}; the last lines:\n{tail}\n\
         Fix the cause shown above and start again.",
        log.display()
    )]
    StartFailed { status: String, log: PathBuf, tail: String },

    #[error(
        "PostgreSQL did not become ready within {} s. Its log is {}; the last lines:\n{tail}\n\
         Check the log for the cause (a slow or full disk, crash recovery still running) and start again.",
        waited.as_secs(),
        log.display()
    )]
    StartTimeout { waited: Duration, log: PathBuf, tail: String },

    #[error(
        "a PostgreSQL server (pid {pid}) is still running on {}. \
         Stop it (`kill -INT {pid}`) and start again.",
        dir.display()
    )]
    StillRunning { pid: i32, dir: PathBuf },

    #[error(
        "PostgreSQL (pid {pid}) did not stop after SIGINT, SIGQUIT and SIGKILL. \
         Check it with `ps -p {pid}` and kill it by hand."
    )]
    StopFailed { pid: i32 },

    #[error(
        "could not look up the `postgres` system user: {source}. Check the user database \
         (/etc/passwd, NSS), run aftersales as an ordinary user, or set DATABASE_URL."
    )]
    UserLookup { source: Errno },
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ClusterError {
    let path = path.to_path_buf();
    move |source| ClusterError::Io { action, path, source }
}

// ---------------------------------------------------------------------------
// Finding the binaries
// ---------------------------------------------------------------------------

/// Finds the directory holding `initdb` and `postgres`: `explicit` if given (it
/// must hold them), else `initdb` on `PATH`, else `pg_config --bindir`, else the
/// highest version under `/usr/lib/postgresql/*/bin` (Debian's layout, which
/// keeps the server binaries off `PATH`).
pub fn find_bin_dir(explicit: Option<&Path>) -> Result<PathBuf, ClusterError> {
    let path_var = std::env::var_os("PATH");
    find_bin_dir_in(explicit, path_var.as_deref(), Path::new("/usr/lib/postgresql"))
}

fn find_bin_dir_in(
    explicit: Option<&Path>,
    path_var: Option<&OsStr>,
    versions_root: &Path,
) -> Result<PathBuf, ClusterError> {
    if let Some(dir) = explicit {
        for program in ["initdb", "postgres"] {
            if !is_executable(&dir.join(program)) {
                return Err(ClusterError::BadBinDir { dir: dir.to_path_buf(), missing: program });
            }
        }
        return Ok(dir.to_path_buf());
    }

    let path_dirs: Vec<PathBuf> = path_var.map(|p| std::env::split_paths(p).collect()).unwrap_or_default();

    // initdb on PATH; follow a symlink (e.g. /usr/local/bin/initdb) to the real
    // bin dir, which also holds psql & co. of the same version.
    for dir in &path_dirs {
        let initdb = dir.join("initdb");
        if !is_executable(&initdb) {
            continue;
        }
        if let Some(real_dir) = fs::canonicalize(&initdb).ok().and_then(|p| p.parent().map(Path::to_path_buf))
            && has_server_binaries(&real_dir)
        {
            return Ok(real_dir);
        }
        if has_server_binaries(dir) {
            return Ok(dir.clone());
        }
    }

    if let Some(pg_config) = path_dirs.iter().map(|d| d.join("pg_config")).find(|p| is_executable(p))
        && let Ok(out) = Command::new(&pg_config).arg("--bindir").stdin(Stdio::null()).stderr(Stdio::null()).output()
        && out.status.success()
    {
        let dir = PathBuf::from(OsStr::from_bytes(out.stdout.trim_ascii()));
        if has_server_binaries(&dir) {
            return Ok(dir);
        }
    }

    let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir(versions_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = name.to_str()?.split('.').map(|part| part.parse().ok()).collect::<Option<Vec<u32>>>()?;
            let bin = entry.path().join("bin");
            has_server_binaries(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }

    Err(ClusterError::NoBinaries { searched: format!("PATH, pg_config --bindir, {}/*/bin", versions_root.display()) })
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"))
}

// ---------------------------------------------------------------------------
// The cluster
// ---------------------------------------------------------------------------

/// A running private PostgreSQL server. Stopped by [`ManagedCluster::stop`] or on drop.
#[derive(Debug)]
pub struct ManagedCluster {
    data_dir: PathBuf,
    /// Where the cluster's own files are: the data folder, unless the server's system user cannot reach it.
    home: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    log_path: PathBuf,
    port: u16,
    child: Arc<ChildState>,
    pid: Pid,
    keeper: Option<JoinHandle<()>>,
    /// Held for the life of the cluster; dropping it releases the data folder.
    lock: Option<Flock<File>>,
    stopped: bool,
}

/// Who the server runs as: the `postgres` system user when we are root, else
/// ourselves (`None`).
#[derive(Debug, Clone)]
struct RunAs {
    name: String,
    uid: Uid,
    gid: Gid,
}

impl ManagedCluster {
    /// Initialises the cluster if `data_dir/pg` does not exist yet, starts it and
    /// blocks until it accepts connections.
    pub fn start(opts: ClusterOptions) -> Result<ManagedCluster, ClusterError> {
        fs::create_dir_all(&opts.data_dir).map_err(io_err("create the data folder", &opts.data_dir))?;
        let data_dir = fs::canonicalize(&opts.data_dir).map_err(io_err("resolve the data folder", &opts.data_dir))?;

        let lock = lock_data_dir(&data_dir)?;
        let bin_dir = find_bin_dir(opts.bin_dir.as_deref())?;

        let (run_as, home) = if Uid::effective().is_root() {
            let user = User::from_name(SYSTEM_USER)
                .map_err(|source| ClusterError::UserLookup { source })?
                .ok_or(ClusterError::NoSystemUser)?;
            let run_as = RunAs { name: user.name, uid: user.uid, gid: user.gid };
            let home = cluster_home(&data_dir, &run_as)?;
            (Some(run_as), home)
        } else {
            (None, data_dir.clone())
        };

        let socket_dir = socket_dir_for(&home);
        prepare_socket_dir(&socket_dir, run_as.as_ref())?;

        let pg_dir = home.join("pg");
        if !pg_dir.exists() {
            init_cluster(&home, &bin_dir, run_as.as_ref(), opts.throwaway)?;
        }
        check_cluster_dir(&pg_dir, run_as.as_ref())?;
        wait_for_leftover_server(&pg_dir)?;

        let log_path = home.join("postgres.log");
        let log = open_log(&log_path, run_as.as_ref())?;
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);

        let program = bin_dir.join("postgres");
        let port = opts.port.unwrap_or(PORT);
        let mut cmd = Command::new(&program);
        cmd.arg("-D").arg(&pg_dir).arg("-k").arg(&socket_dir).arg("-p").arg(port.to_string());
        for (name, value) in server_settings(&opts) {
            cmd.arg("-c").arg(format!("{name}={value}"));
        }
        let log_err = log.try_clone().map_err(io_err("open the server log", &log_path))?;
        cmd.stdin(Stdio::null()).stdout(log).stderr(log_err).current_dir(&home);
        // Its own process group: a Ctrl-C in the terminal goes to the app, which
        // then shuts the server down after finishing in-flight requests.
        cmd.process_group(0);
        drop_privileges_in_child(&mut cmd, run_as.as_ref());

        let (child, pid, keeper) = spawn_keeper(cmd).map_err(|source| ClusterError::Spawn { program, source })?;
        let cluster = ManagedCluster {
            data_dir,
            home,
            socket_dir,
            bin_dir,
            log_path,
            port,
            child,
            pid,
            keeper: Some(keeper),
            lock: Some(lock),
            stopped: false,
        };
        // On error `cluster` is dropped here, which stops the server and releases the folder.
        cluster.wait_ready(log_start)?;
        tracing::info!(
            data_dir = %cluster.data_dir.display(),
            socket_dir = %cluster.socket_dir.display(),
            pid = pid.as_raw(),
            "PostgreSQL is ready"
        );
        Ok(cluster)
    }

    /// A URL for `database` on this server, e.g.
    /// `postgres://aftersales@/DB?host=/abs/socket/dir&port=5432`.
    ///
    /// The authority has no host on purpose: tokio-postgres would take a
    /// `localhost` there as a TCP host *in addition to* the `host=` socket dir
    /// of the query, and try TCP localhost:5432 first (possibly reaching another
    /// server). Everything but unreserved characters and `/` is percent-encoded
    /// (both tokio-postgres and libpq decode `host=`), so `&`, `@`, spaces or
    /// non-ASCII in the path or database name cannot break the URL.
    pub fn database_url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@/{}?host={}&port={}",
            percent_encode(database.as_bytes(), false),
            percent_encode(self.socket_dir.as_os_str().as_bytes(), true),
            self.port
        )
    }

    /// The port the server listens on (its socket's name, and TCP's if it listens there).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The (canonical) data folder; the cluster itself is in `data_dir()/pg`.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The PostgreSQL bin directory in use (for `psql`, `pg_dump`, ...).
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> i32 {
        self.pid.as_raw()
    }

    /// Fast shutdown (SIGINT); after 10 s SIGQUIT, then SIGKILL. Releases the data folder.
    pub fn stop(mut self) -> Result<(), ClusterError> {
        self.shutdown()
    }

    fn wait_ready(&self, log_start: u64) -> Result<(), ClusterError> {
        let pid_file = self.home.join("pg").join("postmaster.pid");
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            // postmaster.pid: pid, data dir, start time, port, socket dir,
            // listen address, shmem key, status. A crashed server's stale file may
            // say "ready" too, so the pid must be our child's.
            if let Ok(text) = fs::read_to_string(&pid_file) {
                let lines: Vec<&str> = text.lines().collect();
                if lines.first().and_then(|l| l.trim().parse::<i32>().ok()) == Some(self.pid.as_raw())
                    && lines.get(7).is_some_and(|l| l.trim() == "ready")
                {
                    return Ok(());
                }
            }
            if let Some(status) = self.child.wait_exit(Duration::from_millis(20)) {
                return Err(ClusterError::StartFailed {
                    status,
                    log: self.log_path.clone(),
                    tail: log_tail(&self.log_path, log_start),
                });
            }
            if Instant::now() >= deadline {
                return Err(ClusterError::StartTimeout {
                    waited: READY_TIMEOUT,
                    log: self.log_path.clone(),
                    tail: log_tail(&self.log_path, log_start),
                });
            }
        }
    }

    fn shutdown(&mut self) -> Result<(), ClusterError> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let result = self.stop_server();
        if result.is_ok()
            && let Some(keeper) = self.keeper.take()
        {
            // The keeper returns right after reaping the server; a panic there
            // (there is none) would not matter any more.
            let _ = keeper.join();
        }
        // Release the data folder only now that the server is gone.
        self.lock.take();
        if result.is_ok() {
            tracing::info!(data_dir = %self.data_dir.display(), "PostgreSQL stopped");
        }
        result
    }

    fn stop_server(&self) -> Result<(), ClusterError> {
        let steps = [
            (Signal::SIGINT, FAST_SHUTDOWN_TIMEOUT),
            (Signal::SIGQUIT, Duration::from_secs(10)),
            (Signal::SIGKILL, Duration::from_secs(5)),
        ];
        for (sig, wait) in steps {
            if self.child.wait_exit(Duration::ZERO).is_some() {
                return Ok(());
            }
            self.child.signal(self.pid, sig);
            if self.child.wait_exit(wait).is_some() {
                return Ok(());
            }
            tracing::warn!(pid = self.pid.as_raw(), "PostgreSQL did not stop within {} s after {sig}", wait.as_secs());
        }
        Err(ClusterError::StopFailed { pid: self.pid.as_raw() })
    }
}

impl Drop for ManagedCluster {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::error!("{e}");
        }
    }
}

/// The `-c` settings: ours first, then the caller's (the server takes the last
/// value of a repeated setting, so the caller's win).
fn server_settings(opts: &ClusterOptions) -> Vec<(String, String)> {
    let mut settings: Vec<(String, String)> = vec![
        ("listen_addresses".into(), String::new()),
        ("unix_socket_permissions".into(), "0700".into()),
        // Tests run many connection pools in parallel.
        ("max_connections".into(), "200".into()),
    ];
    if opts.throwaway {
        for name in ["fsync", "synchronous_commit", "full_page_writes"] {
            settings.push((name.into(), "off".into()));
        }
    }
    settings.extend(opts.settings.iter().cloned());
    settings
}

// ---------------------------------------------------------------------------
// The child process and its keeper thread
// ---------------------------------------------------------------------------

/// The server's exit, shared between the keeper thread and the cluster.
#[derive(Debug, Default)]
struct ChildState {
    /// `Some(description)` once the keeper has reaped the server.
    exit: Mutex<Option<String>>,
    exited: Condvar,
}

impl ChildState {
    /// Waits up to `timeout` for the server to exit; its exit status if it has.
    fn wait_exit(&self, timeout: Duration) -> Option<String> {
        let guard = self.exit.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = self
            .exited
            .wait_timeout_while(guard, timeout, |exit| exit.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        guard.clone()
    }

    /// Signals the server unless it has been reaped. The keeper reaps only while
    /// holding the same lock, so the pid cannot have been reused meanwhile.
    fn signal(&self, pid: Pid, sig: Signal) {
        let guard = self.exit.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.is_none()
            && let Err(e) = signal::kill(pid, sig)
        {
            tracing::warn!(pid = pid.as_raw(), "could not send {sig} to PostgreSQL: {e}");
        }
    }
}

/// Spawns `cmd` from a new thread that then waits for it. The thread must live
/// as long as the child: PR_SET_PDEATHSIG fires when the *thread* that forked
/// the child exits, not the process.
fn spawn_keeper(mut cmd: Command) -> io::Result<(Arc<ChildState>, Pid, JoinHandle<()>)> {
    let state = Arc::new(ChildState::default());
    let (tx, rx) = mpsc::channel();
    let keeper_state = Arc::clone(&state);
    let keeper = thread::Builder::new().name("postgres-keeper".into()).spawn(move || {
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let pid = Pid::from_raw(child.id() as i32);
        let _ = tx.send(Ok(pid));
        // Wait without reaping (WNOWAIT): the zombie keeps the pid reserved until
        // we reap under the lock that `signal` takes.
        while let Err(Errno::EINTR) = waitid(Id::Pid(pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT) {}
        let mut exit = keeper_state.exit.lock().unwrap_or_else(PoisonError::into_inner);
        *exit = Some(match child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => format!("unknown exit status: {e}"),
        });
        keeper_state.exited.notify_all();
    })?;
    match rx.recv() {
        Ok(Ok(pid)) => Ok((state, pid, keeper)),
        Ok(Err(e)) => {
            let _ = keeper.join();
            Err(e)
        }
        Err(_) => Err(io::Error::other("the postgres keeper thread ended before starting the server")),
    }
}

/// In the forked child, before exec: switch to the `postgres` user if we are
/// root, and arrange to get SIGINT (fast shutdown) when our parent dies.
fn drop_privileges_in_child(cmd: &mut Command, run_as: Option<&RunAs>) {
    let ids = run_as.map(|r| (r.uid, r.gid));
    let parent = Pid::this();
    let pre_exec = move || -> io::Result<()> {
        if let Some((uid, gid)) = ids {
            // Order matters: groups and gid while still root, then uid.
            nix::unistd::setgroups(&[])?;
            nix::unistd::setgid(gid)?;
            nix::unistd::setuid(uid)?;
        }
        // After setuid, which clears the parent-death signal.
        nix::sys::prctl::set_pdeathsig(Signal::SIGINT)?;
        // If the parent died before prctl, the signal will never come.
        if nix::unistd::getppid() != parent {
            return Err(Errno::ESRCH.into());
        }
        Ok(())
    };
    // SAFETY: the closure runs between fork and exec and only makes plain
    // system calls (setgroups, setgid, setuid, prctl, getppid); it neither
    // allocates nor takes locks (its errors are io::Errors made from an errno,
    // which does not allocate).
    unsafe {
        cmd.pre_exec(pre_exec);
    }
}

// ---------------------------------------------------------------------------
// Preparing the data folder
// ---------------------------------------------------------------------------

/// Takes the exclusive lock on `data_dir/aftersales.lock` and writes our pid into it.
fn lock_data_dir(data_dir: &Path) -> Result<Flock<File>, ClusterError> {
    let path = data_dir.join("aftersales.lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .open(&path)
        .map_err(io_err("open the lock file", &path))?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => {
            let mut f: &File = &lock;
            f.set_len(0)
                .and_then(|()| f.write_all(format!("{}\n", std::process::id()).as_bytes()))
                .map_err(io_err("write the lock file", &path))?;
            Ok(lock)
        }
        Err((mut file, Errno::EWOULDBLOCK)) => {
            let mut text = String::new();
            let pid = file.read_to_string(&mut text).ok().and_then(|_| text.trim().parse().ok());
            Err(ClusterError::InUse { data_dir: data_dir.to_path_buf(), pid })
        }
        Err((_, errno)) => Err(ClusterError::Io { action: "lock", path, source: errno.into() }),
    }
}

/// Checks that `uid`/`gid` (with no supplementary groups, as the server runs)
/// may search every directory from `/` down to `dir`; the first that blocks and
/// its mode if not.
fn check_reachable(dir: &Path, uid: Uid, gid: Gid) -> Result<(), (PathBuf, u32)> {
    let mut chain: Vec<&Path> = dir.ancestors().collect();
    chain.reverse();
    for path in chain {
        let Ok(meta) = fs::metadata(path) else {
            continue;
        };
        let mode = meta.mode();
        let bit = if meta.uid() == uid.as_raw() {
            0o100
        } else if meta.gid() == gid.as_raw() {
            0o010
        } else {
            0o001
        };
        if mode & bit == 0 {
            return Err((path.to_path_buf(), mode & 0o7777));
        }
    }
    Ok(())
}

/// Where a folder unreachable for the server's user keeps its cluster: one folder per data folder (by a hash of its
/// path), reachable by every user; the data folder says where in `CLUSTER_NOTE`.
const FALLBACK_HOMES: &str = "/var/lib/aftersales/clusters";
const CLUSTER_NOTE: &str = "cluster-location.txt";

/// The folder the cluster lives in: the data folder when the server's user can reach it; else (a clone under
/// `/root`, mode 0700, run as root) a folder of its own under [`FALLBACK_HOMES`], so the README's `cargo run` works
/// wherever the clone is, and the rest of the data (session key, files) stays in the data folder.
fn cluster_home(data_dir: &Path, run_as: &RunAs) -> Result<PathBuf, ClusterError> {
    let Err((blocking, mode)) = check_reachable(data_dir, run_as.uid, run_as.gid) else {
        return Ok(data_dir.to_path_buf());
    };
    let home = Path::new(FALLBACK_HOMES).join(format!("{:016x}", fnv1a64(data_dir.as_os_str().as_bytes())));
    let unreachable =
        || ClusterError::Unreachable { data_dir: data_dir.to_path_buf(), blocking: blocking.clone(), mode };
    DirBuilder::new().recursive(true).mode(0o755).create(&home).map_err(|_| unreachable())?;
    check_reachable(&home, run_as.uid, run_as.gid).map_err(|_| unreachable())?;
    let note = format!(
        "The PostgreSQL cluster of this data folder is in {}:\n{} is mode {mode:04o}, which the `{}` user cannot pass.\n",
        home.display(),
        blocking.display(),
        run_as.name
    );
    fs::write(data_dir.join(CLUSTER_NOTE), note).map_err(io_err("write", &data_dir.join(CLUSTER_NOTE)))?;
    tracing::info!(
        data_dir = %data_dir.display(),
        cluster = %home.display(),
        "the `{}` user cannot reach the data folder ({} is mode {mode:04o}); the database cluster lives beside it",
        run_as.name,
        blocking.display()
    );
    Ok(home)
}

/// `data_dir/run`, unless the socket path in it would be too long for a Unix
/// socket address; then `/tmp/aftersales-<hash of data_dir>`.
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    let run = data_dir.join("run");
    // Measured with the 4-digit default port; a 5-digit `ClusterOptions::port` takes the byte of slack.
    if socket_path(&run).as_os_str().len() < MAX_SOCKET_PATH {
        run
    } else {
        PathBuf::from(format!("/tmp/aftersales-{:016x}", fnv1a64(data_dir.as_os_str().as_bytes())))
    }
}

fn socket_path(dir: &Path) -> PathBuf {
    dir.join(format!(".s.PGSQL.{PORT}"))
}

/// FNV-1a: a stable hash (std's hasher may change between releases).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Creates the socket dir (mode 0700, owned by the server's user). In /tmp it
/// could have been planted by someone else, so an existing one must be a real
/// directory owned by us or the server's user.
fn prepare_socket_dir(dir: &Path, run_as: Option<&RunAs>) -> Result<(), ClusterError> {
    let bad = |problem: String| ClusterError::BadSocketDir { dir: dir.to_path_buf(), problem };
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_err("create the socket directory", dir)(e)),
    }
    let meta = fs::symlink_metadata(dir).map_err(io_err("inspect the socket directory", dir))?;
    if !meta.is_dir() {
        return Err(bad("is not a directory".into()));
    }
    let me = Uid::effective().as_raw();
    if meta.uid() != me && run_as.is_none_or(|r| meta.uid() != r.uid.as_raw()) {
        return Err(bad(format!("belongs to someone else (uid {})", meta.uid())));
    }
    if let Some(r) = run_as {
        chown(dir, r)?;
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err("set permissions of", dir))?;
    Ok(())
}

fn chown(path: &Path, run_as: &RunAs) -> Result<(), ClusterError> {
    nix::unistd::chown(path, Some(run_as.uid), Some(run_as.gid)).map_err(|errno| ClusterError::Io {
        action: "change the owner of",
        path: path.to_path_buf(),
        source: errno.into(),
    })
}

/// Runs initdb into `data_dir/pg.init-tmp` and renames that to `data_dir/pg`.
///
/// ICU with the `zh` locale makes Chinese sort by pinyin (and Latin sensibly);
/// if that fails (a server before 15, or built without ICU) we fall back to the
/// libc provider with C.UTF-8.
fn init_cluster(data_dir: &Path, bin_dir: &Path, run_as: Option<&RunAs>, throwaway: bool) -> Result<(), ClusterError> {
    let tmp = data_dir.join("pg.init-tmp");
    let pg_dir = data_dir.join("pg");
    let log_path = data_dir.join("initdb.log");
    let log = File::create(&log_path).map_err(io_err("create the initdb log", &log_path))?;
    tracing::info!(dir = %pg_dir.display(), "creating the PostgreSQL cluster");

    let icu: &[&str] = &["--locale-provider=icu", "--icu-locale=zh"];
    let mut status = String::new();
    for (attempt, provider_args) in [icu, &[]].into_iter().enumerate() {
        if attempt > 0 {
            tracing::warn!("initdb with ICU failed; retrying with the libc locale C.UTF-8");
        }
        // A leftover from an interrupted attempt or first start.
        if let Err(e) = fs::remove_dir_all(&tmp)
            && e.kind() != io::ErrorKind::NotFound
        {
            return Err(io_err("remove the leftover", &tmp)(e));
        }
        // Created by us so that initdb, running as `postgres`, need not write to data_dir.
        DirBuilder::new().mode(0o700).create(&tmp).map_err(io_err("create", &tmp))?;
        if let Some(r) = run_as {
            chown(&tmp, r)?;
        }

        let program = bin_dir.join("initdb");
        let mut cmd = Command::new(&program);
        cmd.arg("-D")
            .arg(&tmp)
            .args(["-U", SUPERUSER, "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--locale=C.UTF-8"])
            .args(provider_args);
        if throwaway {
            cmd.arg("--no-sync");
        }
        let out = log.try_clone().map_err(io_err("open the initdb log", &log_path))?;
        let err = log.try_clone().map_err(io_err("open the initdb log", &log_path))?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err).current_dir(data_dir);
        drop_privileges_in_child(&mut cmd, run_as);
        let exit = cmd.status().map_err(|source| ClusterError::Spawn { program, source })?;
        if exit.success() {
            fs::rename(&tmp, &pg_dir).map_err(io_err("rename the new cluster to", &pg_dir))?;
            if !throwaway {
                // Make the rename durable.
                File::open(data_dir).and_then(|d| d.sync_all()).map_err(io_err("sync", data_dir))?;
            }
            return Ok(());
        }
        status = exit.to_string();
    }
    let _ = fs::remove_dir_all(&tmp);
    Err(ClusterError::InitFailed { dir: pg_dir, status, log: log_path.clone(), tail: log_tail(&log_path, 0) })
}

/// An existing `pg` must be a cluster owned by the user the server runs as.
fn check_cluster_dir(pg_dir: &Path, run_as: Option<&RunAs>) -> Result<(), ClusterError> {
    let meta = fs::metadata(pg_dir).map_err(io_err("inspect", pg_dir))?;
    if !pg_dir.join("PG_VERSION").is_file() {
        return Err(ClusterError::NotACluster { dir: pg_dir.to_path_buf() });
    }
    let (user, uid) = match run_as {
        Some(r) => (r.name.clone(), r.uid),
        None => {
            let uid = Uid::effective();
            let name = User::from_uid(uid).ok().flatten().map(|u| u.name).unwrap_or_else(|| "this user".into());
            (name, uid)
        }
    };
    if meta.uid() != uid.as_raw() {
        return Err(ClusterError::WrongOwner { dir: pg_dir.to_path_buf(), owner: meta.uid(), user, uid: uid.as_raw() });
    }
    Ok(())
}

/// If a server from an earlier run of this folder is still shutting down (our
/// process died and it got the parent-death SIGINT), waits for it. A stale
/// `postmaster.pid` whose pid now belongs to some other process (pids are
/// reused quickly when tests run in parallel) is removed, so the new server
/// does not mistake that process for a running postmaster.
fn wait_for_leftover_server(pg_dir: &Path) -> Result<(), ClusterError> {
    let pid_file = pg_dir.join("postmaster.pid");
    let Some(pid) = fs::read_to_string(&pid_file).ok().and_then(|t| t.lines().next()?.trim().parse::<i32>().ok())
    else {
        return Ok(());
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while process_alive(pid) {
        if !is_postmaster_for(pid, pg_dir) {
            // We hold the folder lock, so no server of ours uses this file.
            let _ = fs::remove_file(&pid_file);
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(ClusterError::StillRunning { pid, dir: pg_dir.to_path_buf() });
        }
        thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// True if `pid` is a postmaster started with `-D pg_dir` (as we start it), or
/// if we cannot tell.
fn is_postmaster_for(pid: i32, pg_dir: &Path) -> bool {
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return true;
    };
    let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
    args.windows(2).any(|w| w[0] == b"-D" && w[1] == pg_dir.as_os_str().as_bytes())
}

/// True if `pid` exists and is not a zombie.
fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    match signal::kill(Pid::from_raw(pid), None) {
        Ok(()) | Err(Errno::EPERM) => {}
        Err(_) => return false,
    }
    // A zombie still answers kill(); its state in /proc/PID/stat (after the
    // parenthesised command name) is 'Z'.
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').is_none_or(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => true,
    }
}

/// Opens the server log for appending (moving a large one aside first).
fn open_log(path: &Path, run_as: Option<&RunAs>) -> Result<File, ClusterError> {
    if fs::metadata(path).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
        let old = path.with_extension("log.old");
        fs::rename(path, &old).map_err(io_err("rotate the server log to", &old))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)
        .map_err(io_err("open the server log", path))?;
    if let Some(r) = run_as {
        chown(path, r)?;
    }
    Ok(file)
}

/// The last lines of a log written since byte `since`.
fn log_tail(path: &Path, since: u64) -> String {
    const MAX_BYTES: u64 = 16 * 1024;
    let read = || -> io::Result<String> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let start = since.max(len.saturating_sub(MAX_BYTES)).min(len);
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.lines().collect();
        let skip = lines.len().saturating_sub(LOG_TAIL_LINES);
        Ok(lines[skip..].iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n"))
    };
    match read() {
        Ok(tail) if tail.trim().is_empty() => "  | (the log is empty)".into(),
        Ok(tail) => tail,
        Err(e) => format!("  | (could not read {}: {e})", path.display()),
    }
}

/// Percent-encodes everything but unreserved characters (and `/` if `keep_slash`).
fn percent_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Test support
// ---------------------------------------------------------------------------

/// A fresh directory `<temp dir>/<prefix>-<pid>-<random>` (mode 0755, so the
/// `postgres` user can reach a cluster inside it). First removes directories
/// with the same prefix left by processes that are no longer alive, so crashed
/// test runs don't pile up.
///
/// Never fails: if the directory cannot be created the path is still returned,
/// and [`ManagedCluster::start`] reports the problem when it tries to create it.
pub fn temp_data_dir(prefix: &str) -> PathBuf {
    let base = std::env::temp_dir();
    let me = std::process::id();
    let lead = format!("{prefix}-");
    for entry in fs::read_dir(&base).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&lead)) else {
            continue;
        };
        let Some((pid, random)) = rest.split_once('-') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let is_ours = !random.is_empty() && random.bytes().all(|b| b.is_ascii_hexdigit());
        if is_ours
            && pid != me
            && let Ok(pid) = i32::try_from(pid)
            && !process_alive(pid)
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    let mut dir = base.join(format!("{prefix}-{me}-{:016x}", rand::random::<u64>()));
    for _ in 0..10 {
        match DirBuilder::new().mode(0o755).create(&dir) {
            Ok(()) => {
                // The umask may have cleared bits.
                let _ = fs::set_permissions(&dir, fs::Permissions::from_mode(0o755));
                return dir;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                dir = base.join(format!("{prefix}-{me}-{:016x}", rand::random::<u64>()));
            }
            Err(e) => {
                tracing::warn!(dir = %dir.display(), "could not create a temporary data folder: {e}");
                return dir;
            }
        }
    }
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "aftersales-clustertest";

    /// Removes the directory when the test ends, even on panic.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            TempDir(temp_data_dir(PREFIX))
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn options(dir: &Path) -> ClusterOptions {
        ClusterOptions { throwaway: true, ..ClusterOptions::new(dir) }
    }

    fn psql(cluster: &ManagedCluster, sql: &str) -> String {
        let out = Command::new(cluster.bin_dir().join("psql"))
            .arg("-X")
            .arg("-h")
            .arg(cluster.socket_dir())
            .args(["-p", "5432", "-U", SUPERUSER, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-Atc", sql])
            .output()
            .expect("run psql");
        assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The one-row result of `sql` via `psql`, connecting with a URL (libpq's parser).
    fn psql_url(cluster: &ManagedCluster, url: &str, sql: &str) -> String {
        let out = Command::new(cluster.bin_dir().join("psql"))
            .args(["-X", "-d", url, "-Atc", sql])
            .output()
            .expect("run psql");
        assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn assert_no_server(pid: i32, dir: &Path) {
        assert!(!process_alive(pid), "postmaster {pid} still alive");
        let pgrep = Command::new("pgrep").arg("-f").arg(dir.join("pg")).output();
        if let Ok(out) = pgrep {
            assert!(
                out.stdout.is_empty(),
                "processes left for {}: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }

    #[test]
    fn starts_keeps_data_and_stops() {
        let dir = TempDir::new();
        let cluster = ManagedCluster::start(options(&dir.0)).expect("start");
        assert!(socket_path(cluster.socket_dir()).exists());
        assert_eq!(psql(&cluster, "select 1"), "1");
        assert_eq!(psql(&cluster, "show server_encoding"), "UTF8");
        assert_eq!(psql(&cluster, "show max_connections"), "200");
        assert_eq!(psql(&cluster, "show fsync"), "off");
        psql(&cluster, "create table kept (name text); insert into kept values ('张三')");
        let pid = cluster.pid();
        cluster.stop().expect("stop");
        assert_no_server(pid, &dir.0);

        let mut opts = options(&dir.0);
        opts.settings.push(("max_connections".into(), "150".into()));
        let cluster = ManagedCluster::start(opts).expect("restart");
        assert_eq!(psql(&cluster, "select name from kept"), "张三");
        assert_eq!(psql(&cluster, "show max_connections"), "150");
        let pid = cluster.pid();
        drop(cluster); // Drop stops it too.
        assert_no_server(pid, &dir.0);
    }

    #[test]
    fn sorts_chinese_by_pinyin() {
        let dir = TempDir::new();
        let cluster = ManagedCluster::start(options(&dir.0)).expect("start");
        let provider = psql(&cluster, "select datlocprovider from pg_database where datname = 'postgres'");
        let sorted =
            psql(&cluster, "select string_agg(x, ',' order by x) from unnest(array['张三','李四','阿','王五']) x");
        if provider == "i" {
            assert_eq!(sorted, "阿,李四,王五,张三");
        }
        cluster.stop().expect("stop");
    }

    #[test]
    fn url_works_with_diesel_async() {
        use crate::db::SyncConn;
        use diesel::connection::SimpleConnection;
        use diesel::{QueryableByName, RunQueryDsl};
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            server_encoding: String,
        }

        let dir = TempDir::new();
        let cluster = ManagedCluster::start(options(&dir.0)).expect("start");
        let url = cluster.database_url("postgres");
        let mut conn = SyncConn::connect(&url, None).expect("connect with the URL");
        conn.batch_execute("create database \"a b&c\"").expect("create database");
        let row: Row = diesel::sql_query("show server_encoding").get_result(&mut *conn).expect("query");
        assert_eq!(row.server_encoding, "UTF8");
        drop(conn);
        // An awkward database name survives the URL too, for libpq as well.
        SyncConn::connect(&cluster.database_url("a b&c"), None).expect("connect to the awkward name");
        let url = cluster.database_url("a b&c");
        assert_eq!(psql_url(&cluster, &url, "select current_database()"), "a b&c");
        cluster.stop().expect("stop");
    }

    #[test]
    fn failed_start_shows_the_log() {
        let dir = TempDir::new();
        let mut opts = options(&dir.0);
        opts.settings.push(("max_connections".into(), "lots".into()));
        let err = ManagedCluster::start(opts).expect_err("bad setting");
        let message = err.to_string();
        assert!(matches!(err, ClusterError::StartFailed { .. }), "{message}");
        assert!(message.contains("max_connections"), "{message}");
        // The folder is released and the cluster usable.
        let cluster = ManagedCluster::start(options(&dir.0)).expect("start");
        cluster.stop().expect("stop");
    }

    #[test]
    fn second_start_on_same_folder_is_refused() {
        let dir = TempDir::new();
        let first = ManagedCluster::start(options(&dir.0)).expect("start");
        let err = ManagedCluster::start(options(&dir.0)).expect_err("second start must fail");
        assert!(matches!(err, ClusterError::InUse { pid: Some(p), .. } if p == std::process::id() as i32), "{err}");
        let message = err.to_string();
        assert!(message.contains("in use by another aftersales process"), "{message}");
        assert_eq!(psql(&first, "select 1"), "1");
        first.stop().expect("stop");
    }

    #[test]
    fn an_unreachable_data_dir_keeps_its_cluster_where_postgres_can_reach_it() {
        if !Uid::effective().is_root() {
            eprintln!("skipped: only meaningful as root");
            return;
        }
        let dir = TempDir::new();
        let locked = dir.0.join("locked");
        fs::create_dir(&locked).expect("mkdir");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o700)).expect("chmod");
        let data = locked.join("data");
        let cluster = ManagedCluster::start(options(&data)).expect("starts all the same");
        assert_eq!(psql(&cluster, "select 1"), "1");
        let home = cluster.home.clone();
        assert!(home.starts_with(FALLBACK_HOMES), "{}", home.display());
        assert!(home.join("pg").join("PG_VERSION").exists());
        assert!(!data.join("pg").exists(), "nothing of the cluster in the data folder");
        let note = fs::read_to_string(data.join(CLUSTER_NOTE)).expect("the data folder says where");
        assert!(note.contains(&home.display().to_string()) && note.contains("mode 0700"), "{note}");
        cluster.stop().expect("stop");
        // The same folder finds the same cluster again.
        let again = ManagedCluster::start(options(&data)).expect("restart");
        assert_eq!(again.home, home);
        again.stop().expect("stop");
        fs::remove_dir_all(&home).expect("clean up");
    }

    #[test]
    fn survives_a_crashed_server() {
        let dir = TempDir::new();
        // Durable settings: with synchronous_commit=off a kill right after the
        // commit may lose it, as it should.
        let durable = ClusterOptions::new(&dir.0);
        let cluster = ManagedCluster::start(durable.clone()).expect("start");
        psql(&cluster, "create table kept (n int); insert into kept values (7)");
        let pid = cluster.pid();
        // A crash leaves postmaster.pid behind, saying "ready".
        signal::kill(Pid::from_raw(pid), Signal::SIGKILL).expect("kill");
        assert!(cluster.child.wait_exit(Duration::from_secs(10)).is_some());
        cluster.stop().expect("stop after crash");
        assert!(dir.0.join("pg/postmaster.pid").exists());
        // The orphaned backends notice the postmaster's death and exit; the new
        // server refuses to start while they still hold the shared memory.
        let deadline = Instant::now() + Duration::from_secs(20);
        while Command::new("pgrep").arg("-f").arg(dir.0.join("pg")).output().is_ok_and(|o| !o.stdout.is_empty()) {
            assert!(Instant::now() < deadline, "orphaned backends did not exit");
            thread::sleep(Duration::from_millis(50));
        }
        let cluster = ManagedCluster::start(durable).expect("restart after crash");
        assert_eq!(psql(&cluster, "select n from kept"), "7");
        cluster.stop().expect("stop");
    }

    #[test]
    fn stale_pid_file_of_another_program_is_ignored() {
        let dir = TempDir::new();
        let cluster = ManagedCluster::start(options(&dir.0)).expect("start");
        cluster.stop().expect("stop");
        // A stale postmaster.pid whose pid now belongs to some other process
        // of the same user (the server would take it for a live postmaster).
        let mut other = Command::new("sleep").arg("30").spawn().expect("spawn sleep");
        let pid_file = dir.0.join("pg/postmaster.pid");
        let data = dir.0.join("pg");
        let text = format!("{}\n{}\n0\n5432\n/tmp\n\n0 0\nready   \n", other.id(), data.display());
        fs::write(&pid_file, text).expect("write pid file");
        let started = ManagedCluster::start(options(&dir.0));
        let _ = other.kill();
        let _ = other.wait();
        let cluster = started.expect("start with stale pid file");
        assert_eq!(psql(&cluster, "select 1"), "1");
        cluster.stop().expect("stop");
    }

    /// Run by `server_dies_with_its_parent` in a child process: starts a
    /// cluster, prints its pid and exits without running destructors.
    #[test]
    #[ignore = "helper, run by server_dies_with_its_parent"]
    fn helper_start_and_exit() {
        let Some(dir) = std::env::var_os("AFTERSALES_CLUSTER_HELPER_DIR") else {
            return;
        };
        let cluster = ManagedCluster::start(options(Path::new(&dir))).expect("start");
        println!("POSTMASTER_PID={}", cluster.pid());
        std::process::exit(0);
    }

    #[test]
    fn server_dies_with_its_parent() {
        let dir = TempDir::new();
        let module = module_path!().split_once("::").map_or("", |(_, rest)| rest);
        let out = Command::new(std::env::current_exe().expect("test binary"))
            .args([&format!("{module}::helper_start_and_exit"), "--exact", "--ignored", "--nocapture"])
            .env("AFTERSALES_CLUSTER_HELPER_DIR", &dir.0)
            .output()
            .expect("run helper");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let pid: i32 = stdout
            .lines()
            .find_map(|l| l.strip_prefix("POSTMASTER_PID="))
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no pid from helper: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
        let deadline = Instant::now() + Duration::from_secs(15);
        while process_alive(pid) {
            assert!(Instant::now() < deadline, "server {pid} outlived its parent");
            thread::sleep(Duration::from_millis(50));
        }
        // The folder is free again and the cluster intact.
        let cluster = ManagedCluster::start(options(&dir.0)).expect("restart");
        assert_eq!(psql(&cluster, "select 1"), "1");
        let pid = cluster.pid();
        cluster.stop().expect("stop");
        assert_no_server(pid, &dir.0);
    }

    #[test]
    fn missing_binaries_mention_database_url() {
        let dir = TempDir::new();
        let err = find_bin_dir(Some(&dir.0)).expect_err("empty bin dir");
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");

        let err = find_bin_dir_in(None, Some(dir.0.as_os_str()), &dir.0.join("nothing")).expect_err("nothing found");
        let message = err.to_string();
        assert!(matches!(err, ClusterError::NoBinaries { .. }), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
        assert!(message.contains("apt-get install postgresql"), "{message}");
    }

    #[test]
    fn finds_the_highest_version() {
        let dir = TempDir::new();
        for version in ["9.6", "13", "15", "not-a-version"] {
            let bin = dir.0.join(version).join("bin");
            fs::create_dir_all(&bin).expect("mkdir");
            for program in ["initdb", "postgres"] {
                fs::write(bin.join(program), "#!/bin/sh\n").expect("write");
                fs::set_permissions(bin.join(program), fs::Permissions::from_mode(0o755)).expect("chmod");
            }
        }
        let found = find_bin_dir_in(None, None, &dir.0).expect("found");
        assert_eq!(found, dir.0.join("15/bin"));
    }

    #[test]
    fn long_paths_get_a_short_socket_dir() {
        let short = Path::new("/tmp/x");
        assert_eq!(socket_dir_for(short), short.join("run"));
        let long = PathBuf::from(format!("/tmp/{}", "d".repeat(120)));
        let dir = socket_dir_for(&long);
        assert_eq!(dir, socket_dir_for(&long), "stable");
        let name = dir.to_str().expect("utf-8");
        assert!(name.starts_with("/tmp/aftersales-") && name.len() == "/tmp/aftersales-".len() + 16, "{name}");
        assert!(socket_path(&dir).as_os_str().len() < MAX_SOCKET_PATH);
    }

    #[test]
    fn starts_in_a_long_path() {
        let dir = TempDir::new();
        let data = dir.0.join("a-rather-long-folder-name-to-push-the-socket-path-past-the-limit-of-sun_path-x");
        let canonical = fs::canonicalize(&dir.0).expect("canonical").join(data.file_name().expect("name"));
        let socket_dir = TempDir(socket_dir_for(&canonical));
        let cluster = ManagedCluster::start(options(&data)).expect("start");
        assert_eq!(cluster.socket_dir(), socket_dir.0);
        let socket_dir = &socket_dir.0;
        assert!(socket_dir.to_string_lossy().starts_with("/tmp/aftersales-"), "{}", socket_dir.display());
        let meta = fs::metadata(cluster.socket_dir()).expect("socket dir");
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        assert_eq!(psql(&cluster, "select 1"), "1");
        cluster.stop().expect("stop");
    }

    #[test]
    fn url_encodes_the_socket_dir() {
        assert_eq!(percent_encode(b"/tmp/a b/@x&y", true), "/tmp/a%20b/%40x%26y");
        assert_eq!(percent_encode("票 1/2".as_bytes(), false), "%E7%A5%A8%201%2F2");
    }

    #[test]
    fn temp_dirs_of_dead_processes_are_removed() {
        let mut child = Command::new("true").spawn().expect("spawn true");
        let dead = child.id();
        child.wait().expect("wait");
        let prefix = format!("{PREFIX}-sweep{}", std::process::id());
        let stale = std::env::temp_dir().join(format!("{prefix}-{dead}-0123abcd"));
        let not_ours = std::env::temp_dir().join(format!("{prefix}-{dead}-keep.me"));
        fs::create_dir_all(&stale).expect("mkdir");
        fs::create_dir_all(&not_ours).expect("mkdir");
        let fresh = temp_data_dir(&prefix);
        assert!(!stale.exists(), "stale dir kept");
        assert!(not_ours.exists(), "unrelated dir removed");
        let meta = fs::metadata(&fresh).expect("fresh dir");
        assert_eq!(meta.permissions().mode() & 0o777, 0o755);
        let _ = fs::remove_dir_all(&fresh);
        let _ = fs::remove_dir_all(&not_ours);
    }
}
