//! The checker: turns a [`DefinitionRaw`] into the domain's [`HostedProcedure`] and the checked
//! form, or collects every broken rule with its line. The form's own rules are in `form`.

use std::collections::BTreeMap;
use std::path::Path;

use guichet_domain::{
    ChannelAccess, DeadlineDuration, HostedProcedure, LegalDeadline, OperatorId, ProcedureChannel,
    ProcedureId,
};
use toml::Spanned;

use super::form::Field;
use super::raw::DefinitionRaw;
use super::rules::{Problem, Rule};
use super::sender::{PhoneLine, ReturnAddress};

/// What a definition that passed every rule turns into, besides the file itself.
pub(super) struct Checked {
    pub(super) procedure: HostedProcedure,
    pub(super) fields: Vec<Field>,
    pub(super) return_address: Option<ReturnAddress>,
    pub(super) phone_line: Option<PhoneLine>,
}

pub(super) struct Checker<'a> {
    file: &'a Path,
    pub(super) text: &'a str,
    pub(super) problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(file: &'a Path, text: &'a str) -> Self {
        Self {
            file,
            text,
            problems: Vec::new(),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub(super) fn push(&mut self, offset: Option<usize>, rule: Rule, message: impl Into<String>) {
        let line = offset.map(|o| self.line_of(o));
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            line,
            rule,
            message: message.into(),
        });
    }

    pub(super) fn at<T>(spanned: &Spanned<T>) -> Option<usize> {
        let span = spanned.span();
        // Defaults carry an empty span at 0: they point at no line.
        if span.is_empty() && span.start == 0 {
            None
        } else {
            Some(span.start)
        }
    }

    pub(super) fn check(&mut self, raw: &DefinitionRaw) -> Option<Checked> {
        let id = ProcedureId::parse(raw.id.get_ref());
        if let Err(e) = &id {
            self.push(Self::at(&raw.id), Rule::Identity, e.message.clone());
        }
        let operator = OperatorId::parse(raw.operator.get_ref());
        if let Err(e) = &operator {
            self.push(Self::at(&raw.operator), Rule::Identity, e.message.clone());
        }
        if raw.title.get_ref().trim().is_empty() {
            self.push(
                Self::at(&raw.title),
                Rule::Identity,
                "Une démarche doit avoir un titre.",
            );
        }
        if *raw.version.get_ref() == 0 {
            self.push(
                Self::at(&raw.version),
                Rule::Identity,
                "Les versions d’une démarche commencent à 1.",
            );
        }
        if raw.audience.is_empty() {
            self.push(
                None,
                Rule::Identity,
                "« audience » doit nommer au moins un public.",
            );
        }
        let deadline = self.check_deadline(raw);
        self.check_channels(raw);
        let (return_address, phone_line) = self.check_sender(raw);
        self.check_rights(raw);
        self.check_presence(raw);
        let fields = self.check_form(raw);

        let channels: BTreeMap<ProcedureChannel, ChannelAccess> = raw
            .channels
            .get_ref()
            .iter()
            .map(|(c, r)| {
                (
                    c,
                    ChannelAccess {
                        how: r.how.trim().to_owned(),
                    },
                )
            })
            .collect();
        let (Ok(id), Ok(operator)) = (id, operator) else {
            return None;
        };
        if !self.problems.is_empty() {
            return None;
        }
        let procedure_fields = guichet_domain::procedure::HostedProcedureFields {
            id,
            version: *raw.version.get_ref(),
            title: raw.title.get_ref().clone(),
            summary: raw.summary.clone(),
            operator,
            channels,
            deadline,
            decides_rights: *raw.decides_rights.get_ref(),
        };
        match HostedProcedure::try_from(procedure_fields) {
            Ok(procedure) => Some(Checked {
                procedure,
                fields,
                return_address,
                phone_line,
            }),
            Err(e) => {
                // The domain re-checks the channel rules; reaching here means a rule it knows
                // and this checker does not, so report it rather than losing it.
                self.push(Self::at(&raw.channels), Rule::Identity, e.message);
                None
            }
        }
    }

    fn check_deadline(&mut self, raw: &DefinitionRaw) -> Option<LegalDeadline> {
        let spanned = raw.deadline.as_ref()?;
        let d = spanned.get_ref();
        let duration = match (d.days, d.months) {
            (Some(n), None) if n > 0 => Some(DeadlineDuration::Days(n)),
            (None, Some(n)) if n > 0 => Some(DeadlineDuration::Months(n)),
            _ => None,
        };
        match duration {
            Some(duration) => Some(LegalDeadline {
                duration,
                silence: d.silence,
            }),
            None => {
                self.push(
                    Self::at(spanned),
                    Rule::Identity,
                    "Le délai légal s’écrit soit « days = N », soit « months = N » (N > 0), pas les deux.",
                );
                None
            }
        }
    }

    fn check_channels(&mut self, raw: &DefinitionRaw) {
        let at = Self::at(&raw.channels);
        let channels = raw.channels.get_ref();
        if channels.iter().next().is_none() {
            self.push(
                at,
                Rule::NeverDigitalOnly,
                "La démarche n’est ouverte sur aucun canal : ouvrez au moins le téléphone, le guichet ou le courrier.",
            );
            return;
        }
        if channels.iter().all(|(c, _)| c.is_digital()) {
            self.push(
                at,
                Rule::NeverDigitalOnly,
                "La démarche ne peut se faire qu’en ligne : ouvrez aussi [channels.phone], [channels.counter] ou [channels.post] (droit au refus du numérique).",
            );
        }
        for (channel, access) in channels.iter() {
            let name = match channel {
                ProcedureChannel::Web => "web",
                ProcedureChannel::Phone => "phone",
                ProcedureChannel::Counter => "counter",
                ProcedureChannel::Post => "post",
            };
            let missing = match channel {
                _ if access.how.trim().is_empty() => Some("« how » (comment faire)"),
                ProcedureChannel::Phone if blank(&access.number) => Some("« number »"),
                ProcedureChannel::Post if blank(&access.address) => Some("« address »"),
                ProcedureChannel::Counter if access.counters.is_empty() => Some("« counters »"),
                _ => None,
            };
            if let Some(what) = missing {
                self.push(
                    at,
                    Rule::Identity,
                    format!("[channels.{name}] doit indiquer {what}."),
                );
            }
        }
    }

    fn check_rights(&mut self, raw: &DefinitionRaw) {
        if !*raw.decides_rights.get_ref() {
            return;
        }
        let by_post = raw
            .decisions
            .as_ref()
            .is_some_and(|d| d.get_ref().notify.iter().any(|c| c == "post"));
        if !by_post {
            let at = raw
                .decisions
                .as_ref()
                .and_then(Self::at)
                .or_else(|| Self::at(&raw.decides_rights));
            self.push(
                at,
                Rule::RightsDecisionsByPost,
                "Cette démarche décide de droits (decides_rights = true) : ses décisions doivent être notifiées par courrier, écrivez [decisions] notify = [\"post\", …].",
            );
        }
        if let Some(d) = &raw.decisions {
            for c in &d.get_ref().notify {
                if !matches!(c.as_str(), "post" | "email" | "sms" | "counter") {
                    self.push(
                        Self::at(d),
                        Rule::Syntax,
                        format!(
                            "Canal de notification inconnu « {c} » (post, email, sms, counter)."
                        ),
                    );
                }
            }
        }
    }

    fn check_presence(&mut self, raw: &DefinitionRaw) {
        if *raw.digitisable.get_ref() {
            return;
        }
        let at = Self::at(&raw.digitisable);
        if raw.places.iter().all(|p| p.trim().is_empty()) {
            self.push(
                at,
                Rule::NonDigitisableNamesPlaces,
                "Cette démarche ne peut pas être dématérialisée (digitisable = false) : « places » doit nommer les lieux où elle se fait.",
            );
        }
        if raw.channels.get_ref().counter.is_none() {
            self.push(
                at,
                Rule::NonDigitisableNamesPlaces,
                "Cette démarche demande une présence physique (digitisable = false) : ouvrez [channels.counter].",
            );
        }
    }
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}
