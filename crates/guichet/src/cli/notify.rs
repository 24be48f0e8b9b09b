//! Command-line entry points of notifications: `guichet letters …`, `guichet templates …`,
//! `guichet notifications …`. They parse arguments and call the libraries.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use guichet_delivery::worker;
use guichet_domain::{Delivery, NotificationKind};
use guichet_letters::{Output, PrintSize, Wording, render, sample_decision};
use guichet_notify::template::{
    Template, TemplateSource, default_templates, parse_template_file, sample_values,
    to_template_file, wording_serde,
};
use guichet_store::Store;
use guichet_store::outbox::{IntentStatus, NotificationStep};

use crate::worker::NotifyConfig;

#[derive(Debug, Subcommand)]
pub enum LettersCommand {
    /// Gather the letters waiting for print into a batch (one PDF per postage class and a CSV
    /// manifest sorted by postcode) and mark them handed to the printer, once.
    Batch(BatchArgs),
    /// List print batches.
    Batches,
    /// Record returned mail ("pli non distribuable") for a letter: its address becomes suspect
    /// and an agent is alerted.
    Returned {
        /// The letter's id (first column of the manifest).
        letter_id: String,
        #[arg(long, default_value = "pli non distribuable")]
        reason: String,
    },
    /// Who signs an operator's decisions by delegation (« Pour le maire et par délégation »,
    /// a name, a title): those taken by silence, and every one with --every-decision. Without
    /// --name, shows the current delegation; with --clear, removes it.
    Signature(SignatureArgs),
    /// Write the sample decision letter as a PDF, to look at the layout.
    Sample {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long)]
        large_print: bool,
        #[arg(long)]
        easy_to_read: bool,
    },
}

#[derive(Debug, Args)]
pub struct SignatureArgs {
    /// The operator's id (`mairie-saint-clair`).
    #[arg(long)]
    pub operator: String,
    /// Printed above the name, e.g. « Pour le maire et par délégation ».
    #[arg(long, requires = "name")]
    pub mention: Option<String>,
    /// First name and name of the delegate.
    #[arg(long, requires_all = ["mention", "title"])]
    pub name: Option<String>,
    /// The delegate's title, e.g. « Adjointe au maire chargée des affaires sociales ».
    #[arg(long, requires = "name")]
    pub title: Option<String>,
    /// Sign every decision so, not only those no officer signs.
    #[arg(long, requires = "name")]
    pub every_decision: bool,
    /// Remove the delegation.
    #[arg(long, conflicts_with = "name")]
    pub clear: bool,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    #[arg(long, env = "GUICHET_NOTIFY_CONFIG", value_name = "FILE")]
    pub notify_config: Option<PathBuf>,
    /// Folder for the batch files (default: the print folder of the settings).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the files of an existing batch again, without sending anything twice.
    #[arg(long, value_name = "BATCH_ID")]
    pub reexport: Option<String>,
    /// Most letters in the batch.
    #[arg(long, default_value_t = 100_000)]
    pub limit: u32,
}

/// `guichet letters …`.
pub async fn letters(
    store: Store,
    data_dir: &Path,
    command: LettersCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    match command {
        LettersCommand::Batch(args) => {
            let config = NotifyConfig::load(args.notify_config.as_deref())?;
            let dir = args.out.unwrap_or_else(|| config.print_dir(data_dir));
            let summaries = match args.reexport {
                Some(id) => {
                    store.print_batch(&id).await?;
                    vec![worker::export_batch(&store, &dir, &id, now).await?]
                }
                None => worker::print_pending_letters(&store, &dir, now, args.limit).await?,
            };
            if summaries.is_empty() {
                println!("Aucune lettre en attente d’impression.");
            }
            for s in summaries {
                for f in &s.files {
                    println!("{}", f.display());
                }
                println!(
                    "{} lettres, {} pages, {} refusées",
                    s.included.len(),
                    s.pages,
                    s.rejected.len()
                );
                for (id, why) in &s.rejected {
                    println!("  refusée {id} : {why}");
                }
            }
        }
        LettersCommand::Batches => {
            for b in store.list_print_batches(100).await? {
                println!(
                    "{}\t{}\t{} lettres\t{} pages\tremis le {}\t{} export(s)",
                    b.id,
                    b.status.code(),
                    b.letters,
                    b.pages,
                    b.handed_over_at
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "-".into()),
                    b.exports
                );
            }
        }
        LettersCommand::Returned { letter_id, reason } => {
            store.record_returned_mail(&letter_id, &reason, now).await?;
            println!(
                "Retour enregistré ; l’adresse est marquée à vérifier et un agent est alerté."
            );
        }
        LettersCommand::Signature(args) => signature(&store, args, now).await?,
        LettersCommand::Sample {
            out,
            large_print,
            easy_to_read,
        } => {
            let size = if large_print {
                PrintSize::LargePrint
            } else {
                PrintSize::Standard
            };
            let wording = if easy_to_read {
                Wording::EasyToRead
            } else {
                Wording::Standard
            };
            let letter = sample_decision(size, wording)?;
            let pdf =
                tokio::task::spawn_blocking(move || render(&letter, Output::Accessible)).await??;
            std::fs::write(&out, pdf.pdf)?;
            println!("{} ({} pages)", out.display(), pdf.pages);
        }
    }
    Ok(())
}

/// `guichet letters signature`.
async fn signature(store: &Store, args: SignatureArgs, now: DateTime<Utc>) -> anyhow::Result<()> {
    let operator =
        guichet_domain::OperatorId::parse(&args.operator).map_err(|e| anyhow::anyhow!("{e}"))?;
    if !store
        .list_operators()
        .await?
        .iter()
        .any(|o| o.id == operator)
    {
        anyhow::bail!("unknown operator {operator}");
    }
    if args.clear {
        let removed = store.clear_signature_delegation(&operator).await?;
        println!(
            "{}",
            if removed {
                "Délégation de signature retirée."
            } else {
                "Aucune délégation de signature n’était enregistrée."
            }
        );
        return Ok(());
    }
    if let (Some(mention), Some(name), Some(title)) = (args.mention, args.name, args.title) {
        let clean = |s: String| s.trim().to_owned();
        let (mention, name, title) = (clean(mention), clean(name), clean(title));
        if mention.is_empty() || name.is_empty() || title.is_empty() {
            anyhow::bail!("the mention, the name and the title must not be empty");
        }
        store
            .set_signature_delegation(
                &guichet_store::SignatureDelegation {
                    operator: operator.clone(),
                    mention,
                    name,
                    title,
                    every_decision: args.every_decision,
                },
                now,
            )
            .await?;
    }
    match store.signature_delegation(&operator).await? {
        Some(d) => println!(
            "{}\n{}\n{}\n({})",
            d.mention,
            d.name,
            d.title,
            if d.every_decision {
                "signe toutes les décisions"
            } else {
                "signe les décisions qu’aucun agent ne signe, dont celles nées du silence"
            }
        ),
        None => println!("Aucune délégation de signature pour {operator}."),
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List the templates in use (stored version, or the shipped default).
    List,
    /// Print a template as a file that `update` accepts.
    Show(TemplateKey),
    /// Save a new version from a TOML file, after checking it.
    Update {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[arg(long, default_value = "administrateur")]
        author: String,
    },
    /// Render a template with sample data (a letter is written as a PDF with --out).
    Preview {
        #[command(flatten)]
        key: TemplateKey,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct TemplateKey {
    /// receipt, documents_request, decision, reminder, mandate_notice
    pub kind: String,
    /// email, sms, letter
    pub channel: String,
    /// standard or easy_to_read
    #[arg(long, default_value = "standard")]
    pub wording: String,
}

/// The templates in use: the latest stored version of each, else the shipped default.
pub async fn current_templates(store: &Store) -> anyhow::Result<Vec<(Template, Option<u32>)>> {
    let mut out: Vec<(Template, Option<u32>)> = default_templates()?
        .into_iter()
        .map(|t| (t, None))
        .collect();
    for row in store.list_templates(false).await? {
        let template = parse_template_file(&row.source)?;
        let same = |t: &Template| {
            t.source().kind == row.kind
                && t.source().channel == row.channel
                && wording_serde::as_str(t.source().wording) == row.wording
        };
        match out.iter_mut().find(|(t, _)| same(t)) {
            Some(slot) => *slot = (template, Some(row.version)),
            None => out.push((template, Some(row.version))),
        }
    }
    Ok(out)
}

fn find<'a>(
    templates: &'a [(Template, Option<u32>)],
    key: &TemplateKey,
) -> anyhow::Result<&'a Template> {
    templates
        .iter()
        .map(|(t, _)| t)
        .find(|t| {
            t.source().kind.as_str() == key.kind
                && t.source().channel.as_str() == key.channel
                && wording_serde::as_str(t.source().wording) == key.wording
        })
        .ok_or_else(|| anyhow::anyhow!("aucun modèle {}/{}/{}", key.kind, key.channel, key.wording))
}

/// `guichet templates …`.
pub async fn templates(
    store: Store,
    command: TemplatesCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let all = current_templates(&store).await?;
    match command {
        TemplatesCommand::List => {
            for (t, version) in &all {
                let s = t.source();
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    s.kind.as_str(),
                    s.channel.as_str(),
                    wording_serde::as_str(s.wording),
                    version
                        .map(|v| format!("v{v}"))
                        .unwrap_or_else(|| "défaut".into()),
                    t.used_placeholders().join(",")
                );
            }
        }
        TemplatesCommand::Show(key) => print!("{}", to_template_file(find(&all, &key)?.source())?),
        TemplatesCommand::Update { file, author } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let template = parse_template_file(&text)?;
            let s: &TemplateSource = template.source();
            let version = store
                .save_template(
                    s.kind,
                    s.channel,
                    wording_serde::as_str(s.wording),
                    &to_template_file(s)?,
                    &author,
                    now,
                )
                .await?;
            println!(
                "Modèle {}/{} enregistré, version {version}.",
                s.kind.as_str(),
                s.channel.as_str()
            );
        }
        TemplatesCommand::Preview { key, out } => {
            let template = find(&all, &key)?;
            let kind = template.source().kind;
            let text = template.render(&sample_values(kind))?;
            match template.source().channel {
                Delivery::Letter => {
                    let mut letter =
                        sample_decision(PrintSize::Standard, template.source().wording)?;
                    letter.subject = text.subject.clone().unwrap_or_default();
                    letter.body = text.paragraphs.clone();
                    if kind != NotificationKind::Decision {
                        letter.kind = guichet_letters::LetterKind::Information;
                    } else {
                        letter.kind = guichet_letters::LetterKind::Decision {
                            legal_mentions: text.legal_mentions.clone(),
                        };
                    }
                    let out = out.unwrap_or_else(|| PathBuf::from("apercu.pdf"));
                    let pdf =
                        tokio::task::spawn_blocking(move || render(&letter, Output::Accessible))
                            .await??;
                    std::fs::write(&out, pdf.pdf)?;
                    println!("{} ({} pages)", out.display(), pdf.pages);
                }
                Delivery::Sms => {
                    let m = guichet_notify::sms_text::measure(&text.paragraphs.join(" "));
                    println!(
                        "{}\n-- {} caractères, {} SMS, {}",
                        m.text,
                        m.units,
                        m.parts,
                        if m.gsm7 { "GSM-7" } else { "UCS-2" }
                    );
                }
                Delivery::Email => {
                    println!("Objet : {}\n", text.subject.unwrap_or_default());
                    println!("{}", text.paragraphs.join("\n\n"));
                }
            }
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// Count notifications by status.
    Status,
    /// List notifications: pending, sending, failed (parked), …
    List {
        #[arg(long, default_value = "failed")]
        status: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Send a parked notification again (or all of them with --all).
    Retry {
        id: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Open alerts for agents (unreachable people, returned mail, parked notifications).
    Alerts,
    /// A case's history: its journal with every notification attempt and status change.
    Case {
        /// The case reference, for example GX-7K4M-2Q9P.
        reference: String,
    },
}

/// French wording of a step in a notification's history.
pub fn step_label_fr(step: NotificationStep) -> &'static str {
    match step {
        NotificationStep::Status(status) => match status {
            IntentStatus::Pending => "en attente d’envoi",
            IntentStatus::Sending => "envoi en cours",
            IntentStatus::Sent => "envoyé",
            IntentStatus::Batched => "placé dans un lot d’impression",
            IntentStatus::HandedOver => "remis à l’imprimeur",
            IntentStatus::Failed => "abandonné, à traiter par un agent",
            IntentStatus::Returned => "revenu : pli non distribuable",
        },
        NotificationStep::Requeued => "remis en file après une interruption",
    }
}

/// One line per entry of a case's history, for the terminal.
pub fn history_lines(entries: &[guichet_store::outbox::HistoryEntry]) -> Vec<String> {
    use guichet_store::outbox::HistoryEntry;
    entries
        .iter()
        .map(|e| match e {
            HistoryEntry::Event(ev) => format!(
                "{}  {} ({}, {})",
                ev.at.format("%Y-%m-%d %H:%M"),
                ev.kind.label_fr(),
                ev.channel.label_fr(),
                ev.actor.label_fr()
            ),
            HistoryEntry::Notification(n) => {
                let channel = match n.channel {
                    Delivery::Email => "courriel",
                    Delivery::Sms => "SMS",
                    Delivery::Letter => "courrier",
                };
                let mut line = format!(
                    "{}    · {channel} : {}",
                    n.at.format("%Y-%m-%d %H:%M"),
                    step_label_fr(n.step)
                );
                if n.attempt > 0 {
                    line.push_str(&format!(" (essai {})", n.attempt));
                }
                if let Some(d) = &n.detail {
                    line.push_str(&format!(" — {d}"));
                }
                line
            }
        })
        .collect()
}

/// `guichet notifications …`.
pub async fn notifications(
    store: Store,
    command: NotificationsCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    match command {
        NotificationsCommand::Status => {
            for (status, n) in store.count_by_status().await? {
                println!("{}\t{n}", status.code());
            }
        }
        NotificationsCommand::List { status, limit } => {
            let status = match status.as_str() {
                "all" => None,
                s => Some(
                    IntentStatus::from_code(s)
                        .ok_or_else(|| anyhow::anyhow!("statut inconnu « {s} »"))?,
                ),
            };
            for i in store.list_intents(status, limit).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{} essai(s)\t{}\t{}",
                    i.id,
                    i.status.code(),
                    i.channel.as_str(),
                    i.case_reference.unwrap_or_default(),
                    i.attempts,
                    i.next_attempt_at.to_rfc3339(),
                    i.last_error.unwrap_or_default()
                );
            }
        }
        NotificationsCommand::Retry { id, all } => {
            anyhow::ensure!(id.is_some() != all, "donnez un identifiant ou --all");
            let n = store.retry_failed(id.as_deref(), now).await?;
            println!("{n} notification(s) remise(s) en file d’envoi.");
        }
        NotificationsCommand::Case { reference } => {
            let reference = guichet_domain::CaseReference::parse(&reference)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            for line in history_lines(&store.case_history(&reference).await?) {
                println!("{line}");
            }
        }
        NotificationsCommand::Alerts => {
            for a in store.open_alerts(200).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    a.created_at.to_rfc3339(),
                    a.kind.as_str(),
                    a.case_reference.unwrap_or_default(),
                    a.person_id.unwrap_or_default(),
                    a.message
                );
            }
        }
    }
    Ok(())
}
