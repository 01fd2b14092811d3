//! Harness for the Alliances browser tests (`tests/browser.rs`).
//!
//! One `alliances serve` process and one `chromedriver` process are shared by every test of a
//! test binary ([`harness`]); each test opens its own headless Chromium session with a fresh
//! profile ([`with_browser`]). The processes are stopped when the [`Harness`] is dropped or, for
//! the shared one (a `static`, never dropped), when the test process exits: each child runs
//! under a small `sh` guard that kills it as soon as the guard's standard input (a pipe held by
//! the test process) is closed.
//!
//! Environment:
//! - `ALLIANCES_BIN`: the server binary (default `<workspace>/target/debug/alliances`, or
//!   `$CARGO_TARGET_DIR/debug/alliances`);
//! - `E2E_DATABASE_URL`: when set, the server gets `--database-url` instead of a fresh
//!   `--data-dir`;
//! - `CHROMEDRIVER` (default `/usr/bin/chromedriver`), `CHROMIUM` (default `/usr/bin/chromium`).
//!
//! Logs and failure artifacts (screenshot and page source) go to `<target>/e2e/`.

use std::fs::{self, File, OpenOptions};
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, ensure, Context, Result};
pub use fantoccini::elements::Element;
pub use fantoccini::key::Key;
pub use fantoccini::{Client, Locator};
use serde_json::{json, Value};

/// How long the server may take to print its `listening on` line and then answer `/readyz`.
pub const SERVER_START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long chromedriver may take to answer `/status`.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// Default wait for an element or a navigation in the tests.
pub const WAIT: Duration = Duration::from_secs(10);

/// The axe-core rule tags every page must pass.
pub const AXE_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

// ---------------------------------------------------------------------------------------------
// Paths

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    dir.canonicalize().unwrap_or(dir)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` or `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// The server binary: `$ALLIANCES_BIN` or `<target>/debug/alliances`.
pub fn server_binary() -> PathBuf {
    match std::env::var_os("ALLIANCES_BIN") {
        Some(bin) if !bin.is_empty() => PathBuf::from(bin),
        _ => target_dir().join("debug").join("alliances"),
    }
}

/// Where logs and failure artifacts are written: `<target>/e2e`.
pub fn artifacts_dir() -> PathBuf {
    let dir = target_dir().join("e2e");
    let _ = fs::create_dir_all(&dir);
    dir
}

/// The axe-core script installed by `npm ci` in `crates/e2e`.
pub fn axe_script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js")
}

fn env_path(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(default),
    }
}

/// A new empty directory under the system temp dir (not removed on drop: the process guard
/// removes it, see [`Guarded`]).
fn unique_temp_dir(prefix: &str) -> Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// The last `lines` lines of a log file, for error messages.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    let mut out = format!("--- last lines of {} ---\n", path.display());
    for line in &all[start..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// `sh -c GUARD sh PROGRAM ARGS...`: starts PROGRAM in the background, in a session (and
/// process group) of its own when `setsid` exists, then waits for its own standard input to
/// reach end of file (the test process closed it or exited, even by a crash or Ctrl-C), then
/// stops PROGRAM's whole process group (TERM, then KILL after 5 s: chromedriver leaves the
/// browsers it started running when it gets TERM) and removes `$E2E_GUARD_CLEANUP`.
/// The guard hands its standard output over to PROGRAM alone, so that a reader sees end of
/// file as soon as PROGRAM exits.
const GUARD_SCRIPT: &str = r#"
if command -v setsid >/dev/null 2>&1; then
  setsid "$@" </dev/null &
  child=$!
  target="-$child"
else
  "$@" </dev/null &
  child=$!
  target="$child"
fi
exec >/dev/null
trap '' INT HUP
trap 'kill -KILL "$target" 2>/dev/null; exit 1' TERM
read -r _line || true
kill -TERM "$target" 2>/dev/null
i=0
while kill -0 "$child" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$target" 2>/dev/null
wait "$child" 2>/dev/null
if [ -n "${E2E_GUARD_CLEANUP:-}" ]; then rm -rf "$E2E_GUARD_CLEANUP"; fi
exit 0
"#;

/// A child process running under the [`GUARD_SCRIPT`] guard.
struct Guarded {
    name: String,
    guard: Mutex<Child>,
    stdin: Mutex<Option<ChildStdin>>,
}

impl Guarded {
    /// Spawns `command` (program and arguments) under the guard. `configure` sets the working
    /// directory, environment and stdout/stderr; stdin is the guard's pipe.
    fn spawn(
        name: &str,
        program: &Path,
        args: &[String],
        cleanup: Option<&Path>,
        configure: impl FnOnce(&mut Command),
    ) -> Result<Guarded> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(GUARD_SCRIPT)
            .arg("sh")
            .arg(program)
            .args(args);
        cmd.stdin(Stdio::piped());
        if let Some(dir) = cleanup {
            cmd.env("E2E_GUARD_CLEANUP", dir);
        }
        configure(&mut cmd);
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {name} ({})", program.display()))?;
        let stdin = child.stdin.take();
        Ok(Guarded {
            name: name.to_owned(),
            guard: Mutex::new(child),
            stdin: Mutex::new(stdin),
        })
    }

    /// Stops the child (closes the guard's stdin) and waits for the guard, at most 10 s.
    fn stop(&self) {
        drop(self.stdin.lock().map(|mut s| s.take()));
        let Ok(mut guard) = self.guard.lock() else {
            return;
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match guard.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) if Instant::now() >= deadline => {
                    eprintln!("e2e: {} did not stop in time, killing its guard", self.name);
                    let _ = guard.kill();
                    let _ = guard.wait();
                    return;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a free port")?;
    Ok(listener.local_addr()?.port())
}

// ---------------------------------------------------------------------------------------------
// Minimal HTTP client (blocking, HTTP/1.1, `Connection: close`), for readiness probes and
// status-code checks: no async runtime is needed, so it works inside `OnceLock` initialisers.

/// A response of [`http_get`].
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Raw head (status line and headers).
    pub head: String,
    /// Body bytes (de-chunked; not decompressed: no `Accept-Encoding` is sent).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// `GET url` where url is `http://host:port/path?query`.
pub fn http_get(url: &str) -> Result<HttpResponse> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("only http:// URLs are supported: {url}"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = authority
        .to_socket_addrs()
        .with_context(|| format!("resolving {authority}"))?
        .next()
        .ok_or_else(|| anyhow!("no address for {authority}"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .with_context(|| format!("connecting to {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )?;
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .with_context(|| format!("reading the response of GET {url}"))?;
        ensure!(n > 0, "incomplete HTTP response to GET {url}: {head:?}");
        let line = String::from_utf8_lossy(&line);
        if line.trim_end().is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("bad status line in response to GET {url}: {head:?}"))?;
    let mut response = HttpResponse {
        status,
        head,
        body: Vec::new(),
    };
    // Servers may keep the connection open despite `Connection: close` (chromedriver does):
    // read exactly the announced body.
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let length = response
        .header("content-length")
        .and_then(|l| l.parse::<usize>().ok());
    if chunked {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size_hex = size_line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size_hex, 16)
                .with_context(|| format!("bad chunk size {size_line:?} in GET {url}"))?;
            if size == 0 {
                break;
            }
            let start = response.body.len();
            response.body.resize(start + size, 0);
            reader.read_exact(&mut response.body[start..])?;
            let mut crlf = String::new();
            reader.read_line(&mut crlf)?;
        }
    } else if let Some(length) = length {
        response.body.resize(length, 0);
        reader.read_exact(&mut response.body)?;
    } else if status != 204 && status != 304 {
        reader.read_to_end(&mut response.body)?;
    }
    Ok(response)
}

/// Polls `GET url` until it answers 200 or the deadline passes.
fn wait_http_ok(url: &str, deadline: Instant, alive: impl Fn() -> Result<()>) -> Result<()> {
    loop {
        let last = match http_get(url) {
            Ok(resp) if resp.status == 200 => return Ok(()),
            Ok(resp) => format!("status {}", resp.status),
            Err(e) => format!("{e:#}"),
        };
        alive()?;
        if Instant::now() >= deadline {
            bail!("GET {url} did not answer 200 in time (last: {last})");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

// ---------------------------------------------------------------------------------------------
// The server

/// A running `alliances serve`.
pub struct Server {
    base_url: String,
    log: PathBuf,
    process: Guarded,
    data_dir: PathBuf,
}

impl Server {
    /// Starts `alliances serve --bind 127.0.0.1:0 --data-dir <fresh temp dir>` (or
    /// `--database-url $E2E_DATABASE_URL`), reads the `listening on http://127.0.0.1:PORT` line
    /// from its stdout and waits until `GET /readyz` answers 200.
    pub fn start() -> Result<Server> {
        let bin = server_binary();
        ensure!(
            bin.is_file(),
            "server binary {} not found: run `cargo build -p alliances-cli` first (or set ALLIANCES_BIN)",
            bin.display()
        );
        let data_dir = unique_temp_dir("alliances-e2e-data")?;
        let mut args: Vec<String> = vec!["serve".into(), "--bind".into(), "127.0.0.1:0".into()];
        match std::env::var("E2E_DATABASE_URL") {
            Ok(url) if !url.is_empty() => args.extend(["--database-url".into(), url]),
            _ => args.extend(["--data-dir".into(), data_dir.display().to_string()]),
        }
        let log = artifacts_dir().join("server.log");
        File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let open_log = || OpenOptions::new().append(true).open(&log);
        let stderr = open_log()?;
        let started = Instant::now();
        let process = Guarded::spawn("alliances serve", &bin, &args, Some(&data_dir), |cmd| {
            cmd.current_dir(workspace_root())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(stderr));
        })?;
        let stdout = process
            .guard
            .lock()
            .map_err(|_| anyhow!("poisoned"))?
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no stdout pipe"))?;

        // Drain stdout into the log for the whole life of the server (a full pipe would block
        // it), and hand the first `listening on` URL over.
        let (tx, rx) = mpsc::channel::<String>();
        let mut log_writer = open_log()?;
        std::thread::Builder::new()
            .name("alliances-stdout".into())
            .spawn(move || {
                let mut tx = Some(tx);
                for line in BufReader::new(stdout).split(b'\n') {
                    let Ok(line) = line else { break };
                    let line = String::from_utf8_lossy(&line).into_owned();
                    let _ = writeln!(log_writer, "{line}");
                    if let Some(url) = parse_listening_line(&line) {
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(url);
                        }
                    }
                }
            })?;

        let deadline = started + SERVER_START_TIMEOUT;
        let base_url = match rx.recv_timeout(SERVER_START_TIMEOUT) {
            Ok(url) => url,
            Err(mpsc::RecvTimeoutError::Timeout) => bail!(
                "the server printed no `listening on http://127.0.0.1:PORT` line on stdout within {:?}\n{}",
                SERVER_START_TIMEOUT,
                log_tail(&log, 40)
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => bail!(
                "the server exited before printing `listening on http://127.0.0.1:PORT` ({} {})\n{}",
                bin.display(),
                args.join(" "),
                log_tail(&log, 40)
            ),
        };
        let server = Server {
            base_url,
            log,
            process,
            data_dir: data_dir.clone(),
        };
        let alive = || -> Result<()> {
            match server.process.guard.lock() {
                Ok(mut g) => match g.try_wait() {
                    Ok(Some(status)) => bail!("the server's guard exited ({status})"),
                    _ => Ok(()),
                },
                Err(_) => Ok(()),
            }
        };
        wait_http_ok(&server.url("/readyz"), deadline, alive)
            .map_err(|e| anyhow!("{e:#}\n{}", log_tail(&server.log, 40)))?;
        eprintln!(
            "e2e: server ready at {} in {:.1?} (log: {})",
            server.base_url,
            started.elapsed(),
            server.log.display()
        );
        Ok(server)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The server's data folder (its demo outbox is `outbox/` in it).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Waits for an e-mail to `to` in the server's outbox and returns the path of the first link
    /// in it that starts with `prefix` (e.g. `/compte/verification/`).
    pub fn wait_for_email_link(&self, to: &str, prefix: &str) -> Result<String> {
        let outbox = self.data_dir.join("outbox");
        let deadline = Instant::now() + WAIT * 2;
        loop {
            if let Ok(entries) = std::fs::read_dir(&outbox) {
                for entry in entries.flatten() {
                    let Ok(raw) = std::fs::read_to_string(entry.path()) else {
                        continue;
                    };
                    // Undo quoted-printable soft line breaks; the links are plain ASCII.
                    let text = raw.replace("=\r\n", "").replace("=\n", "");
                    let addressed = text
                        .lines()
                        .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(to));
                    if !addressed {
                        continue;
                    }
                    if let Some(at) = text.find(prefix) {
                        let link: String = text[at..]
                            .chars()
                            .take_while(|c| !c.is_whitespace())
                            .collect();
                        return Ok(link);
                    }
                }
            }
            ensure!(
                Instant::now() < deadline,
                "no e-mail to {to} with a link {prefix}… in {}",
                outbox.display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The server's log file (stdout and stderr).
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Stops the server (also done on drop).
    pub fn stop(&self) {
        self.process.stop();
    }
}

/// Extracts `http://127.0.0.1:PORT` from a line containing `listening on http://127.0.0.1:PORT`
/// (anything may precede it, such as a log prefix; a trailing `/` is dropped).
pub fn parse_listening_line(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("listening on ")?;
    let url = rest.split_whitespace().next()?;
    let url = url.trim_end_matches(['/', '"', '\'', ',', ')']);
    let authority = url.strip_prefix("http://")?;
    let (_, port) = authority.rsplit_once(':')?;
    port.parse::<u16>().ok().filter(|p| *p != 0)?;
    Some(url.to_owned())
}

// ---------------------------------------------------------------------------------------------
// ChromeDriver and browser sessions

/// A running `chromedriver`.
pub struct ChromeDriver {
    url: String,
    /// Parent of the browser profiles, removed with chromedriver by its guard.
    profiles: PathBuf,
    process: Guarded,
}

impl ChromeDriver {
    /// Starts `chromedriver --port=<free port>` and waits until `/status` answers.
    pub fn start() -> Result<ChromeDriver> {
        let bin = env_path("CHROMEDRIVER", "/usr/bin/chromedriver");
        ensure!(
            bin.is_file(),
            "{} not found: install Debian's chromium and chromium-driver packages (or set CHROMEDRIVER)",
            bin.display()
        );
        let port = free_port()?;
        let log = artifacts_dir().join("chromedriver.log");
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let profiles = unique_temp_dir("alliances-e2e-chromium")?;
        let started = Instant::now();
        let process = Guarded::spawn(
            "chromedriver",
            &bin,
            &[format!("--port={port}")],
            Some(&profiles),
            |cmd| {
                cmd.stdout(Stdio::from(out)).stderr(Stdio::from(err));
            },
        )?;
        let url = format!("http://127.0.0.1:{port}");
        let driver = ChromeDriver {
            url,
            profiles,
            process,
        };
        let alive = || -> Result<()> {
            match driver.process.guard.lock() {
                Ok(mut g) => match g.try_wait() {
                    Ok(Some(status)) => bail!("chromedriver's guard exited ({status})"),
                    _ => Ok(()),
                },
                Err(_) => Ok(()),
            }
        };
        wait_http_ok(
            &format!("{}/status", driver.url),
            started + DRIVER_START_TIMEOUT,
            alive,
        )
        .map_err(|e| anyhow!("chromedriver did not start: {e:#}\n{}", log_tail(&log, 20)))?;
        Ok(driver)
    }

    /// `http://127.0.0.1:PORT` of the WebDriver endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops chromedriver (also done on drop).
    pub fn stop(&self) {
        self.process.stop();
    }

    /// Opens a new headless Chromium session with a fresh profile directory.
    pub async fn new_session(&self) -> Result<Browser> {
        let chromium = env_path("CHROMIUM", "/usr/bin/chromium");
        ensure!(
            chromium.is_file(),
            "{} not found: install Debian's chromium package (or set CHROMIUM)",
            chromium.display()
        );
        let profile = tempfile::Builder::new()
            .prefix("profile-")
            .tempdir_in(&self.profiles)?;
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "script": 60_000, "pageLoad": 60_000, "implicit": 0 },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()),
                    "--window-size=1280,900",
                ],
            },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = fantoccini::ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .map_err(|e| anyhow!("opening a Chromium session through {}: {e}", self.url))?;
        Ok(Browser {
            client,
            _profile: profile,
        })
    }
}

/// A browser session and its profile directory (removed on drop).
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

/// The server and chromedriver of a test binary.
pub struct Harness {
    pub server: Server,
    pub driver: ChromeDriver,
}

impl Harness {
    /// Starts both processes.
    pub fn start() -> Result<Harness> {
        let server = Server::start()?;
        let driver = ChromeDriver::start()?;
        Ok(Harness { server, driver })
    }

    /// The absolute URL of `path` on the server.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

/// The harness shared by the tests of this process, started on first use (blocking). If it
/// fails to start, every test using it panics with the reason.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<std::result::Result<Harness, String>> = OnceLock::new();
    match HARNESS.get_or_init(|| Harness::start().map_err(|e| format!("{e:#}"))) {
        Ok(h) => h,
        Err(e) => panic!("the e2e harness could not start:\n{e}"),
    }
}

/// Runs `test` with a fresh browser session on the shared harness, then closes the session.
/// When the test fails (error or panic), a screenshot and the page source are saved to
/// `<target>/e2e/<name>.png|.html` first.
pub async fn with_browser<F, Fut>(name: &str, test: F) -> Result<()>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let h = harness();
    let browser = h.driver.new_session().await?;
    let client = browser.client.clone();
    let outcome = tokio::spawn(test(client.clone())).await;
    let failed = !matches!(outcome, Ok(Ok(())));
    if failed {
        save_artifacts(&client, name).await;
    }
    if let Err(e) = client.close().await {
        eprintln!("e2e: closing the browser session failed: {e}");
    }
    drop(browser);
    match outcome {
        Ok(result) => result.with_context(|| format!("e2e test {name} failed")),
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(join) => Err(anyhow!("e2e test {name} was cancelled: {join}")),
    }
}

async fn save_artifacts(client: &Client, name: &str) {
    let dir = artifacts_dir();
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|e| format!("(unknown: {e})"));
    if let Ok(png) = client.screenshot().await {
        let _ = fs::write(dir.join(format!("{name}.png")), png);
    }
    if let Ok(html) = client.source().await {
        let _ = fs::write(dir.join(format!("{name}.html")), html);
    }
    eprintln!(
        "e2e: {name} failed at {url}; screenshot and page source in {}/{name}.{{png,html}}, server log in {}",
        dir.display(),
        dir.join("server.log").display()
    );
}

// ---------------------------------------------------------------------------------------------
// Page helpers

/// Navigates to `path` on the shared server.
pub async fn goto(client: &Client, path: &str) -> Result<()> {
    let url = harness().url(path);
    client
        .goto(&url)
        .await
        .with_context(|| format!("navigating to {url}"))
}

/// Waits (up to [`WAIT`]) for an element matching the CSS selector.
pub async fn wait_for(client: &Client, css: &str) -> Result<Element> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("no element matches `{css}` (waited {WAIT:?})"))
}

/// The element matching `css`, now (no wait).
pub async fn find(client: &Client, css: &str) -> Result<Element> {
    client
        .find(Locator::Css(css))
        .await
        .with_context(|| format!("no element matches `{css}`"))
}

/// Every element matching `css`.
pub async fn find_all(client: &Client, css: &str) -> Result<Vec<Element>> {
    client
        .find_all(Locator::Css(css))
        .await
        .with_context(|| format!("looking for `{css}`"))
}

/// Polls `check` every 100 ms until it returns `Some`, for at most `timeout`.
pub async fn wait_until<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let last = match check().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => None,
            Err(e) => Some(e),
        };
        if Instant::now() >= deadline {
            return Err(match last {
                Some(e) => e.context(format!("timed out waiting for {what}")),
                None => anyhow!("timed out after {timeout:?} waiting for {what}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the current URL's path is `path`; returns the URL.
pub async fn wait_for_path(client: &Client, path: &str) -> Result<url::Url> {
    let result = wait_until(WAIT, &format!("navigation to {path}"), || async {
        let url = client.current_url().await?;
        Ok((url.path() == path).then_some(url))
    })
    .await;
    match result {
        Ok(url) => Ok(url),
        Err(e) => {
            let now = client.current_url().await.map(|u| u.to_string());
            Err(e.context(format!("current URL: {}", now.unwrap_or_default())))
        }
    }
}

/// The `lang` attribute of the root `<html>` element.
pub async fn html_lang(client: &Client) -> Result<Option<String>> {
    Ok(find(client, "html").await?.attr("lang").await?)
}

/// Collapses whitespace (including no-break spaces) to single spaces and trims.
pub fn squash(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lower-case, accent-free, whitespace-squashed form of French text, for lenient comparisons.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in squash(s).chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' => out.push('i'),
            'ô' | 'ö' | 'ó' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ç' => out.push('c'),
            'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '\u{2019}' | '\u{2018}' => out.push('\''),
            '\u{2010}' | '\u{2011}' | '\u{2013}' => out.push('-'),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// axe-core

/// Injects axe-core into the current page, runs it with the WCAG 2.0/2.1 A and AA rules
/// ([`AXE_TAGS`]) and fails with the list of every violation, if any.
///
/// Panics when axe-core is not installed (`npm ci` in `crates/e2e`).
pub async fn axe_check(client: &Client) -> Result<()> {
    let path = axe_script_path();
    let source = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing ({}: {e}): run `npm ci` in crates/e2e",
            path.display()
        )
    });
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let loaded = client
        .execute(
            &format!("{source}\n;return typeof window.axe === 'object' && typeof window.axe.run === 'function';"),
            vec![],
        )
        .await
        .context("injecting axe-core into the page")?;
    ensure!(
        loaded == Value::Bool(true),
        "axe-core did not load in {url} (window.axe missing after injection: is the page's CSP blocking it?)"
    );
    let result = client
        .execute_async(
            r#"
            const [tags, done] = arguments;
            window.axe
              .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
              .then(
                (r) => done({
                  ok: true,
                  violations: r.violations.map((v) => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    helpUrl: v.helpUrl,
                    nodes: v.nodes.map((n) => ({
                      target: n.target,
                      html: n.html,
                      summary: n.failureSummary,
                    })),
                  })),
                }),
                (e) => done({ ok: false, error: String(e && e.stack ? e.stack : e) }),
              );
            "#,
            vec![json!(AXE_TAGS)],
        )
        .await
        .context("running axe-core")?;
    if result["ok"] != Value::Bool(true) {
        bail!("axe-core failed on {url}: {}", result["error"]);
    }
    let violations = result["violations"]
        .as_array()
        .ok_or_else(|| anyhow!("unexpected axe-core result: {result}"))?;
    if violations.is_empty() {
        return Ok(());
    }
    bail!("{}", format_violations(&url, violations))
}

/// A readable report of axe-core violations.
pub fn format_violations(url: &str, violations: &[Value]) -> String {
    let mut out = format!(
        "axe-core: {} accessibility violation(s) ({}) on {url}:\n",
        violations.len(),
        AXE_TAGS.join(", ")
    );
    for v in violations {
        let str_of = |k: &str| v[k].as_str().unwrap_or("?").to_owned();
        out.push_str(&format!(
            "- {} [{}]: {} ({})\n",
            str_of("id"),
            str_of("impact"),
            str_of("help"),
            str_of("helpUrl")
        ));
        for node in v["nodes"].as_array().into_iter().flatten() {
            let target = match &node["target"] {
                Value::Array(parts) => parts
                    .iter()
                    .map(|p| match p {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" >>> "),
                other => other.to_string(),
            };
            let html: String = node["html"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            out.push_str(&format!("    at `{target}`: {html}\n"));
            if let Some(summary) = node["summary"].as_str() {
                for line in summary.lines() {
                    out.push_str(&format!("      {line}\n"));
                }
            }
        }
    }
    out
}

/// Fills the form fields `#champ-<name>` and submits the page's `form.formulaire`.
pub async fn fill(c: &Client, fields: &[(&str, &str)]) -> Result<()> {
    for (name, value) in fields {
        let input = find(c, &format!("#champ-{name}"))
            .await
            .with_context(|| format!("field {name}"))?;
        input.clear().await?;
        input.send_keys(value).await?;
    }
    find(c, "form.formulaire button[type=\"submit\"]")
        .await?
        .click()
        .await?;
    Ok(())
}

/// The text of the page's `<main>`.
pub async fn main_text(c: &Client) -> Result<String> {
    Ok(find(c, "main").await?.text().await?)
}

/// Waits until the page's main content shows `needle` (the form posts, then the answer loads).
pub async fn wait_for_text(c: &Client, needle: &str) -> Result<()> {
    wait_until(WAIT, needle, || async {
        Ok(match c.find(Locator::Css("main")).await {
            Ok(main) => main
                .text()
                .await
                .ok()
                .filter(|t| t.contains(needle))
                .map(|_| ()),
            Err(_) => None,
        })
    })
    .await
}

/// First setup as a data steward does it: `alliances admin create-user` makes an admin account
/// and prints a link; the browser sets the password through it, then logs in.
pub async fn admin_logged_in(c: &Client, email: &str, name: &str, password: &str) -> Result<()> {
    let out = std::process::Command::new(server_binary())
        .args([
            "admin",
            "create-user",
            "--email",
            email,
            "--name",
            name,
            "--data-dir",
        ])
        .arg(harness().server.data_dir())
        .env("ALLIANCES_LOG", "warn")
        .output()?;
    ensure!(
        out.status.success(),
        "admin create-user: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let link = stdout
        .split_whitespace()
        .find(|w| w.contains("/compte/reinitialisation/"))
        .context("a link in the output")?;
    let path = format!(
        "/compte/reinitialisation/{}",
        link.rsplit('/').next().unwrap_or("")
    );
    goto(c, &path).await?;
    fill(c, &[("mot_de_passe", password)]).await?;
    wait_for_text(c, "Votre mot de passe est changé").await?;
    goto(c, "/compte/connexion").await?;
    fill(c, &[("email", email), ("mot_de_passe", password)]).await?;
    wait_for_path(c, "/compte").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_line() {
        assert_eq!(
            parse_listening_line("listening on http://127.0.0.1:4321").as_deref(),
            Some("http://127.0.0.1:4321")
        );
        assert_eq!(
            parse_listening_line(
                "2026-01-01T00:00:00Z INFO alliances: listening on http://127.0.0.1:80/ (pid 3)"
            )
            .as_deref(),
            Some("http://127.0.0.1:80")
        );
        assert_eq!(
            parse_listening_line("listening on http://127.0.0.1:0"),
            None
        );
        assert_eq!(parse_listening_line("starting"), None);
    }

    #[test]
    fn folding() {
        assert_eq!(
            fold(" Saint-Étienne\u{a0} Métropole "),
            "saint-etienne metropole"
        );
        assert_eq!(fold("Fil d’Ariane"), "fil d'ariane");
    }
}
