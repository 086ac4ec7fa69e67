//! The command line: `serve` (the default), `migrate`, `seed-demo`, `create-user`, `migrate-files`, `backup`,
//! `restore`.

use crate::config::Settings;
use crate::db::{self, ClusterOptions, ManagedCluster};
use crate::domain::account_form::AccountInput;
use crate::domain::validate::FieldErrors;
use crate::i18n::Lang;
use crate::seed::{self, DEMO_ACCOUNTS, DEMO_PASSWORD};
use crate::startup::Application;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "aftersales", version, about = "After-sales service tickets (售后工单系统)")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create the demo accounts and tickets (skipped if present).
    SeedDemo,
    /// Create an account, e.g. the first supervisor of a real deployment.
    CreateUser {
        #[arg(long, value_parser = ["agent", "supervisor", "customer"])]
        role: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// The password (prefer the environment variable, so it stays out of shell history).
        #[arg(long, env = "AFTERSALES_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Copy the data folder's attachments and exports to the configured S3 bucket (skipping those already there).
    MigrateFiles,
    /// Write the database and every attachment to one archive (the app may keep serving meanwhile).
    Backup {
        /// The archive to write, e.g. `aftersales-20261204.tar`.
        file: std::path::PathBuf,
    },
    /// Replace the database's contents with an archive's and put its files back into the store (stop the app first).
    Restore {
        /// An archive written by `backup`.
        file: std::path::PathBuf,
    },
}

/// The database the app works on; the managed cluster stops when this is dropped.
pub struct Database {
    pub url: String,
    /// The CA file setting, for `url` (`DATABASE_URL`); none for the managed cluster (a Unix socket, no TLS).
    pub ca_file: Option<std::path::PathBuf>,
    pub cluster: Option<ManagedCluster>,
    /// The app's database was created just now (first start of the managed cluster).
    pub created: bool,
}

/// Connects to `DATABASE_URL`, or starts the managed cluster; then migrates.
pub fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    if let Some(url) = &settings.database_url {
        let ca_file = settings.database_ca_file.clone();
        db::run_migrations(url, ca_file.as_deref())?;
        return Ok(Database { url: url.clone(), ca_file, cluster: None, created: false });
    }
    let cluster = ManagedCluster::start(ClusterOptions {
        data_dir: settings.data_dir.clone(),
        bin_dir: settings.pg_bin.clone(),
        throwaway: false,
        settings: Vec::new(),
        port: None,
    })?;
    let created = db::create_database(&cluster.database_url("postgres"), None, Settings::database_name(), None)?;
    let url = cluster.database_url(Settings::database_name());
    db::run_migrations(&url, None)?;
    Ok(Database { url, ca_file: None, cluster: Some(cluster), created })
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    if let Some(Command::MigrateFiles) = cli.command {
        // Files only: no database is opened.
        return migrate_files(&settings);
    }
    let database = open_database(&settings)?;
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&settings, &database),
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::SeedDemo => actix_web::rt::System::new().block_on(async {
            let pool = db::build_pool(&database.url, database.ca_file.as_deref(), 4)?;
            let created = seed::seed_demo(&pool, settings.timezone).await?;
            println!("{}", if created { "demo data created" } else { "demo data already present" });
            Ok(())
        }),
        Command::CreateUser { role, name, email, phone, password } => {
            let input = AccountInput { role: role.clone(), name, email, phone, password, ..AccountInput::default() };
            actix_web::rt::System::new().block_on(create_user(&database, input, role == "customer"))
        }
        Command::Backup { file } => actix_web::rt::System::new().block_on(async {
            let done = crate::backup::backup(&backup_target(&settings, &database), &file).await?;
            println!(
                "backed up {} tickets and {} files ({} bytes) to {}",
                done.tickets,
                done.files,
                done.bytes,
                file.display()
            );
            Ok(())
        }),
        Command::Restore { file } => actix_web::rt::System::new().block_on(async {
            let done = crate::backup::restore(&backup_target(&settings, &database), &file).await?;
            println!(
                "restored {} tickets and {} files ({} bytes) from {}",
                done.tickets,
                done.files,
                done.bytes,
                file.display()
            );
            Ok(())
        }),
        Command::MigrateFiles => unreachable!("handled before the database is opened"),
    };
    if let Some(cluster) = database.cluster {
        cluster.stop()?;
    }
    outcome
}

fn serve(settings: &Settings, database: &Database) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(settings, &database.url).await?;
        if database.created {
            seed::seed_demo(app.pool(), settings.timezone).await?;
        }
        let mut conn = app.pool().get().await?;
        let has_demo = crate::store::users::find_by_login(&mut conn, DEMO_ACCOUNTS[0].1).await?.is_some();
        drop(conn);
        println!("aftersales is running at http://{}/  (Ctrl-C stops it)", app.address());
        if has_demo {
            println!("Demo logins, password {DEMO_PASSWORD}:");
            for (role, email, name, _, _) in DEMO_ACCOUNTS {
                println!("  {:<10} {email:<24} {name}", role.code());
            }
        }
        // The worker stops after the server (Ctrl-C/SIGTERM), letting its current job finish.
        app.run_until_stopped().await
    })
}

fn backup_target<'a>(settings: &'a Settings, database: &'a Database) -> crate::backup::Target<'a> {
    crate::backup::Target {
        database_url: &database.url,
        ca_file: database.ca_file.as_deref(),
        pg_bin: settings.pg_bin.as_deref(),
        storage: &settings.storage,
        data_dir: &settings.data_dir,
    }
}

fn migrate_files(settings: &Settings) -> anyhow::Result<()> {
    let done =
        actix_web::rt::System::new().block_on(crate::storage::migrate_files(&settings.storage, &settings.data_dir))?;
    println!("copied {} files ({} bytes) to the bucket; {} were there already", done.copied, done.bytes, done.present);
    Ok(())
}

async fn create_user(database: &Database, input: AccountInput, customer: bool) -> anyhow::Result<()> {
    let parsed = if customer { input.parse_customer() } else { input.parse_staff() };
    let pool = db::build_pool(&database.url, database.ca_file.as_deref(), 2)?;
    let result = match parsed {
        Ok(draft) => crate::services::accounts::create(&pool, draft).await,
        Err(errors) => Err(crate::error::AppError::Invalid(errors)),
    };
    match result {
        Ok(user) => {
            println!("created {} #{}: {}", user.role.code(), user.id, user.name);
            Ok(())
        }
        Err(crate::error::AppError::Invalid(errors)) => anyhow::bail!("not created:\n{}", describe(&errors)),
        Err(other) => Err(other.into()),
    }
}

/// Field problems as lines of English, for the terminal.
fn describe(errors: &FieldErrors) -> String {
    errors
        .fields()
        .filter_map(|field| {
            let e = errors.get(field)?;
            let text = match e.max {
                Some(max) => Lang::En.t_args(e.key, &[("max", crate::i18n::Arg::from(max))]),
                None => Lang::En.t(e.key),
            };
            Some(format!("  --{field}: {text}"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
