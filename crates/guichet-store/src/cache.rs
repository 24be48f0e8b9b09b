//! What a server keeps in memory of the rows its pages read on every request, on PostgreSQL:
//! a case's journal, a person, a web session, the operators and the latest procedures. Without
//! it, the page of a followed case made three round trips to the database, and PostgreSQL's
//! share of the two cores capped it at about a tenth of what the server can answer.
//!
//! Several servers share one PostgreSQL, so a server must learn of the others' changes. After a
//! change to one of these rows commits, the writing server forgets the row at once and sends its
//! name on [`CHANNEL`] (`pg_notify`); each server listens on a connection of its own and forgets
//! what a notification names. A payload starts with its server's origin (`@<random hex>
//! j:<reference>`), so that a server skips its own notifications, which come back to it: forgetting
//! its own changes again made the journals it keeps useless to a draft's next step. Notifications
//! are sent by a task of their own, many in one statement, on connections that do not wait for the
//! disk (`synchronous_commit = off`): PostgreSQL serialises the commits of transactions that
//! notify, so a notification inside each case change's transaction made every change wait for the
//! previous one's flush (the form-step benchmark fell from 1.7k to 1.3k req/s). A value read from
//! the database is kept only if its row was not changed while it was being read (each key remembers
//! the epoch of its last change), so a read that raced a change never keeps the old value. What
//! remains is the time a notification takes to arrive (milliseconds): meanwhile another server may
//! show the previous state of a page. A notification lost (the writing server stopped between its
//! commit and the sending) is bounded by [`MAX_AGE`]: nothing is served older than that. Writes
//! never rely on the cache's word: a case change checks the version in the database, and a conflict
//! forgets the case.
//!
//! The cache is used only while the listening connection is up. When it drops, notifications
//! may have been missed: everything is forgotten and reads go to the database until the
//! connection is listening again.
//!
//! SQLite keeps no such cache: another process (`guichet worker`, a command) may write the file
//! without telling this one, and its reads are inline and cheap ([`crate::read`]). It keeps
//! only journals, checked against the file at each read ([`crate::journals`]).

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use guichet_domain::{Event, HostedProcedure, Operator, Person};
use lru::LruCache;

use crate::portal::SessionRow;

/// The notification channel of changes to cached rows.
pub(crate) const CHANNEL: &str = "guichet_changes";

/// Entries kept, all kinds together; the least recently used go first.
const CAPACITY: usize = 8192;

/// The longest a kept row is served without being read again: the bound on staleness when a
/// notification is lost.
const MAX_AGE: Duration = Duration::from_secs(30);

/// Notifications sent in one statement, at most.
const BATCH: usize = 512;

/// How often the listening task checks that its store still exists, and waits before
/// listening again after a failure.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// A cached row, named as in its notification's payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// `j:<reference>`: a case's journal.
    Journal(String),
    /// `p:<id>`: a person.
    Person(String),
    /// `s:<id>`: a web session.
    Session(String),
    /// `o:`: the operators (the header and the home and procedure pages name them).
    Operators,
    /// `v:`: the latest version of every hosted procedure (the home page lists them, a
    /// procedure's page shows one).
    Procedures,
}

impl Key {
    pub(crate) fn payload(&self) -> String {
        match self {
            Key::Journal(r) => format!("j:{r}"),
            Key::Person(id) => format!("p:{id}"),
            Key::Session(id) => format!("s:{id}"),
            Key::Operators => "o:".to_owned(),
            Key::Procedures => "v:".to_owned(),
        }
    }

    /// The key a payload names; `None` for `*` (everything) or a payload of another version.
    fn parse(payload: &str) -> Option<Key> {
        let (kind, id) = payload.split_once(':')?;
        let id = id.to_owned();
        match kind {
            "j" => Some(Key::Journal(id)),
            "p" => Some(Key::Person(id)),
            "s" => Some(Key::Session(id)),
            "o" => Some(Key::Operators),
            "v" => Some(Key::Procedures),
            _ => None,
        }
    }
}

/// The payload that makes every server forget everything (a bulk change).
pub(crate) const EVERYTHING: &str = "*";

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Journal(Arc<Vec<Event>>),
    Person(Arc<Person>),
    Session(Arc<SessionRow>),
    Operators(Arc<Vec<Operator>>),
    Procedures(Arc<Vec<HostedProcedure>>),
}

/// What the cache holds of one key: its value, if kept, and the epoch of its last change
/// heard of (a read whose ticket is older keeps nothing).
#[derive(Debug)]
struct Entry {
    kept: Option<(Value, Instant)>,
    changed: u64,
}

#[derive(Debug)]
struct Entries {
    lru: LruCache<Key, Entry>,
    /// The latest change among the keys no longer held (pushed out, or everything forgotten):
    /// a read whose ticket is older keeps nothing, whatever its key.
    floor: u64,
}

impl Entries {
    /// Holds `entry` for `key`; the change of a key pushed out to make room raises the floor.
    fn hold(&mut self, key: Key, entry: Entry) {
        let replaces = self.lru.contains(&key);
        if let Some((_, old)) = self.lru.push(key, entry)
            && !replaces
        {
            self.floor = self.floor.max(old.changed);
        }
    }
}

#[derive(Debug)]
pub(crate) struct ReadCache {
    /// Whether the listening connection is up (the cache is used only then).
    live: AtomicBool,
    /// Moves on every forgetting; the tickets of reads are taken from it.
    epoch: AtomicU64,
    entries: Mutex<Entries>,
    /// Payloads for the other servers, sent by the announcing task.
    /// (Gone once the store is closed: the announcing task then sends what is left and ends.)
    outgoing: Mutex<Option<tokio::sync::mpsc::UnboundedSender<String>>>,
    /// What starts this server's payloads (`@<random hex> `): its own notifications come back
    /// to it, and are skipped, since it forgot or updated the rows at commit.
    origin: String,
    /// Tells the listening task to end.
    stop: Arc<tokio::sync::Notify>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl ReadCache {
    fn new(outgoing: Option<tokio::sync::mpsc::UnboundedSender<String>>) -> Self {
        ReadCache {
            outgoing: Mutex::new(outgoing),
            origin: format!("@{} ", uuid::Uuid::new_v4().simple()),
            live: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            entries: Mutex::new(Entries {
                lru: LruCache::new(NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN)),
                floor: 0,
            }),
            stop: Arc::new(tokio::sync::Notify::new()),
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Creates the cache of a PostgreSQL store and the task that listens for changes at `url`;
    /// the task ends within [`HEARTBEAT`] once the store is dropped.
    pub(crate) fn start(url: &str) -> Arc<ReadCache> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let cache = Arc::new(ReadCache::new(Some(tx)));
        let listening = tokio::spawn(listen(
            url.to_owned(),
            Arc::downgrade(&cache),
            cache.stop.clone(),
        ));
        let announcing = tokio::spawn(announce(url.to_owned(), rx));
        if let Ok(mut t) = cache.tasks.lock() {
            t.extend([listening, announcing]);
        }
        cache
    }

    /// Stops listening and announcing, and closes their connections (the store is being
    /// closed; the announcements already asked for are sent first).
    pub(crate) async fn stop(&self) {
        self.stop.notify_one();
        if let Ok(mut out) = self.outgoing.lock() {
            out.take();
        }
        let tasks = self
            .tasks
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        for task in tasks {
            let _ = task.await;
        }
    }

    fn send(&self, payload: String) {
        if let Ok(out) = self.outgoing.lock()
            && let Some(out) = out.as_ref()
        {
            let _ = out.send(format!("{}{payload}", self.origin));
        }
    }

    pub(crate) fn get(&self, key: &Key) -> Option<Value> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let mut entries = self.entries.lock().ok()?;
        match entries.lru.get(key)?.kept.as_ref() {
            Some((value, at)) if at.elapsed() < MAX_AGE => Some(value.clone()),
            // Too old: left for the next read to replace (its change epoch still counts).
            _ => None,
        }
    }

    /// The epoch to give back to [`ReadCache::put`], taken before reading the database.
    pub(crate) fn ticket(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Keeps `value`, read from the database since `ticket`, unless this key changed
    /// meanwhile (the value may be older than that change), or a change of a key no longer
    /// held may have been this one's, or the listener is down. Changes to other keys do not
    /// matter: under a stream of writes to other cases, a global epoch kept nearly every read
    /// from being kept.
    pub(crate) fn put(&self, key: Key, value: Value, ticket: u64) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            let changed = entries.lru.peek(&key).map_or(0, |e| e.changed);
            if ticket < entries.floor || ticket < changed {
                return;
            }
            // The age of a kept row only bounds how stale it may be; it decides nothing of a
            // case (the domain's time comes from its `Clock`). Here and in `appended`.
            #[allow(clippy::disallowed_methods)]
            let now = Instant::now();
            entries.hold(
                key,
                Entry {
                    kept: Some((value, now)),
                    changed,
                },
            );
        }
    }

    /// Marks `key` changed at a new epoch, under the lock, keeping what `then` makes of the
    /// value it held (nothing, or the value the change made).
    fn mark_changed(
        &self,
        entries: &mut Entries,
        key: Key,
        then: impl FnOnce(Option<(Value, Instant)>) -> Option<(Value, Instant)>,
    ) {
        let changed = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        let old = entries.lru.pop(&key).and_then(|e| e.kept);
        let kept = then(old);
        entries.hold(key, Entry { kept, changed });
    }

    pub(crate) fn forget(&self, key: &Key) {
        if let Ok(mut entries) = self.entries.lock() {
            self.mark_changed(&mut entries, key.clone(), |_| None);
        }
    }

    /// A change of this server to `key`'s row committed: forgotten here, announced to the
    /// others.
    pub(crate) fn changed(&self, key: &Key) {
        self.forget(key);
        self.send(key.payload());
    }

    /// A change of this server appended `events` to the journal of `reference`, which had
    /// `base` events when the change was checked against the database: a kept copy of that
    /// very journal grows by them (the next page of the same person needs no read), any other
    /// is forgotten; announced to the others either way.
    pub(crate) fn appended(&self, reference: &str, base: u64, events: &[Event]) {
        let key = Key::Journal(reference.to_owned());
        if let Ok(mut entries) = self.entries.lock() {
            let live = self.live.load(Ordering::Acquire);
            // Marked with the change: a read that began before it keeps nothing.
            self.mark_changed(&mut entries, key.clone(), |old| match old {
                Some((Value::Journal(kept), at))
                    if live && kept.len() as u64 == base && at.elapsed() < MAX_AGE =>
                {
                    let mut journal = Vec::with_capacity(kept.len() + events.len());
                    journal.extend_from_slice(&kept);
                    journal.extend_from_slice(events);
                    #[allow(clippy::disallowed_methods)] // see `put`
                    let now = Instant::now();
                    Some((Value::Journal(Arc::new(journal)), now))
                }
                _ => None,
            });
        }
        self.send(key.payload());
    }

    /// A change of this server to many rows committed (a purge): every server forgets all.
    pub(crate) fn changed_everything(&self) {
        self.forget_all();
        self.send(EVERYTHING.to_owned());
    }

    /// Forgets what a notification names. One of this server's own is skipped: the change
    /// was applied here at commit (forgotten, or a kept journal grown by its events), and
    /// forgetting it again would throw away the journal a draft's next step needs. Another
    /// server's origin is stripped; a payload without one (sent by hand) is read as it is.
    fn forget_payload(&self, payload: &str) {
        if payload.starts_with(&self.origin) {
            return;
        }
        let payload = match payload.strip_prefix('@') {
            Some(tagged) => tagged.split_once(' ').map_or("", |(_, p)| p),
            None => payload,
        };
        match Key::parse(payload) {
            Some(key) => self.forget(&key),
            None => self.forget_all(),
        }
    }

    pub(crate) fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.floor = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
            entries.lru.clear();
        }
    }

    fn set_live(&self, live: bool) {
        // Forgotten before going live and after going down: nothing kept while deaf survives.
        self.forget_all();
        self.live.store(live, Ordering::Release);
        self.forget_all();
    }

    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

/// Listens for changes and forgets what they name, listening again after any failure, until
/// the store is closed ([`ReadCache::stop`]) or dropped.
async fn listen(url: String, cache: Weak<ReadCache>, stop: Arc<tokio::sync::Notify>) {
    // A pool of its own, of one connection, so that closing the store closes it too.
    let pool = match sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy(&url)
    {
        Ok(pool) => pool,
        Err(e) => {
            warn(1, &e);
            return;
        }
    };
    let stopped = stop.notified();
    tokio::pin!(stopped);
    let mut failures = 0u32;
    'listening: loop {
        let Some(c) = cache.upgrade() else { break };
        c.set_live(false);
        drop(c);
        let connected = async {
            let mut l = sqlx::postgres::PgListener::connect_with(&pool).await?;
            l.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        };
        let mut listener = tokio::select! {
            _ = &mut stopped => break,
            l = connected => match l {
                Ok(l) => l,
                Err(e) => {
                    failures += 1;
                    warn(failures, &e);
                    tokio::select! {
                        _ = &mut stopped => break,
                        _ = tokio::time::sleep(HEARTBEAT) => continue,
                    }
                }
            },
        };
        // Reconnections must not happen behind our back: a lost connection ends this round.
        listener.eager_reconnect(false);
        failures = 0;
        match cache.upgrade() {
            Some(c) => c.set_live(true),
            None => break,
        }
        loop {
            let next = tokio::select! {
                _ = &mut stopped => break 'listening,
                next = tokio::time::timeout(HEARTBEAT, listener.try_recv()) => next,
            };
            match next {
                Ok(Ok(Some(n))) => match cache.upgrade() {
                    Some(c) => c.forget_payload(n.payload()),
                    None => break 'listening,
                },
                // The connection dropped (`Ok(None)`) or failed: listen again from scratch.
                Ok(Ok(None)) | Ok(Err(_)) => break,
                Err(_) => {
                    if cache.strong_count() == 0 {
                        break 'listening;
                    }
                }
            }
        }
    }
    if let Some(c) = cache.upgrade() {
        c.set_live(false);
    }
    pool.close().await;
}

/// Sends the payloads this server asks for, as many as are waiting in one statement, until
/// the store is closed or dropped (the queue's sender with it).
async fn announce(url: String, mut queue: tokio::sync::mpsc::UnboundedReceiver<String>) {
    use std::str::FromStr;
    let options = match sqlx::postgres::PgConnectOptions::from_str(&url) {
        // Nothing to make durable: a notification is not stored, so no wait for the disk.
        Ok(o) => o.options([("synchronous_commit", "off")]),
        Err(e) => {
            warn(1, &e);
            return;
        }
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options);
    let mut failures = 0u32;
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        batch.sort_unstable();
        batch.dedup();
        let sent = sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
            .bind(CHANNEL)
            .bind(&batch)
            .execute(&pool)
            .await;
        match sent {
            Ok(_) => failures = 0,
            Err(e) => {
                // Lost: the other servers see the change within MAX_AGE.
                failures += 1;
                warn(failures, &e);
            }
        }
        batch.clear();
    }
    pool.close().await;
}

fn warn(failures: u32, e: &sqlx::Error) {
    // Once, then every minute or so: a database that is down is already reported elsewhere.
    if failures == 1 || failures.is_multiple_of(60) {
        tracing::warn!(
            "cannot listen for changes on PostgreSQL ({e}); pages read the database until it \
             answers"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_their_key_and_anything_else_means_everything() {
        for key in [
            Key::Journal("2026-ABCD-1234".into()),
            Key::Person("p1".into()),
            Key::Session("s:1".into()),
            Key::Operators,
            Key::Procedures,
        ] {
            assert_eq!(Key::parse(&key.payload()), Some(key));
        }
        assert_eq!(Key::parse(EVERYTHING), None);
        assert_eq!(Key::parse("x:1"), None);
    }

    fn session(id: &str) -> Value {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        Value::Session(Arc::new(SessionRow {
            id: id.into(),
            csrf: "c".into(),
            data: "{}".into(),
            created_at: at,
            last_seen_at: at,
        }))
    }

    #[test]
    fn a_journal_kept_at_the_version_a_change_was_made_on_grows_by_its_events() {
        let cache = ReadCache::new(None);
        cache.set_live(true);
        let key = Key::Journal("R".into());
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        let event = |seq| Event {
            seq,
            at,
            channel: guichet_domain::Channel::Web,
            actor: guichet_domain::Actor::System,
            kind: guichet_domain::EventKind::ExaminationStarted,
        };
        let journal = |n: u64| Value::Journal(Arc::new((1..=n).map(event).collect()));
        let len = |c: &ReadCache| match c.get(&key) {
            Some(Value::Journal(j)) => Some(j.len()),
            _ => None,
        };
        cache.put(key.clone(), journal(2), cache.ticket());
        cache.appended("R", 2, &[event(3)]);
        assert_eq!(len(&cache), Some(3));
        // Kept at another version than the change's: forgotten, not patched.
        cache.appended("R", 5, &[event(6)]);
        assert_eq!(len(&cache), None);
        // A read that began before the change keeps nothing.
        let ticket = cache.ticket();
        cache.appended("R", 3, &[event(4)]);
        cache.put(key.clone(), journal(3), ticket);
        assert_eq!(len(&cache), None);
    }

    #[test]
    fn a_server_skips_its_own_notifications_and_heeds_the_others() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let cache = ReadCache::new(Some(tx));
        cache.set_live(true);
        let key = Key::Session("a".into());
        cache.changed(&Key::Session("b".into()));
        let own = rx.try_recv().unwrap_or_default();
        assert!(own.starts_with('@') && own.ends_with(" s:b"), "{own}");
        cache.put(key.clone(), session("a"), cache.ticket());
        let ticket = cache.ticket();
        cache.forget_payload(&own);
        assert!(cache.get(&key).is_some());
        assert_eq!(cache.ticket(), ticket, "its own notification moves nothing");
        let other = ReadCache::new(None);
        cache.forget_payload(&format!("{}s:a", other.origin));
        assert!(
            cache.get(&key).is_none(),
            "another server's change is heeded"
        );
        cache.put(key.clone(), session("a"), cache.ticket());
        cache.forget_payload(&format!("{}*", other.origin));
        assert!(cache.get(&key).is_none(), "and its bulk change");
    }

    #[test]
    fn a_change_pushed_out_of_the_cache_still_stops_the_reads_that_raced_it() {
        let cache = ReadCache::new(None);
        cache.set_live(true);
        let key = Key::Session("a".into());
        let ticket = cache.ticket();
        cache.forget(&key);
        // Enough other rows to push the record of that change out.
        for n in 0..CAPACITY {
            cache.put(
                Key::Session(format!("other {n}")),
                session("x"),
                cache.ticket(),
            );
        }
        cache.put(key.clone(), session("a"), ticket);
        assert!(cache.get(&key).is_none());
        cache.put(key.clone(), session("a"), cache.ticket());
        assert!(cache.get(&key).is_some(), "a read begun after it is kept");
        // Everything forgotten: no read begun before is kept.
        let ticket = cache.ticket();
        cache.forget_all();
        cache.put(key.clone(), session("a"), ticket);
        assert!(cache.get(&key).is_none());
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let cache = ReadCache::new(None);
        let key = Key::Session("a".into());
        cache.put(key.clone(), session("a"), cache.ticket());
        assert!(cache.get(&key).is_none(), "nothing is kept while deaf");
        cache.set_live(true);
        let ticket = cache.ticket();
        cache.forget(&key);
        cache.put(key.clone(), session("a"), ticket);
        assert!(
            cache.get(&key).is_none(),
            "a change arrived during the read"
        );
        let ticket = cache.ticket();
        cache.forget(&Key::Session("b".into()));
        cache.put(key.clone(), session("a"), ticket);
        assert!(
            cache.get(&key).is_some(),
            "another row's change does not matter"
        );
        cache.forget(&key);
        cache.put(key.clone(), session("a"), cache.ticket());
        assert!(cache.get(&key).is_some());
        cache.forget_payload("s:a");
        assert!(cache.get(&key).is_none());
        cache.put(key.clone(), session("a"), cache.ticket());
        cache.forget_payload(EVERYTHING);
        assert!(cache.get(&key).is_none());
        cache.put(key.clone(), session("a"), cache.ticket());
        cache.set_live(false);
        assert!(cache.get(&key).is_none(), "a deaf cache answers nothing");
        cache.set_live(true);
        assert!(cache.get(&key).is_none(), "and keeps nothing from before");
    }
}
