//! The `ogug` command line: what each subcommand does, over the library.

use crate::config::Config;
use crate::db::{self, DbConnection, write_transaction};
use crate::domain::chapters::ChapterInput;
use crate::domain::users::{self, EmailAddress};
use crate::domain::{DomainError, demo};
use crate::flows::{self, Actor, FlowError, Site};
use crate::mail::{notices, outbox};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "ogug", version, about = "openGauss User Group (oGUG) chapters")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the site (the default command).
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Load the demo data (the Beijing chapter) if it is not there yet.
    Demo,
    /// Manage chapters.
    Chapter {
        #[command(subcommand)]
        command: ChapterCommand,
    },
    /// Manage site administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Help people in.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Inspect and steer the email outbox.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Write a consistent snapshot of the database to FILE (safe while the server runs).
    Backup { file: std::path::PathBuf },
    /// Load a backup into the configured database, which must be empty (stop the server first).
    Restore { file: std::path::PathBuf },
    /// Copy the whole site from the configured database to an empty PostgreSQL database.
    Copy {
        /// The target, e.g. postgres://ogug@db.example.org/ogug
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// Print the number of outbox emails by status.
    Status,
    /// Requeue emails.
    Retry {
        /// Requeue every dead email with a fresh attempt budget.
        #[arg(long, required = true)]
        dead: bool,
    },
    /// Queue a test email (delivered by the worker of a running `ogug serve`).
    Test {
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ChapterCommand {
    /// Create a chapter.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name_zh: String,
        #[arg(long)]
        name_en: String,
        #[arg(long)]
        city: String,
        #[arg(long, default_value = "Asia/Shanghai")]
        time_zone: String,
        /// Founding date, YYYY-MM-DD.
        #[arg(long)]
        founded_on: Option<chrono::NaiveDate>,
        #[arg(long, default_value = "")]
        description: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Print a fresh one-time link for a person: activation if they never set a password (an
    /// activation link is printed once and lost), otherwise a password reset.
    Link {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a site admin (or promote an existing user) and print a one-time activation link.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Site admin")]
        name: String,
    },
}

/// Loads the demo data into an empty database (no chapters yet); returns the printed lines.
pub fn load_demo_if_empty(conn: &mut DbConnection, config: &Config) -> anyhow::Result<Vec<String>> {
    use diesel::prelude::*;
    let chapters_count: i64 = crate::db::schema::chapters::table
        .count()
        .get_result(conn)?;
    if chapters_count > 0 {
        return Ok(vec![]);
    }
    load_demo(conn, config)
}

pub fn load_demo(conn: &mut DbConnection, config: &Config) -> anyhow::Result<Vec<String>> {
    let report = write_transaction(conn, demo::load)?;
    if !report.loaded {
        return Ok(vec!["Demo data already present; nothing loaded.".into()]);
    }
    let mut lines = vec!["Loaded the demo: the Beijing chapter (北京用户组) with its founding members and the 2021-05-29 Meetup.".to_string()];
    for link in report.activation_links {
        lines.push(format!(
            "  one-time activation link for {}: {}{}",
            link.email, config.base_url, link.path
        ));
    }
    Ok(lines)
}

fn chapter_create(conn: &mut DbConnection, input: ChapterInput) -> anyhow::Result<String> {
    match flows::chapters::create(conn, &Actor::system(), &input, "") {
        Ok(chapter) => Ok(format!(
            "Created chapter {} ({}) at {}",
            chapter.name_zh,
            chapter.name_en,
            crate::paths::chapter(&chapter.slug)
        )),
        Err(FlowError::Domain(DomainError::Invalid(errors))) => {
            let fields: Vec<String> = errors
                .0
                .iter()
                .map(|(field, key)| format!("{field}: {}", crate::i18n::Locale::En.t(key)))
                .collect();
            bail!("invalid chapter: {}", fields.join("; "))
        }
        Err(FlowError::Domain(DomainError::Conflict(_))) => {
            bail!("a chapter with slug {:?} already exists", input.slug)
        }
        Err(e) => Err(e.into()),
    }
}

fn user_link(conn: &mut DbConnection, config: &Config, email: &str) -> anyhow::Result<String> {
    let address = EmailAddress::parse(email)
        .map_err(|_| anyhow::anyhow!("invalid email address: {email:?}"))?;
    match flows::accounts::operator_link(conn, &address) {
        Ok((flows::accounts::Link::Activate, token)) => Ok(format!(
            "{}: one-time activation link (valid 72 h):\n{}{}",
            address.as_str(),
            config.base_url,
            crate::paths::activate(&token)
        )),
        Ok((flows::accounts::Link::Reset, token)) => Ok(format!(
            "{}: one-time password reset link:\n{}{}",
            address.as_str(),
            config.base_url,
            crate::paths::reset_link(&token)
        )),
        Err(FlowError::Domain(DomainError::NotFound)) => bail!("no account for {email}"),
        Err(e) => Err(e.into()),
    }
}

fn admin_create(
    conn: &mut DbConnection,
    config: &Config,
    email: &str,
    name: &str,
) -> anyhow::Result<String> {
    let email = EmailAddress::parse(email)
        .map_err(|_| anyhow::anyhow!("invalid email address: {email:?}"))?;
    let name =
        users::parse_display_name(name).map_err(|_| anyhow::anyhow!("invalid name: {name:?}"))?;
    let (_, token) =
        flows::accounts::create_site_admin(conn, &Site::from_config(config), &email, &name)?;
    Ok(format!(
        "Site admin {}: one-time activation link (valid 72 h):\n{}{}",
        email.as_str(),
        config.base_url,
        crate::paths::activate(&token)
    ))
}

/// Runs a command that is not `serve`; returns what to print.
pub fn run_admin_command(command: Command, config: &Config) -> anyhow::Result<Vec<String>> {
    if let Command::Restore { file } = &command {
        // Restore opens the database itself: it must check the file before touching anything.
        return Ok(vec![db::backup::restore(&config.database_url, file)?]);
    }
    // One plain connection: a pool's background threads could still be using libpq and
    // OpenSSL while the process exits.
    let mut connection =
        db::connect_one(&config.database_url).context("cannot open the database")?;
    let conn = &mut connection;
    match command {
        Command::Serve => bail!("serve is not an admin command"),
        Command::Migrate => Ok(vec!["Database migrated.".into()]),
        Command::Demo => load_demo(conn, config),
        Command::Chapter {
            command:
                ChapterCommand::Create {
                    slug,
                    name_zh,
                    name_en,
                    city,
                    time_zone,
                    founded_on,
                    description,
                },
        } => Ok(vec![chapter_create(
            conn,
            ChapterInput {
                slug,
                name_zh,
                name_en,
                city,
                time_zone,
                description,
                description_en: String::new(),
                founded_on,
                contact_email: None,
            },
        )?]),
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => Ok(vec![admin_create(conn, config, &email, &name)?]),
        Command::User {
            command: UserCommand::Link { email },
        } => Ok(vec![user_link(conn, config, &email)?]),
        Command::Mail { command } => mail_command(conn, config, command),
        Command::Backup { file } => {
            Ok(vec![db::backup::backup(conn, &config.database_url, &file)?])
        }
        Command::Restore { .. } => bail!("restore is handled above"),
        Command::Copy { to } => {
            let started = std::time::Instant::now();
            let mut lines = db::copy::copy(conn, &to)?;
            lines.push(format!(
                "Copied every table in {:.1} s; row counts match. Point DATABASE_URL at the target.",
                started.elapsed().as_secs_f64()
            ));
            Ok(lines)
        }
    }
}

fn mail_command(
    conn: &mut DbConnection,
    config: &Config,
    command: MailCommand,
) -> anyhow::Result<Vec<String>> {
    match command {
        MailCommand::Status => {
            let mut lines: Vec<String> = outbox::status_counts(conn)?
                .into_iter()
                .map(|(status, n)| format!("{status:<8} {n}"))
                .collect();
            lines.push(format!(
                "bodies purged after {} days: {}",
                config.mail_retention.num_days(),
                outbox::purged_count(conn)?
            ));
            lines.push(format!(
                "unsolicited emails held back by caps this hour: {}",
                crate::mail::caps::held_back(conn)?
            ));
            Ok(lines)
        }
        MailCommand::Retry { .. } => {
            let n = write_transaction(conn, |c| outbox::retry_dead(c, crate::domain::now()))?;
            Ok(vec![format!("Requeued {n} dead email(s).")])
        }
        MailCommand::Test { to } => {
            let to = EmailAddress::parse(&to)
                .map_err(|_| anyhow::anyhow!("invalid email address: {to:?}"))?;
            let links = notices::Links(&config.base_url);
            write_transaction(conn, |c| {
                notices::test_message(c, links, &to, config.default_locale)
            })?;
            Ok(vec![format!("Queued a test email to {}.", to.as_str())])
        }
    }
}
