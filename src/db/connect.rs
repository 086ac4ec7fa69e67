//! Connecting to PostgreSQL: the one place a connection is made (the pool, migrations, creating databases), with
//! libpq's TLS settings in the URL honoured, by rustls.
//!
//! tokio-postgres's parser knows `sslmode` disable/prefer/require only, and no `sslrootcert`, so both are taken out of
//! the URL here and the rest is handed to it. libpq's meaning of the modes:
//!
//! * `disable`: no TLS;
//! * `prefer` (the default): TLS if the server offers it, else plain; the certificate is not checked;
//! * `require`: TLS or nothing; the certificate is not checked (but with a CA file it is, like `verify-ca`);
//! * `verify-ca`: TLS, the certificate must chain to the CA;
//! * `verify-full`: as `verify-ca`, and it must be for the host name in the URL.
//!
//! The CA is `sslrootcert=` in the URL, else the `--database-ca-file` setting, else (`verify-*` without a CA file, or
//! `sslrootcert=system`) the web PKI roots bundled by webpki-roots (Mozilla's list; not the system's store). Like
//! libpq, TLS settings are ignored for Unix-socket hosts (the managed cluster). Not supported: `sslmode=allow`, client
//! certificates (`sslcert`/`sslkey`), CRLs; libpq's default `~/.postgresql/root.crt` is not read.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use diesel_async::AsyncPgConnection;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::Host;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::redact;

/// Used when the URL has no `connect_timeout`: a wrong host or port fails in seconds, not minutes.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variable of the CA file setting (`--database-ca-file`), for messages.
pub const CA_FILE_ENV: &str = "AFTERSALES_DATABASE_CA_FILE";

/// libpq's `sslmode` values that we support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, String> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            "allow" => return Err("sslmode=allow is not supported; use prefer or require".into()),
            other => {
                return Err(format!("unknown sslmode={other}; use disable, prefer, require, verify-ca or verify-full"));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the certificates that the server's must chain to come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaSource {
    /// `sslrootcert=FILE` in the URL.
    Url(PathBuf),
    /// `--database-ca-file` / `AFTERSALES_DATABASE_CA_FILE`.
    Setting(PathBuf),
    /// `sslrootcert=system`: the bundled web PKI roots, asked for.
    System,
    /// No CA file: the bundled web PKI roots (used by `verify-*` only).
    WebPki,
}

impl CaSource {
    fn file(&self) -> Option<(&Path, String)> {
        match self {
            CaSource::Url(path) => Some((path, "sslrootcert in DATABASE_URL".into())),
            CaSource::Setting(path) => Some((path, CA_FILE_ENV.into())),
            CaSource::System | CaSource::WebPki => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            CaSource::Url(path) => format!("CA from sslrootcert={} in DATABASE_URL", path.display()),
            CaSource::Setting(path) => format!("CA from {CA_FILE_ENV}={}", path.display()),
            CaSource::System => "CA from the bundled web PKI roots (sslrootcert=system)".into(),
            CaSource::WebPki => format!("CA from the bundled web PKI roots; no {CA_FILE_ENV}"),
        }
    }
}

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// A URL without its libpq TLS parameters, and their values.
#[derive(Debug, PartialEq, Eq)]
struct TlsParams {
    rest: String,
    sslmode: Option<String>,
    sslrootcert: Option<String>,
}

/// Takes `sslmode` and `sslrootcert` out of a `postgres://` URL's query or a `key=value` connection string.
fn split_tls_params(url: &str) -> Result<TlsParams, String> {
    let mut params = TlsParams { rest: String::new(), sslmode: None, sslrootcert: None };
    let mut take = |key: &str, value: String| -> Result<bool, String> {
        match key {
            "sslmode" => params.sslmode = Some(value),
            "sslrootcert" => params.sslrootcert = Some(value),
            "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" => {
                return Err(format!("{key} is not supported (no client certificates or CRLs)"));
            }
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if let Some(scheme_end) = ["postgres://", "postgresql://"].iter().find_map(|p| url.strip_prefix(p)) {
        // As tokio-postgres reads it: user info up to the first `@`, then the query after the first `?`.
        let start = url.len() - scheme_end.len();
        let after_at = scheme_end.find('@').map_or(start, |at| start + at + 1);
        match url[after_at..].find('?').map(|q| after_at + q) {
            None => url.to_owned(),
            Some(q) => {
                let mut kept = Vec::new();
                for pair in url[q + 1..].split('&') {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(&percent_decode(key)?, percent_decode(value)?)? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() { url[..q].to_owned() } else { format!("{}?{}", &url[..q], kept.join("&")) }
            }
        }
    } else {
        let mut kept = Vec::new();
        for (key, value, raw) in keyword_values(url)? {
            if !take(key, value)? {
                kept.push(raw);
            }
        }
        kept.join(" ")
    };
    params.rest = rest;
    Ok(params)
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or_else(|| format!("bad percent-encoding in {text:?}"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{text:?} is not UTF-8 when decoded"))
}

/// libpq's `key = value` form: values unquoted or in single quotes, `\` escaping the next character. Each parameter
/// with its decoded value and its text as written.
fn keyword_values(text: &str) -> Result<Vec<(&str, String, &str)>, String> {
    let bytes = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut found = Vec::new();
    let mut i = skip_ws(0);
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &text[start..i];
        i = skip_ws(i);
        if bytes.get(i) != Some(&b'=') {
            return Err(format!("missing \"=\" after {key:?} in the connection string"));
        }
        i = skip_ws(i + 1);
        let mut value = Vec::new();
        let quoted = bytes.get(i) == Some(&b'\'');
        if quoted {
            i += 1;
        }
        loop {
            match bytes.get(i) {
                None if quoted => return Err(format!("unterminated quoted value of {key:?}")),
                None => break,
                Some(b'\'') if quoted => {
                    i += 1;
                    break;
                }
                Some(c) if !quoted && c.is_ascii_whitespace() => break,
                Some(b'\\') if i + 1 < bytes.len() => {
                    value.push(bytes[i + 1]);
                    i += 2;
                }
                Some(&c) => {
                    value.push(c);
                    i += 1;
                }
            }
        }
        let value = String::from_utf8(value).map_err(|_| format!("the value of {key:?} is not UTF-8"))?;
        found.push((key, value, &text[start..i]));
        i = skip_ws(i);
    }
    Ok(found)
}

/// A database URL read once: what tokio-postgres is given and how the server's certificate is checked. Cheap to
/// clone (the pool keeps one for every new connection).
#[derive(Clone)]
pub struct ConnectOptions {
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    mode: SslMode,
    mode_given: bool,
    ca: CaSource,
    check: Check,
    target: String,
    timeout: Duration,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions").field("target", &self.target).field("tls", &self.tls_context()).finish()
    }
}

impl ConnectOptions {
    /// Reads `url` (`postgres://…` or `key=value …`), with `ca_file` from the settings; loads the CA file if the
    /// mode needs one. Errors name the setting at fault.
    pub fn parse(url: &str, ca_file: Option<&Path>) -> anyhow::Result<ConnectOptions> {
        let target = redact(url);
        let params = split_tls_params(url).map_err(|e| anyhow!("DATABASE_URL {target}: {e}"))?;
        let mode_given = params.sslmode.is_some();
        let mut mode = match params.sslmode.as_deref() {
            Some(value) => SslMode::parse(value).map_err(|e| anyhow!("DATABASE_URL {target}: {e}"))?,
            None => SslMode::Prefer,
        };
        let ca = match (params.sslrootcert, ca_file) {
            (Some(system), _) if system == "system" => {
                // As libpq: the system roots are only worth anything with the host name checked.
                if !mode_given {
                    mode = SslMode::VerifyFull;
                }
                anyhow::ensure!(
                    mode == SslMode::VerifyFull,
                    "DATABASE_URL {target}: sslrootcert=system needs sslmode=verify-full, not sslmode={}",
                    mode.as_str()
                );
                CaSource::System
            }
            (Some(file), _) => CaSource::Url(PathBuf::from(file)),
            (None, Some(file)) => CaSource::Setting(file.to_path_buf()),
            (None, None) => CaSource::WebPki,
        };
        let mut config: tokio_postgres::Config = params
            .rest
            .parse()
            .map_err(|e| anyhow!("DATABASE_URL {target} is not a valid PostgreSQL URL: {}", chain(&e)))?;
        let unix_only = !config.get_hosts().is_empty() && config.get_hosts().iter().all(|h| matches!(h, Host::Unix(_)));
        let has_ca_file = ca.file().is_some();
        let check = match mode {
            _ if unix_only => Check::Nothing,
            SslMode::Disable => Check::Nothing,
            SslMode::Prefer | SslMode::Require if has_ca_file => Check::Chain,
            SslMode::Prefer | SslMode::Require => Check::Nothing,
            SslMode::VerifyCa => Check::Chain,
            SslMode::VerifyFull => Check::ChainAndName,
        };
        config.ssl_mode(match mode {
            _ if unix_only => tokio_postgres::config::SslMode::Disable,
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => tokio_postgres::config::SslMode::Require,
        });
        let timeout = *config.get_connect_timeout().unwrap_or(&DEFAULT_CONNECT_TIMEOUT);
        config.connect_timeout(timeout);
        let tls = MakeRustlsConnect::new(client_config(check, &ca)?);
        Ok(ConnectOptions { config, tls, mode, mode_given, ca, check, target, timeout })
    }

    /// The server ends a statement of these connections after `statement` and a session idle in a transaction
    /// after `idle_in_transaction` (as `-c` options of the startup packet, after any `options=` of the URL).
    pub fn session_limits(&mut self, statement: Duration, idle_in_transaction: Duration) -> &mut Self {
        let given = self.config.get_options().unwrap_or_default().trim().to_owned();
        let limits = format!(
            "-c statement_timeout={} -c idle_in_transaction_session_timeout={}",
            statement.as_millis(),
            idle_in_transaction.as_millis()
        );
        self.config.options(if given.is_empty() { limits } else { format!("{given} {limits}") });
        self
    }

    /// The connect timeout: the URL's `connect_timeout`, else [`DEFAULT_CONNECT_TIMEOUT`].
    pub fn connect_timeout(&self) -> Duration {
        self.timeout
    }

    /// The one way this app connects: TLS as the URL says, within the connect timeout.
    pub async fn connect(&self) -> anyhow::Result<AsyncPgConnection> {
        let hosts = self.config.get_hosts().len().max(1) as u32;
        // tokio-postgres's timeout covers the TCP connect only; this one covers TLS and authentication too.
        let limit = self.timeout * hosts;
        let attempt = async {
            let (client, connection) = self.config.connect(self.tls.clone()).await.map_err(|e| self.explain(&e))?;
            AsyncPgConnection::try_from_client_and_connection(client, connection)
                .await
                .map_err(|e| anyhow!("setting up the connection to the database at {}: {e}", self.target))
        };
        match tokio::time::timeout(limit, attempt).await {
            Ok(result) => result,
            Err(_) => Err(anyhow!(
                "cannot connect to the database at {}: no answer within {} s (connect_timeout); \
                 check the host and port in DATABASE_URL",
                self.target,
                limit.as_secs()
            )),
        }
    }

    /// What the TLS settings are, for messages: `DATABASE_URL sslmode=…, CA from …`.
    fn tls_context(&self) -> String {
        let default = if self.mode_given { "" } else { " (the default)" };
        let ca = match self.check {
            Check::Nothing => "certificate not verified".into(),
            Check::Chain | Check::ChainAndName => self.ca.describe(),
        };
        format!("DATABASE_URL sslmode={}{default}, {ca}", self.mode.as_str())
    }

    fn explain(&self, error: &tokio_postgres::Error) -> anyhow::Error {
        let context = self.tls_context();
        if let Some(tls) = rustls_error(error) {
            return match tls {
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
                ) => anyhow!("the database server's certificate is not valid for the host name ({context}): {tls}"),
                rustls::Error::InvalidCertificate(_) => {
                    anyhow!("the database server's certificate is not trusted ({context}): {tls}")
                }
                _ => anyhow!("the TLS handshake with the database server failed ({context}): {tls}"),
            };
        }
        let text = chain(error);
        if text.contains("server does not support TLS") {
            return anyhow!(
                "cannot connect to the database at {}: the server does not accept TLS (sslmode={})",
                self.target,
                self.mode.as_str()
            );
        }
        anyhow!("cannot connect to the database at {}: {text}", self.target)
    }
}

/// An error and its causes on one line (tokio-postgres's own message is only the kind, e.g. "db error").
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        next = cause.source();
    }
    text
}

/// The rustls error under a tokio-postgres one (rustls's errors come wrapped in an `io::Error`, whose `source()`
/// skips them).
fn rustls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(tls) =
            e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).and_then(|inner| inner.downcast_ref())
        {
            return Some(tls);
        }
        next = e.source();
    }
    None
}

fn client_config(check: Check, ca: &CaSource) -> anyhow::Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let chain = match check {
        Check::Nothing => None,
        Check::Chain | Check::ChainAndName => Some(
            WebPkiServerVerifier::builder_with_provider(Arc::new(root_store(ca)?), provider.clone())
                .build()
                .map_err(|e| anyhow!("the database CA ({}): {e}", ca.describe()))?,
        ),
    };
    let verifier = Arc::new(Verifier { chain, check_name: check == Check::ChainAndName, algorithms });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // PostgreSQL 17 checks it (and needs it for sslnegotiation=direct); older servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(config)
}

fn root_store(ca: &CaSource) -> anyhow::Result<RootCertStore> {
    let Some((path, setting)) = ca.file() else {
        return Ok(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    };
    let file = path.display();
    let pem = std::fs::read(path).map_err(|e| anyhow!("cannot read the database CA file {file} ({setting}): {e}"))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| anyhow!("the database CA file {file} ({setting}) is not valid PEM: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| anyhow!("the database CA file {file} ({setting}) holds an unusable certificate: {e}"))?;
    }
    anyhow::ensure!(
        !roots.is_empty(),
        "the database CA file {file} ({setting}) holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
    );
    Ok(roots)
}

/// Checks the chain (and the host name) as the mode asks, or nothing (`prefer`/`require` without a CA); the
/// handshake's signatures are always verified, so the server must hold the certificate's key.
#[derive(Debug)]
struct Verifier {
    chain: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        // The name is checked after the chain, so a name error means the chain is good.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_limits_go_after_the_urls_own_options() {
        let secs = Duration::from_secs;
        let mut options = ConnectOptions::parse("postgres://u@h/db?sslmode=disable", None).expect("url");
        options.session_limits(secs(30), secs(60));
        assert_eq!(
            options.config.get_options(),
            Some("-c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000")
        );
        let url = "postgres://u@h/db?sslmode=disable&options=-c%20search_path%3Dapp";
        let mut options = ConnectOptions::parse(url, None).expect("url");
        options.session_limits(secs(5), secs(6));
        assert_eq!(
            options.config.get_options(),
            Some("-c search_path=app -c statement_timeout=5000 -c idle_in_transaction_session_timeout=6000")
        );
    }

    fn split(url: &str) -> TlsParams {
        split_tls_params(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn takes_the_tls_params_out_of_a_url() {
        let p = split(
            "postgres://u:p%3F@db.example.com:5433/app?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca%20x.pem",
        );
        assert_eq!(p.rest, "postgres://u:p%3F@db.example.com:5433/app?application_name=x");
        assert_eq!(p.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(p.sslrootcert.as_deref(), Some("/etc/ca x.pem"));

        let p = split("postgresql://u@h/db?sslmode=require");
        assert_eq!(
            (p.rest.as_str(), p.sslmode.as_deref(), p.sslrootcert),
            ("postgresql://u@h/db", Some("require"), None)
        );

        // A `?` in the user info is not the query (tokio-postgres reads up to the first `@` first).
        let p = split("postgres://u:a?b@h/db");
        assert_eq!((p.rest.as_str(), p.sslmode), ("postgres://u:a?b@h/db", None));
        let p = split("postgres://aftersales@/x?host=%2Ftmp%2Frun&port=5432");
        assert_eq!(p.rest, "postgres://aftersales@/x?host=%2Ftmp%2Frun&port=5432");
    }

    #[test]
    fn takes_the_tls_params_out_of_a_keyword_string() {
        let p = split("host=db.example.com  sslmode = verify-ca sslrootcert='/etc/my ca\\'s.pem' dbname=app");
        assert_eq!(p.rest, "host=db.example.com dbname=app");
        assert_eq!(p.sslmode.as_deref(), Some("verify-ca"));
        assert_eq!(p.sslrootcert.as_deref(), Some("/etc/my ca's.pem"));
        assert!(split_tls_params("host=x sslmode").is_err());
        assert!(split_tls_params("host='x").is_err());
    }

    #[test]
    fn client_certificates_are_refused_not_ignored() {
        let err = split_tls_params("postgres://h/db?sslcert=/c.pem").expect_err("sslcert");
        assert!(err.contains("sslcert is not supported"), "{err}");
    }

    fn options(url: &str, ca: Option<&Path>) -> ConnectOptions {
        ConnectOptions::parse(url, ca).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn error(url: &str, ca: Option<&Path>) -> String {
        ConnectOptions::parse(url, ca).expect_err(url).to_string()
    }

    #[test]
    fn modes_as_libpq_means_them() {
        use tokio_postgres::config::SslMode as Pg;
        let cases = [
            ("postgres://u@h/db", SslMode::Prefer, Pg::Prefer, Check::Nothing),
            ("postgres://u@h/db?sslmode=disable", SslMode::Disable, Pg::Disable, Check::Nothing),
            ("postgres://u@h/db?sslmode=prefer", SslMode::Prefer, Pg::Prefer, Check::Nothing),
            ("postgres://u@h/db?sslmode=require", SslMode::Require, Pg::Require, Check::Nothing),
            ("postgres://u@h/db?sslmode=verify-ca", SslMode::VerifyCa, Pg::Require, Check::Chain),
            ("postgres://u@h/db?sslmode=verify-full", SslMode::VerifyFull, Pg::Require, Check::ChainAndName),
            ("postgres://u@h/db?sslrootcert=system", SslMode::VerifyFull, Pg::Require, Check::ChainAndName),
            // Unix sockets never use TLS, whatever the mode (as libpq).
            ("postgres://u@/db?host=/run/pg&sslmode=verify-full", SslMode::VerifyFull, Pg::Disable, Check::Nothing),
        ];
        for (url, mode, pg, check) in cases {
            let o = options(url, None);
            assert_eq!((o.mode, o.config.get_ssl_mode(), o.check), (mode, pg, check), "{url}");
            assert_eq!(o.timeout, DEFAULT_CONNECT_TIMEOUT, "{url}");
        }
        let o = options("postgres://u@h/db?connect_timeout=3&sslmode=require", None);
        assert_eq!(o.timeout, Duration::from_secs(3));
        assert_eq!(o.config.get_connect_timeout(), Some(&Duration::from_secs(3)));
    }

    #[test]
    fn a_ca_file_makes_require_verify_the_chain() {
        let dir = std::env::temp_dir().join(format!("aftersales-ca-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let ca = dir.join("ca.pem");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().expect("key");
        let pem = params.self_signed(&key).expect("CA certificate").pem();
        std::fs::write(&ca, pem).expect("write");
        let o = options("postgres://u@h/db?sslmode=require", Some(&ca));
        assert_eq!((o.check, &o.ca), (Check::Chain, &CaSource::Setting(ca.clone())));
        assert!(o.tls_context().contains(&format!("CA from {CA_FILE_ENV}={}", ca.display())), "{}", o.tls_context());
        // The URL's sslrootcert wins over the setting.
        let o = options(&format!("postgres://u@h/db?sslmode=verify-full&sslrootcert={}", ca.display()), Some(&dir));
        assert_eq!(o.ca, CaSource::Url(ca.clone()));
        // disable ignores the CA file, even a missing one.
        let o = options("postgres://u@h/db?sslmode=disable", Some(&dir.join("missing.pem")));
        assert_eq!(o.check, Check::Nothing);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_settings_are_named() {
        let e = error("postgres://u:secret@h/db?sslmode=verify", None);
        assert!(e.contains("unknown sslmode=verify") && e.contains("verify-full"), "{e}");
        assert!(!e.contains("secret"), "{e}");
        let e = error("postgres://u@h/db?sslmode=allow", None);
        assert!(e.contains("sslmode=allow is not supported"), "{e}");
        let e = error("postgres://u@h/db?sslmode=require&sslrootcert=system", None);
        assert!(e.contains("sslrootcert=system needs sslmode=verify-full"), "{e}");

        let missing = Path::new("/nonexistent/ca.pem");
        let e = error("postgres://u@h/db?sslmode=verify-full", Some(missing));
        assert!(
            e.contains("cannot read the database CA file /nonexistent/ca.pem (AFTERSALES_DATABASE_CA_FILE)"),
            "{e}"
        );
        let e = error("postgres://u@h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem", None);
        assert!(e.contains("/nonexistent/ca.pem (sslrootcert in DATABASE_URL)"), "{e}");

        let not_pem = std::env::temp_dir().join(format!("aftersales-notpem-{}.txt", std::process::id()));
        std::fs::write(&not_pem, "not a certificate\n").expect("write");
        let e = error("postgres://u@h/db?sslmode=verify-full", Some(&not_pem));
        assert!(
            e.contains(&format!("{} (AFTERSALES_DATABASE_CA_FILE) holds no PEM certificate", not_pem.display())),
            "{e}"
        );
        let _ = std::fs::remove_file(&not_pem);

        let e = error("postgres://u@h/db?sslmode=require&bogus=1", None);
        assert!(e.contains("not a valid PostgreSQL URL") && e.contains("bogus"), "{e}");
    }
}
