//! `guichet agents add` and `guichet agents list` on an embedded database: the first
//! administrator of an operator, then bad input refused with a French message and nothing
//! stored.

use std::path::Path;
use std::process::Output;

use guichet_domain::{Operator, OperatorId, OperatorKind, StaffRole};
use guichet_store::Store;

use crate::support::guichet;

fn run(args: &[&str], data: &Path, password: Option<&str>) -> Output {
    let mut c = guichet();
    c.args(args).arg("--data-dir").arg(data);
    c.env_remove("GUICHET_AGENT_PASSWORD");
    if let Some(p) = password {
        c.env("GUICHET_AGENT_PASSWORD", p);
    }
    c.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `body` on the instance's SQLite database (migrated by a first command).
fn with_store<T>(data: &Path, body: impl AsyncFnOnce(&Store) -> T) -> T {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = Store::open_sqlite(&data.join("guichet.db")).await.unwrap();
        let out = body(&store).await;
        store.close().await;
        out
    })
}

const ADD: &[&str] = &[
    "agents",
    "add",
    "--login",
    "Aline.Martin@Mairie.example",
    "--name",
    "Aline Martin",
    "--title",
    "Secrétaire générale, mairie de Saint-Clair-sur-Lys",
    "--role",
    "administrator",
    "--operator",
    "mairie-saint-clair",
];

#[test]
fn agents_add_creates_the_first_administrator_once() {
    let data = tempfile::tempdir().unwrap();
    // An empty database: no operator yet, so nothing can be created.
    let o = run(ADD, data.path(), None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("n’en contient encore aucun"),
        "{}",
        stderr(&o)
    );
    with_store(data.path(), async |store| {
        for (id, name) in [
            ("mairie-saint-clair", "Mairie de Saint-Clair-sur-Lys"),
            ("ccas-saint-clair", "CCAS de Saint-Clair-sur-Lys"),
        ] {
            store
                .save_operator(&Operator {
                    id: OperatorId::parse(id).unwrap(),
                    name: name.into(),
                    kind: OperatorKind::TownHall,
                })
                .await
                .unwrap();
        }
    });

    let o = run(ADD, data.path(), None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Compte créé : Aline Martin (aline.martin@mairie.example)"),
        "{out}"
    );
    assert!(out.contains("connectez-vous sur /agents/connexion ; un code de double authentification sera demandé à la première connexion"), "{out}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("Mot de passe provisoire (affiché une seule fois) : "))
        .unwrap()
        .to_owned();
    assert!(guichet_auth::check_password_policy(&password).is_ok());

    let (account, journal) = with_store(data.path(), async |store| {
        let a = store
            .agent_by_login("aline.martin@mairie.example")
            .await
            .unwrap()
            .unwrap();
        let j = store.security_events(Some(a.id), 10).await.unwrap();
        (a, j)
    });
    assert_eq!(account.role, StaffRole::Administrator);
    assert_eq!(account.operator.as_str(), "mairie-saint-clair");
    assert_eq!(account.place, None);
    assert_eq!(account.totp_secret, None);
    assert!(!account.suspended);
    assert!(guichet_auth::verify_password(
        &password,
        &account.password_hash
    ));
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].event, "account_created");
    assert_eq!(journal[0].detail, "guichet agents add (ligne de commande)");

    // A password given in the environment is used and not printed.
    let mut agent = ADD.to_vec();
    agent[3] = "cdubois";
    agent[9] = "front-desk";
    agent.extend(["--place", "Accueil"]);
    let o = run(&agent, data.path(), Some("Cheval-agrafe-pile-9"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("Cheval-agrafe-pile-9"));
    assert!(!stdout(&o).contains("Mot de passe provisoire"));

    let o = run(
        &["agents", "list", "--operator", "mairie-saint-clair"],
        data.path(),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("aline.martin@mairie.example\tAline Martin\tadministrateur ou administratrice\t-\tactif\tdouble authentification à activer"), "{out}");
    assert!(
        out.contains("cdubois\tAline Martin\tagent d’accueil\tAccueil\tactif"),
        "{out}"
    );

    // The same login again is refused, and so is an operator the database does not know.
    let o = run(ADD, data.path(), None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("l’identifiant « aline.martin@mairie.example » est déjà pris"),
        "{}",
        stderr(&o)
    );
    let mut unknown = ADD.to_vec();
    unknown[3] = "autre@mairie.example";
    unknown[11] = "mairie-inconnue";
    let o = run(&unknown, data.path(), None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Organismes connus : ccas-saint-clair, mairie-saint-clair."),
        "{}",
        stderr(&o)
    );
}

#[test]
fn agents_add_refuses_bad_input_and_stores_nothing() {
    let data = tempfile::tempdir().unwrap();
    let mut bad_login = ADD.to_vec();
    bad_login[3] = "élodie martin";
    let o = run(&bad_login, data.path(), None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("L’identifiant ne peut contenir"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("panicked"));

    let o = run(ADD, data.path(), Some("court"));
    assert_eq!(o.status.code(), Some(1));
    // (The operator is checked first; with one known, the weak password is the problem.)
    with_store(data.path(), async |store| {
        store
            .save_operator(&Operator {
                id: OperatorId::parse("mairie-saint-clair").unwrap(),
                name: "Mairie".into(),
                kind: OperatorKind::TownHall,
            })
            .await
            .unwrap();
    });
    let o = run(ADD, data.path(), Some("court"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("GUICHET_AGENT_PASSWORD ne convient pas"),
        "{}",
        stderr(&o)
    );
    let o = run(&["agents", "add", "--login", "x"], data.path(), None);
    assert_eq!(o.status.code(), Some(2), "clap: missing flags");
    let count = with_store(data.path(), async |store| {
        store
            .list_agents(&OperatorId::parse("mairie-saint-clair").unwrap())
            .await
            .unwrap()
            .len()
    });
    assert_eq!(count, 0);
}
