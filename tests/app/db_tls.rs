//! TLS to PostgreSQL: a real server with `ssl=on` on 127.0.0.1, its certificate (for `localhost` only) from a CA
//! this test makes, and a pg_hba.conf that refuses unencrypted TCP, so a connection that works is one TLS made.

use aftersales::db::cluster::{SUPERUSER, temp_data_dir};
use aftersales::db::{self, ClusterOptions, ConnectOptions, ManagedCluster};
use diesel_async::RunQueryDsl;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

struct TlsServer {
    cluster: ManagedCluster,
    files: PathBuf,
}

impl TlsServer {
    /// The CA that signed the server's certificate.
    fn ca(&self) -> PathBuf {
        self.files.join("ca.pem")
    }

    /// A CA that has nothing to do with the server.
    fn other_ca(&self) -> PathBuf {
        self.files.join("other-ca.pem")
    }

    fn url(&self, host: &str, database: &str, query: &str) -> String {
        format!("postgres://{SUPERUSER}@{host}:{}/{database}?{query}", self.cluster.port())
    }
}

/// One server for these tests, started on first use (blocking: call it in `spawn_blocking`).
fn server() -> &'static TlsServer {
    static SERVER: OnceLock<TlsServer> = OnceLock::new();
    SERVER.get_or_init(start_server)
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params
}

fn start_server() -> TlsServer {
    let files = temp_data_dir("aftersales-tlsfiles");
    let ca = CertifiedIssuer::self_signed(ca_params("aftersales test CA"), KeyPair::generate().expect("key"))
        .expect("CA certificate");
    let other = CertifiedIssuer::self_signed(ca_params("unrelated CA"), KeyPair::generate().expect("key"))
        .expect("other CA certificate");
    let server_key = KeyPair::generate().expect("server key");
    // Only the name `localhost`: connecting to 127.0.0.1 with verify-full must fail on the name.
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("server params");
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params.signed_by(&server_key, &ca).expect("server certificate");

    let write = |name: &str, text: &str, mode: u32| {
        let path = files.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        // The server runs as `postgres` when we are root, and refuses a key that others can read or it does not own.
        if nix::unistd::Uid::effective().is_root() {
            let user = nix::unistd::User::from_name("postgres").expect("look up postgres").expect("postgres user");
            std::os::unix::fs::chown(&path, Some(user.uid.as_raw()), Some(user.gid.as_raw())).expect("chown");
        }
        path
    };
    write("ca.pem", &ca.pem(), 0o644);
    write("other-ca.pem", &other.pem(), 0o644);
    let cert = write("server.crt", &server_cert.pem(), 0o644);
    let key = write("server.key", &server_key.serialize_pem(), 0o600);
    let hba = write(
        "pg_hba.conf",
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        0o644,
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let path = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
    let settings = vec![
        ("listen_addresses".to_owned(), "127.0.0.1".to_owned()),
        ("ssl".to_owned(), "on".to_owned()),
        ("ssl_cert_file".to_owned(), path(&cert)),
        ("ssl_key_file".to_owned(), path(&key)),
        ("hba_file".to_owned(), path(&hba)),
    ];
    let options = ClusterOptions {
        throwaway: true,
        port: Some(port),
        settings,
        ..ClusterOptions::new(temp_data_dir("aftersales-tlstest"))
    };
    let cluster = ManagedCluster::start(options).unwrap_or_else(|e| panic!("cannot start PostgreSQL with TLS: {e}"));
    TlsServer { cluster, files }
}

#[derive(diesel::QueryableByName)]
struct Ssl {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ssl: bool,
}

const SSL_SQL: &str = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

async fn connects_with_tls(url: &str, ca_file: Option<&Path>) -> Result<bool, String> {
    let options = ConnectOptions::parse(url, ca_file).map_err(|e| e.to_string())?;
    let mut conn = options.connect().await.map_err(|e| e.to_string())?;
    let row: Ssl = diesel::sql_query(SSL_SQL).get_result(&mut conn).await.map_err(|e| e.to_string())?;
    Ok(row.ssl)
}

#[actix_web::test]
async fn require_encrypts_the_pool_and_the_migrations() {
    let server = tokio::task::spawn_blocking(server).await.expect("server");
    let admin = server.url("127.0.0.1", "postgres", "sslmode=require");
    let url = server.url("127.0.0.1", "tls_migrated", "sslmode=require");
    let migrate_url = url.clone();
    let sync_ssl = tokio::task::spawn_blocking(move || {
        db::create_database(&admin, None, "tls_migrated", None).expect("create the database over TLS");
        db::run_migrations(&migrate_url, None).expect("migrate over TLS");
        let mut conn = db::SyncConn::connect(&migrate_url, None).expect("blocking connection");
        diesel::RunQueryDsl::get_result::<Ssl>(diesel::sql_query(SSL_SQL), &mut *conn).expect("pg_stat_ssl").ssl
    })
    .await
    .expect("blocking work");
    assert!(sync_ssl, "the migrations' connection is encrypted");

    let pool = db::build_pool(&url, None, 2).expect("pool");
    let mut conn = pool.get().await.expect("a pooled connection over TLS");
    let row: Ssl = diesel::sql_query(SSL_SQL).get_result(&mut conn).await.expect("pg_stat_ssl");
    assert!(row.ssl, "the pool's connection is encrypted");
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let applied: Count = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result(&mut conn)
        .await
        .expect("migrations table");
    assert!(applied.n > 0, "migrations were applied");
}

#[actix_web::test]
async fn without_tls_the_server_refuses() {
    let server = tokio::task::spawn_blocking(server).await.expect("server");
    let url = server.url("127.0.0.1", "postgres", "sslmode=disable");
    let err = connects_with_tls(&url, None).await.expect_err("hostnossl … reject");
    assert!(err.contains("no encryption"), "{err}");
    let pool = db::build_pool(&url, None, 1).expect("pool");
    let err = pool.get().await.err().expect("the pool cannot connect either").to_string();
    assert!(err.contains("no encryption"), "{err}");
}

#[actix_web::test]
async fn verify_full_with_the_right_ca_connects() {
    let server = tokio::task::spawn_blocking(server).await.expect("server");
    let ca = server.ca();
    // The CA from the setting …
    let url = server.url("localhost", "postgres", "sslmode=verify-full");
    assert_eq!(connects_with_tls(&url, Some(&ca)).await, Ok(true));
    // … or from sslrootcert, which wins over the setting.
    let url = server.url("localhost", "postgres", &format!("sslmode=verify-full&sslrootcert={}", ca.display()));
    assert_eq!(connects_with_tls(&url, Some(&server.other_ca())).await, Ok(true));
    // The pool, with the setting.
    let url = server.url("localhost", "postgres", "sslmode=verify-full");
    let pool = db::build_pool(&url, Some(&ca), 1).expect("pool");
    let mut conn = pool.get().await.expect("pooled connection");
    let row: Ssl = diesel::sql_query(SSL_SQL).get_result(&mut conn).await.expect("pg_stat_ssl");
    assert!(row.ssl);
}

#[actix_web::test]
async fn verify_full_with_the_wrong_ca_is_refused_naming_the_setting() {
    let server = tokio::task::spawn_blocking(server).await.expect("server");
    let other = server.other_ca();
    let url = server.url("localhost", "postgres", "sslmode=verify-full");
    let err = connects_with_tls(&url, Some(&other)).await.expect_err("wrong CA");
    let expected = format!(
        "the database server's certificate is not trusted (DATABASE_URL sslmode=verify-full, CA from \
         AFTERSALES_DATABASE_CA_FILE={}): invalid peer certificate: UnknownIssuer",
        other.display()
    );
    assert_eq!(err, expected);
    // The same through the pool.
    let pool = db::build_pool(&url, Some(&other), 1).expect("pool");
    let err = pool.get().await.err().expect("wrong CA").to_string();
    assert!(err.contains(&expected), "{err}");
    // No CA file: the web PKI roots, which do not know our test CA.
    let err = connects_with_tls(&url, None).await.expect_err("web PKI roots");
    assert!(err.contains("not trusted") && err.contains("CA from the bundled web PKI roots"), "{err}");
    // require with a CA file checks the chain too (as libpq does).
    let url = server.url("localhost", "postgres", "sslmode=require");
    let err = connects_with_tls(&url, Some(&other)).await.expect_err("require with the wrong CA");
    assert!(err.contains("not trusted (DATABASE_URL sslmode=require, CA from AFTERSALES_DATABASE_CA_FILE="), "{err}");
}

#[actix_web::test]
async fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let server = tokio::task::spawn_blocking(server).await.expect("server");
    let ca = server.ca();
    let url = server.url("127.0.0.1", "postgres", "sslmode=verify-full");
    let err = connects_with_tls(&url, Some(&ca)).await.expect_err("the certificate is for localhost only");
    assert!(err.starts_with("the database server's certificate is not valid for the host name"), "{err}");
    assert!(err.contains("sslmode=verify-full") && err.contains("127.0.0.1"), "{err}");
    let url = server.url("127.0.0.1", "postgres", "sslmode=verify-ca");
    assert_eq!(connects_with_tls(&url, Some(&ca)).await, Ok(true));
}

#[actix_web::test]
async fn a_server_without_tls_and_one_that_never_answers_fail_fast_and_clearly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Answers the SSLRequest with "N", as a server without TLS does.
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = plain.local_addr().expect("addr").port();
    actix_web::rt::spawn(async move {
        while let Ok((mut socket, _)) = plain.accept().await {
            let mut request = [0u8; 8];
            if socket.read_exact(&mut request).await.is_ok() {
                let _ = socket.write_all(b"N").await;
            }
        }
    });
    let url = format!("postgres://u:secret@127.0.0.1:{port}/db?sslmode=require");
    let err = connects_with_tls(&url, None).await.expect_err("no TLS");
    assert!(err.ends_with("the server does not accept TLS (sslmode=require)"), "{err}");
    assert!(!err.contains("secret"), "{err}");

    // Accepts (the kernel's backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let url = format!("postgres://u@127.0.0.1:{port}/db?sslmode=require&connect_timeout=1");
    let started = Instant::now();
    let err = connects_with_tls(&url, None).await.expect_err("no answer");
    assert!(err.contains("no answer within 1 s (connect_timeout)"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    drop(silent);
}
