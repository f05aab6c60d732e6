//! ogug: the openGauss User Group site as a library. `Application::build` wires everything;
//! `main.rs` only parses the command line.

pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod i18n;
pub mod web;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, dev::Server};
use config::Config;
use db::Pool;
use std::net::TcpListener;

pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and prepares the server on a ready pool.
    pub fn build(config: Config, pool: Pool) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&config.bind)?;
        let port = listener.local_addr()?.port();
        let workers = config.workers;
        let state = actix_web::web::Data::new(web::AppState { pool, config });
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(web::locale::middleware))
                .wrap(web::security_headers(&state.config))
                .wrap(from_fn(web::request_log::middleware))
                .configure(web::configure(state.clone()))
                .default_service(actix_web::web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(web::AppError::NotFound)
                }))
        })
        .listen(listener)?;
        if let Some(n) = workers {
            server = server.workers(n);
        }
        Ok(Application {
            server: server.run(),
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
