//! The sender block of letters: where people write back to (`[channels.post] address`) and the
//! phone line they can call (`[channels.phone] number` and `hours`).
//!
//! Letters need these as values, not as text to scrape: the address is split into its lines,
//! postcode and town once, when the definition is parsed, and an address that a letter could not
//! print (no « 59990 Commune » at the end, too long for a window envelope's return block) is
//! refused then, with its line, like every other publishing rule.

use serde::Deserialize;
use toml::Spanned;

use super::check::Checker;
use super::raw::{ChannelRaw, DefinitionRaw};
use super::rules::Rule;

/// The address people write to, from `[channels.post] address`
/// (`"CCAS de Saint-Clair-sur-Lys, 2 place de la Mairie, 59990 Saint-Clair-sur-Lys"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReturnAddress {
    /// The comma-separated parts before the postcode and town, trimmed, non-empty, in order.
    /// The first one is often the operator's name: whoever builds the letter decides whether
    /// to print it again.
    pub lines: Vec<String>,
    /// Five digits.
    pub postcode: String,
    /// The town as written (not capitalised: that is the letter's layout).
    pub town: String,
}

/// Why a written address cannot be a return address.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AddressFault {
    /// The last part is not « five digits, a space, a town »; carries that last part.
    NoPostcodeAndTown(String),
    /// More parts than a window envelope's return block holds.
    TooManyParts(usize),
}

impl ReturnAddress {
    /// At most this many comma-separated parts, postcode and town included: the return block
    /// of a window envelope is short.
    pub const MAX_PARTS: usize = 5;

    fn parse(address: &str) -> Result<Self, AddressFault> {
        let mut parts: Vec<String> = address
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if parts.len() > Self::MAX_PARTS {
            return Err(AddressFault::TooManyParts(parts.len()));
        }
        let last = parts.pop().unwrap_or_default();
        let Some((postcode, town)) = last.split_once(' ') else {
            return Err(AddressFault::NoPostcodeAndTown(last));
        };
        let town = town.trim();
        if postcode.len() != 5 || !postcode.bytes().all(|b| b.is_ascii_digit()) || town.is_empty() {
            return Err(AddressFault::NoPostcodeAndTown(last));
        }
        Ok(Self {
            lines: parts,
            postcode: postcode.to_owned(),
            town: town.to_owned(),
        })
    }
}

/// The phone line people can call, from `[channels.phone] number` and `hours`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneLine {
    pub number: String,
    /// Opening hours in plain French (`"du lundi au vendredi de 9 h à 12 h"`), if written.
    pub hours: Option<String>,
}

impl PhoneLine {
    fn from_channel(phone: &ChannelRaw) -> Option<Self> {
        let number = phone
            .number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())?
            .to_owned();
        let hours = phone
            .hours
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned);
        Some(Self { number, hours })
    }
}

impl Checker<'_> {
    /// Reads the sender block, refusing a postal address a letter could not print. A missing
    /// address or number is `check_channels`' refusal, not repeated here.
    pub(super) fn check_sender(
        &mut self,
        raw: &DefinitionRaw,
    ) -> (Option<ReturnAddress>, Option<PhoneLine>) {
        let channels = raw.channels.get_ref();
        let phone = channels.phone.as_ref().and_then(PhoneLine::from_channel);
        let written = channels.post.as_ref().and_then(|p| p.address.as_deref());
        let Some(written) = written.filter(|a| !a.trim().is_empty()) else {
            return (None, phone);
        };
        match ReturnAddress::parse(written) {
            Ok(address) => (Some(address), phone),
            Err(fault) => {
                let message = match fault {
                    AddressFault::NoPostcodeAndTown(last) => format!(
                        "L’adresse postale doit se terminer par le code postal et la commune, par exemple « 1 place de la Mairie, 59990 Saint-Clair-sur-Lys » (elle se termine par « {last} »)."
                    ),
                    AddressFault::TooManyParts(n) => format!(
                        "L’adresse postale compte {n} parties séparées par des virgules : {} au plus, code postal et commune compris, pour tenir dans le bloc de l’expéditeur d’une enveloppe à fenêtre.",
                        ReturnAddress::MAX_PARTS
                    ),
                };
                let at = self.post_address_at().or_else(|| Self::at(&raw.channels));
                self.push(at, Rule::PostalAddress, message);
                (None, phone)
            }
        }
    }

    /// Where `address` is written in `[channels.post]`. `ChannelRaw::address` carries no span
    /// (other crates read it as a plain string), so the text is read again for this key only,
    /// and only when the address is refused.
    fn post_address_at(&self) -> Option<usize> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            channels: Option<Channels>,
        }
        #[derive(Deserialize)]
        struct Channels {
            #[serde(default)]
            post: Option<Post>,
        }
        #[derive(Deserialize)]
        struct Post {
            #[serde(default)]
            address: Option<Spanned<String>>,
        }
        let file: File = toml::from_str(self.text).ok()?;
        let address = file.channels?.post?.address?;
        Some(address.span().start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_splits_into_lines_postcode_and_town() {
        let a = ReturnAddress::parse(
            " CCAS de Saint-Clair-sur-Lys ,2 place de la Mairie,, 59990 Saint-Clair-sur-Lys ",
        )
        .unwrap();
        assert_eq!(
            a.lines,
            ["CCAS de Saint-Clair-sur-Lys", "2 place de la Mairie"]
        );
        assert_eq!(
            (a.postcode.as_str(), a.town.as_str()),
            ("59990", "Saint-Clair-sur-Lys")
        );
        let short = ReturnAddress::parse("59990 Saint-Clair-sur-Lys").unwrap();
        assert!(short.lines.is_empty());
    }

    #[test]
    fn an_address_without_postcode_and_town_or_too_long_is_refused() {
        for bad in [
            "",
            "Mairie, 1 place de la Mairie",
            "Mairie, Saint-Clair-sur-Lys 59990",
            "Mairie, 5999 Saint-Clair-sur-Lys",
            "Mairie, 599900 Saint-Clair-sur-Lys",
            "Mairie, F-59990 Saint-Clair-sur-Lys",
            "Mairie, 59990",
            "Mairie, 59990 ",
        ] {
            assert!(
                matches!(
                    ReturnAddress::parse(bad),
                    Err(AddressFault::NoPostcodeAndTown(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            ReturnAddress::parse("a, b, c, d, e, 59990 Ville"),
            Err(AddressFault::TooManyParts(6))
        );
        assert!(ReturnAddress::parse("a, b, c, d, 59990 Ville").is_ok());
    }

    #[test]
    fn a_phone_line_has_hours_only_if_written() {
        let mut phone = ChannelRaw {
            how: "Appelez.".into(),
            number: Some(" 03 20 00 00 00 ".into()),
            hours: Some("du lundi au vendredi de 9 h à 12 h".into()),
            ..ChannelRaw::default()
        };
        let line = PhoneLine::from_channel(&phone).unwrap();
        assert_eq!(line.number, "03 20 00 00 00");
        assert_eq!(
            line.hours.as_deref(),
            Some("du lundi au vendredi de 9 h à 12 h")
        );
        phone.hours = Some("  ".into());
        assert_eq!(PhoneLine::from_channel(&phone).unwrap().hours, None);
        phone.number = None;
        assert_eq!(PhoneLine::from_channel(&phone), None);
    }
}
