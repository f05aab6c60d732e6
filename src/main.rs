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

fn main() -> anyhow::Result<()> {
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

fn serve(config: Config) -> anyhow::Result<()> {
    let pool = ogug::db::connect(&config.database_url, config.db_pool_size)?;
    if config.demo {
        for line in load_demo_if_empty(&mut *pool.get()?, &config)? {
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
