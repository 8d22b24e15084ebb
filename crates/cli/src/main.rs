//! `kolabik`: the single binary. Parses the configuration (flags, then environment, then an
//! optional TOML file, then defaults), builds the application and runs one subcommand.

mod config;

use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use kolabik_app::notify::{DeliveryReport, KeepMailer, Mailer, SmtpMailer};
use kolabik_app::users::NewUserInput;
use kolabik_app::{Actor, App, AppError};
use kolabik_domain::assignment::{Instance, Status, solve};
use kolabik_web::WebConfig;

use config::{
    AssignSolveArgs, AuditCommand, CatalogCommand, Cli, Command, Settings, TextCommand,
    TokenCommand, UserCommand,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A pure computation: no configuration, database or runtime, so it works anywhere.
    if let Command::AssignSolve(args) = &cli.command {
        return assign_solve(args);
    }
    // Text tools are pure: they must work without a configuration file or database.
    if let Command::Text(command) = &cli.command {
        return match text(command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kolabik: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::resolve(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kolabik: {e:#}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&settings.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kolabik: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kolabik: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `kolabik assign-solve`: instance JSON in, solution JSON out.
fn assign_solve(args: &AssignSolveArgs) -> ExitCode {
    let text = if args.input.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map(|_| text)
            .map_err(|e| format!("cannot read standard input: {e}"))
    } else {
        std::fs::read_to_string(&args.input)
            .map_err(|e| format!("cannot read {}: {e}", args.input.display()))
    };
    let solved = text.and_then(|text| {
        let instance: Instance = serde_json::from_str(&text)
            .map_err(|e| format!("instans tidak valid / invalid instance: {e}"))?;
        let solution = solve(&instance).map_err(|e| e.to_string())?;
        let json = serde_json::to_string_pretty(&solution)
            .map_err(|e| format!("cannot write the solution: {e}"))?;
        Ok((solution.status, json))
    });
    match solved {
        Ok((status, json)) => {
            println!("{json}");
            match status {
                Status::Optimal => ExitCode::SUCCESS,
                Status::Infeasible => ExitCode::from(2),
            }
        }
        Err(e) => {
            eprintln!("kolabik: {e}");
            ExitCode::FAILURE
        }
    }
}

fn text(command: &TextCommand) -> Result<()> {
    match command {
        TextCommand::Stem => {
            let analyzer = kolabik_text::Analyzer::new();
            let mut input = std::io::stdin().lock();
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut line = String::new();
            // Line by line, so a pipe gets its answers as it goes and a large word list is
            // never held in memory at once.
            while input
                .read_line(&mut line)
                .context("cannot read standard input")?
                > 0
            {
                for word in line.split_whitespace() {
                    writeln!(out, "{word}\t{}", analyzer.stem(word))
                        .context("cannot write standard output")?;
                }
                line.clear();
            }
            out.flush().context("cannot write standard output")?;
            Ok(())
        }
    }
}

/// Describes an application error for the terminal (the CLI speaks English; its users
/// are administrators reading logs).
fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(fields) => {
            let list: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.key))
                .collect();
            anyhow::anyhow!("invalid input ({})", list.join(", "))
        }
        AppError::NotFound => anyhow::anyhow!("no such user"),
        other => anyhow::anyhow!(other),
    }
}

async fn open(settings: &Settings) -> Result<App> {
    let url = settings.database_url()?;
    let db = kolabik_app::store::Db::connect(&url, settings.max_connections)
        .await
        .with_context(|| format!("cannot open the database at {}", settings.redacted_url()))?;
    db.migrate().await.context("database migration failed")?;
    Ok(App::new(db)
        .with_site_url(&settings.site_url(None))
        .with_mail_backoff_ms(settings.mail_backoff_ms))
}

async fn run(command: Command, settings: Settings) -> Result<()> {
    match command {
        Command::Serve(_) => serve(settings).await,
        Command::Migrate => {
            let app = open(&settings).await?;
            println!(
                "Database at {} is up to date ({}).",
                settings.redacted_url(),
                app.db().backend().name()
            );
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            unit,
            nip,
        }) => {
            let app = open(&settings).await?;
            let input = NewUserInput {
                email,
                name,
                role,
                unit: unit.unwrap_or_default(),
                nip: nip.unwrap_or_default(),
            };
            let created = app
                .create_user(&input, &Actor::system())
                .await
                .map_err(explain)?;
            println!("Created {} (id {}).", created.user.email, created.user.id);
            println!("Temporary password: {}", created.password);
            println!("The password must be changed at the first sign-in.");
            Ok(())
        }
        Command::User(UserCommand::SetPassword { email }) => {
            let app = open(&settings).await?;
            // A password piped on standard input is used as given; at a terminal (or with
            // empty input) a temporary one is generated, which must be changed at sign-in.
            let typed = if std::io::stdin().is_terminal() {
                None
            } else {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("cannot read standard input")?;
                let line = line.trim_end_matches(['\r', '\n']).to_owned();
                (!line.is_empty()).then_some(line)
            };
            let password = app
                .set_password(&email, typed.as_deref(), &Actor::system())
                .await
                .map_err(explain)?;
            if typed.is_some() {
                println!("Password for {email} set.");
            } else {
                println!("Temporary password for {email}: {password}");
                println!("It must be changed at the next sign-in.");
            }
            Ok(())
        }
        // Handled in `main` before any configuration is read.
        Command::AssignSolve(_) => anyhow::bail!("assign-solve does not use the runtime"),
        Command::Text(command) => text(&command),
        Command::Catalog(CatalogCommand::Import { file, dry_run }) => {
            let app = open(&settings).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let report = app
                .import_catalog(&text, dry_run, &Actor::system())
                .await
                .map_err(explain)?;
            if !report.problems.is_empty() {
                for p in &report.problems {
                    let column = if p.column.is_empty() {
                        "-"
                    } else {
                        p.column.as_str()
                    };
                    eprintln!("row {}, column {column}: {}", p.line, p.key);
                }
                anyhow::bail!("{} problem(s); nothing imported", report.problems.len());
            }
            if dry_run {
                println!("Dry run: {} row(s) valid; nothing written.", report.rows);
            } else {
                println!("Imported {} catalogue entr(ies).", report.created);
            }
            Ok(())
        }
        Command::Catalog(CatalogCommand::Reindex) => {
            let app = open(&settings).await?;
            let (entries, proposals) = app
                .catalog_reindex_all(&Actor::system())
                .await
                .map_err(explain)?;
            println!("Search index rebuilt: {entries} entries, {proposals} proposals.");
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { published_head }) => {
            let app = open(&settings).await?;
            let report = app
                .verify_vote_chain(published_head.as_deref())
                .await
                .map_err(explain)?;
            let mut ok = true;
            match &report.broken {
                None => println!(
                    "Vote chain: {} votes verified, no broken link.",
                    report.checked
                ),
                Some((id, problem)) => {
                    ok = false;
                    println!(
                        "Vote chain BROKEN at vote {id}: {problem} ({} votes before it verified).",
                        report.checked
                    );
                }
            }
            if let Some((id, hash)) = &report.head {
                println!("Chain head: vote {id}, hash {hash}.");
            }
            if let Some(h) = &published_head {
                if report.published_head_found {
                    println!("The published head {h} is a verified link of the chain.");
                } else {
                    ok = false;
                    println!("The published head {h} is NOT in the verified chain.");
                }
            }
            if report.missing_guards.is_empty() {
                println!("Append-only guards of audit_events, votes and vote_voids are in place.");
            } else {
                ok = false;
                println!(
                    "Append-only guards missing or disabled: {}.",
                    report.missing_guards.join(", ")
                );
            }
            if ok {
                Ok(())
            } else {
                anyhow::bail!("the audit check failed")
            }
        }
        Command::Token(TokenCommand::Create { email, label }) => {
            let app = open(&settings).await?;
            let token = app
                .create_api_token(&email, &label, &Actor::system())
                .await
                .map_err(explain)?;
            println!("{token}");
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> Result<()> {
    let mailer: Arc<dyn Mailer> = match &settings.smtp_url {
        Some(url) => Arc::new(SmtpMailer::new(url, &settings.mail_from).with_context(|| {
            format!(
                "cannot use the SMTP server {}",
                settings.redacted_smtp_url().unwrap_or_default()
            )
        })?),
        None => Arc::new(KeepMailer),
    };
    let app = open(&settings).await?;
    if settings.demo {
        if app
            .load_demo_if_empty(!settings.demo_before_judging)
            .await
            .map_err(explain)?
        {
            println!("Demo edition loaded.");
        }
        print_demo_accounts()?;
    }
    let listener = tokio::net::TcpListener::bind(&settings.addr)
        .await
        .with_context(|| format!("cannot listen on {}", settings.addr))?;
    let bound = listener.local_addr().context("no local address")?;
    let app = app.with_site_url(&settings.site_url(Some(bound)));
    let web = WebConfig {
        public_url: settings.public_url.clone(),
        trust_proxy: settings.trust_proxy,
        smtp_configured: settings.smtp_url.is_some(),
    };
    let router = kolabik_web::router(app.clone(), web);

    let sweeper = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = sweeper.purge_expired_sessions().await {
                tracing::warn!(error = %e, "could not purge expired sessions");
            }
        }
    });

    // The catalogue's derived index: built in the background at once (the first tick fires
    // immediately; a search meanwhile waits for it), then kept in step with writes by other
    // nodes sharing the database (their changes are also checked before each search).
    let poller = app.clone();
    let catalog_poll = std::time::Duration::from_secs(3);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(catalog_poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = poller.catalog_sync().await {
                tracing::warn!(error = %e, "could not refresh the catalogue index");
            }
        }
    });

    let sender = app.clone();
    let poll = std::time::Duration::from_millis(settings.mail_poll_ms);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            send_notifications(&sender, mailer.as_ref()).await;
        }
    });
    match settings.redacted_smtp_url() {
        Some(url) => println!("E-mail goes out through {url}."),
        None => println!("No SMTP server configured: e-mails are kept in /panitia/kotak-surat."),
    }

    println!(
        "Kolabik is ready at http://{bound}/ (database: {}, {})",
        app.db().backend().name(),
        settings.redacted_url()
    );
    kolabik_web::serve(listener, router, shutdown_signal())
        .await
        .context("server failed")?;
    app.db().close().await;
    Ok(())
}

/// One round of the background sender: queue due reminders, then deliver due e-mail.
/// Errors are logged; the next round tries again.
async fn send_notifications(app: &App, mailer: &dyn Mailer) {
    if let Err(e) = app.run_due_reminders(app.now()).await {
        tracing::warn!(error = %e, "could not queue deadline reminders");
    }
    match app.deliver_pending(mailer).await {
        Ok(report) if report != DeliveryReport::default() => {
            tracing::info!(?report, "e-mail delivery round");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not deliver e-mail"),
    }
}

fn print_demo_accounts() -> Result<()> {
    let accounts = App::demo_accounts().map_err(explain)?;
    println!("Demo accounts (e-mail / password):");
    for a in accounts {
        println!("  {:<13} {:<46} {}", a.role.as_str(), a.email, a.password);
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
