//! The emails about a person's portal account: confirming the address, choosing a new
//! password, and the answer to a sign-up with an address that already has an account (sent to
//! that address, so the page itself never says whether an account exists). The portal writes
//! them to the outbox when the person asks ([`guichet_domain::NotificationKind::Account`]);
//! `guichet-delivery` sends them like any email. Plain words, the link on its own line, and
//! always the other ways, for people who will not click.

use crate::email_body::html_body;
use crate::payload::Payload;

/// What an account email says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountEmail {
    /// Confirms the address given at sign-up; `link` is valid for `hours`.
    Verify { link: String, hours: i64 },
    /// Lets the person choose a new password; `link` is valid for `minutes`, once.
    Reset { link: String, minutes: i64 },
    /// Someone (probably the person) tried to create an account with this address, which has
    /// one already.
    AlreadyExists { sign_in: String, forgotten: String },
}

/// The email to `to`, from the service named `site`.
pub fn account_email(message: &AccountEmail, to: &str, site: &str) -> Payload {
    let (subject, paragraphs): (String, Vec<String>) = match message {
        AccountEmail::Verify { link, hours } => (
            format!("Confirmez votre adresse — {site}"),
            vec![
                "Bonjour,".to_owned(),
                format!(
                    "Vous avez créé un compte sur le site de {site} avec cette adresse. Pour le confirmer, ouvrez ce lien (il est valable {hours} heures) :"
                ),
                link.clone(),
                "Si vous n’avez rien demandé, ne faites rien : sans confirmation, le compte ne peut pas être utilisé.".to_owned(),
            ],
        ),
        AccountEmail::Reset { link, minutes } => (
            format!("Choisir un nouveau mot de passe — {site}"),
            vec![
                "Bonjour,".to_owned(),
                format!(
                    "Vous avez demandé à changer le mot de passe de votre compte sur le site de {site}. Ouvrez ce lien pour en choisir un nouveau (il est valable {minutes} minutes, une seule fois) :"
                ),
                link.clone(),
                "Si vous n’avez rien demandé, ne faites rien : votre mot de passe reste le même.".to_owned(),
            ],
        ),
        AccountEmail::AlreadyExists { sign_in, forgotten } => (
            format!("Vous avez déjà un compte — {site}"),
            vec![
                "Bonjour,".to_owned(),
                format!(
                    "Quelqu’un, sans doute vous, a voulu créer un compte sur le site de {site} avec cette adresse. Elle a déjà un compte : aucun autre n’a été créé."
                ),
                format!("Pour vous connecter : {sign_in}"),
                format!("Mot de passe oublié : {forgotten}"),
                "Si vous n’avez rien demandé, ne faites rien.".to_owned(),
            ],
        ),
    };
    let closing = format!(
        "Vos dossiers se suivent aussi sans compte, avec la référence et le code de suivi inscrits sur chaque courrier, au guichet ou par téléphone.\n\n{site}"
    );
    let mut all = paragraphs;
    all.push(closing);
    Payload::Email {
        to: to.to_owned(),
        html: html_body(&subject, &all),
        text: all.join("\n\n"),
        subject,
        letter: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_stands_alone_and_other_ways_are_given() {
        let p = account_email(
            &AccountEmail::Verify {
                link: "https://exemple.fr/compte/confirmer?jeton=abc".into(),
                hours: 48,
            },
            "rose@exemple.fr",
            "Mairie & CCAS",
        );
        let Payload::Email {
            text,
            html,
            subject,
            to,
            letter,
        } = p
        else {
            panic!("an email");
        };
        assert_eq!(to, "rose@exemple.fr");
        assert!(letter.is_none());
        assert!(subject.contains("Confirmez"));
        assert!(
            text.contains("\n\nhttps://exemple.fr/compte/confirmer?jeton=abc\n\n"),
            "{text}"
        );
        assert!(text.contains("code de suivi"));
        assert!(html.contains("Mairie &#38; CCAS") || html.contains("Mairie &amp; CCAS"));
    }
}
