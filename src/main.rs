use clap::Parser;
use ogug::cli::{Cli, Command, load_demo_if_empty, run_admin_command};
use ogug::config::Config;
use tracing_subscriber::EnvFilter;

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("OGUG_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Errors end the process with one line on stderr (the cause chain, never a backtrace) and a
/// non-zero exit code.
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ogug: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    init_tracing();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        other => {
            for line in run_admin_command(other, &config)? {
                println!("{line}");
            }
            Ok(())
        }
    }
}

/// argon2 allocates 19 MiB per hash. glibc's adaptive mmap threshold would soon serve such
/// blocks from per-thread heaps and keep them, so memory grew by 19 MiB per blocking thread under
/// a sign-in storm; a fixed threshold returns them to the system after each hash.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    // SAFETY: mallopt only tunes the allocator; it is called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_mmap_threshold() {}

fn serve(config: Config) -> anyhow::Result<()> {
    fix_mmap_threshold();
    let pool = ogug::db::connect(&config.database_url, config.db_pool_size)?;
    if config.demo {
        let mut conn = pool.get()?;
        for line in ogug::db::exclusively(&mut conn, |c| load_demo_if_empty(c, &config))?? {
            println!("{line}");
        }
    }
    let base_url = config.base_url.clone();
    actix_web::rt::System::new().block_on(async move {
        let app = ogug::Application::build(config, pool)?;
        println!("ogug is listening on {base_url} (port {})", app.port());
        println!("Create the first site admin with: ogug admin create --email you@example.org");
        app.run_until_stopped().await?;
        Ok(())
    })
}
