#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Stage 3, the OSRM peer: the same question asked to OSRM's `table` service (car profile),
//! built from the same Helsinki extract with the binaries of the `osrm-bindings` wheel, timed,
//! and its answers compared with ours — with OSRM's default profile, and with a profile without
//! turn costs, which models what our engine models.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use guichet_routing::Graph;
use serde_json::{Value, json};

use super::BenchArgs;
use super::engine::{Ours, Question};
use super::memory::{peak_mb, wait_with_peak};
use super::timing::secs;

/// OSRM's figures for the JSON line; all `null` when OSRM is missing.
#[derive(Debug, Default)]
pub(super) struct Figures {
    /// OSRM's best `table` time, in seconds.
    pub peer_s: Option<f64>,
    /// OSRM's time over our end-to-end time.
    pub ratio: Option<f64>,
    /// Agreement with our times (`osrm_check`).
    pub check: Value,
}

/// Asks OSRM the question, prints the figures (or why and how to get OSRM) and returns them.
pub(super) fn compare(
    args: &BenchArgs,
    pbf: &Path,
    graph: &Graph,
    question: &Question,
    ours: &Ours,
) -> Figures {
    let Question { origins, places } = question;
    let mut figures = Figures::default();
    match osrm_table(args, pbf, graph, origins, places, false) {
        Ok((osrm_times, t)) => {
            figures.peer_s = Some(secs(t));
            let ratio = (t.as_secs_f64() / ours.end_to_end.as_secs_f64() * 10.0).round() / 10.0;
            figures.ratio = Some(ratio);
            let default_check = agreement(&ours.per_origin, &osrm_times);
            println!(
                "  OSRM table (profil car.lua par défaut) : {:.4} s, rapport {:.1}×, écart : {default_check}",
                t.as_secs_f64(),
                ratio
            );
            match osrm_table(args, pbf, graph, origins, places, true) {
                Ok((tuned, _)) => {
                    let strict = agreement(&ours.per_origin, &tuned);
                    println!(
                        "  OSRM car.lua sans pénalités de virage/feux, poids = durée : écart {strict}"
                    );
                    figures.check =
                        json!({"default_profile": default_check, "no_turn_costs": strict});
                }
                Err(e) => {
                    println!("  OSRM (profil sans pénalités) : {e:#}");
                    figures.check = json!({"default_profile": default_check});
                }
            }
        }
        Err(e) => println!(
            "  OSRM : non mesuré ({e:#}). Pour l’obtenir : pip download --no-deps --only-binary=:all: \
             --python-version 3.12 --platform manylinux_2_28_x86_64 osrm-bindings, décompresser la roue \
             dans .bench/osrm (ou passer --osrm-bin)"
        ),
    }
    figures
}

/// Agreement of our nearest times with OSRM's (deciseconds): median and 95th percentile of the
/// relative difference, the share of origins within 10 % or 30 s, and whether 95 % of origins
/// are within 5 % (the tolerance for OSRM's profile without turn costs: what remains are
/// OSRM's surface and other speed caps we do not model, and its per-segment rounding).
pub(super) fn agreement(ours: &[u32], osrm: &[Option<f64>]) -> Value {
    let mut rel = Vec::new();
    let mut within = 0usize;
    for (&o, r) in ours.iter().zip(osrm) {
        let (Some(r), true) = (r, o != u32::MAX) else {
            continue;
        };
        let o = f64::from(o);
        let r = r * 10.0; // OSRM seconds -> deciseconds
        let d = (o - r).abs();
        if d <= (0.10 * r).max(300.0) {
            within += 1;
        }
        rel.push(if r > 0.0 {
            d / r
        } else if d == 0.0 {
            0.0
        } else {
            1.0
        });
    }
    if rel.is_empty() {
        return Value::Null;
    }
    rel.sort_by(f64::total_cmp);
    let q = |p: f64| rel[((rel.len() - 1) as f64 * p) as usize];
    json!({
        "origins": rel.len(),
        "median_rel_diff": (q(0.5) * 1000.0).round() / 1000.0,
        "p95_rel_diff": (q(0.95) * 1000.0).round() / 1000.0,
        "share_within_10pct_or_30s": (within as f64 / rel.len() as f64 * 1000.0).round() / 1000.0,
        // Stated tolerance for the like-for-like profile: 95 % of origins within 5 %.
        "within_tolerance": q(0.95) <= 0.05,
    })
}

pub(super) fn find_osrm(args: &BenchArgs) -> anyhow::Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = &args.osrm_bin {
        dirs.push(d.clone());
    }
    dirs.push(PathBuf::from(".bench/osrm/osrm/bin"));
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    dirs.into_iter()
        .find(|d| d.join("osrm-routed").is_file() && d.join("osrm-extract").is_file())
        .context("osrm-extract/osrm-routed introuvables")
}

/// `osrm-routed`, stopped when dropped, on every way out of its user.
pub(super) struct Routed {
    child: Child,
    port: u16,
}

impl Drop for Routed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// OSRM's preprocessing of one file: where its data is, and what it cost.
pub(super) struct Prepared {
    dir: PathBuf,
    osrm: PathBuf,
    bin: PathBuf,
    mld: bool,
    pub extract: Duration,
    /// `osrm-contract` (CH), or `osrm-partition` + `osrm-customize` (MLD).
    pub contract: Duration,
    /// Peak resident memory of `osrm-extract` and of the second step, in MB.
    pub extract_mb: Option<f64>,
    pub contract_mb: Option<f64>,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `osrm-extract` (car profile) then `osrm-contract` (CH) or `osrm-partition` and
/// `osrm-customize` (MLD) on a copy of `pbf` in `dir` (removed when the result is dropped),
/// timing each and sampling its peak memory.
pub(super) fn prepare(
    args: &BenchArgs,
    pbf: &Path,
    dir: &Path,
    no_turn_costs: bool,
    mld: bool,
) -> anyhow::Result<Prepared> {
    let bin = find_osrm(args)?;
    let profiles = bin
        .parent()
        .map(|p| p.join("share/profiles"))
        .filter(|p| p.join("car.lua").is_file());
    let profiles = profiles.context("car.lua introuvable à côté des programmes OSRM")?;
    std::fs::create_dir_all(dir.join("lib"))?;
    for e in std::fs::read_dir(profiles.join("lib"))? {
        let e = e?;
        std::fs::copy(e.path(), dir.join("lib").join(e.file_name()))?;
    }
    let mut lua = std::fs::read_to_string(profiles.join("car.lua"))?;
    if no_turn_costs {
        // Same ways and speeds, but routes minimise pure duration and turns, signals and
        // barriers cost nothing: what our engine models, so the two must agree closely.
        lua = lua
            .replace(
                "weight_name                     = 'routability'",
                "weight_name = 'duration'",
            )
            .replace(
                "side_road_multiplier      = 0.8",
                "side_road_multiplier = 1.0",
            );
        let ret = lua.rfind("\nreturn").context("car.lua inattendu")?;
        lua.insert_str(
            ret,
            "\nlocal function zero_turn(profile, turn) turn.duration = 0; turn.weight = 0 end\n",
        );
        let at = lua
            .rfind("process_turn = process_turn")
            .context("car.lua inattendu")?;
        lua.replace_range(
            at..at + "process_turn = process_turn".len(),
            "process_turn = zero_turn",
        );
    }
    let profile = dir.join("car.lua");
    std::fs::write(&profile, lua)?;
    let data = dir.join("reseau.osm.pbf");
    std::fs::copy(pbf, &data)?;
    let mut prepared = Prepared {
        dir: dir.to_owned(),
        osrm: dir.join("reseau.osrm"),
        bin: bin.clone(),
        mld,
        extract: Duration::ZERO,
        contract: Duration::ZERO,
        extract_mb: None,
        contract_mb: None,
    };
    let quiet = |c: &mut Command| c.stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    let t = Instant::now();
    let (ok, peak) = wait_with_peak(quiet(
        Command::new(bin.join("osrm-extract"))
            .arg("-p")
            .arg(&profile)
            .arg(&data),
    )?)?;
    anyhow::ensure!(ok, "osrm-extract a échoué");
    (prepared.extract, prepared.extract_mb) = (t.elapsed(), peak);
    let t = Instant::now();
    let steps: &[&str] = if mld {
        &["osrm-partition", "osrm-customize"]
    } else {
        &["osrm-contract"]
    };
    for step in steps {
        let (ok, peak) = wait_with_peak(quiet(Command::new(bin.join(step)).arg(&prepared.osrm))?)?;
        anyhow::ensure!(ok, "{step} a échoué");
        prepared.contract_mb = match (prepared.contract_mb, peak) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    prepared.contract = t.elapsed();
    Ok(prepared)
}

impl Prepared {
    /// Starts `osrm-routed` on loopback with no limit on table sizes, once it answers.
    pub(super) fn serve(&self) -> anyhow::Result<Routed> {
        // A free port, asked of the system, on loopback only.
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
            .local_addr()?
            .port();
        let child = Command::new(self.bin.join("osrm-routed"))
            .args([
                "-i",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "--max-table-size",
                "100000",
                "-a",
                if self.mld { "MLD" } else { "CH" },
            ])
            .arg(&self.osrm)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let routed = Routed { child, port };
        for _ in 0..600 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(routed);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        anyhow::bail!("osrm-routed ne répond pas")
    }
}

impl Routed {
    /// Peak resident memory of `osrm-routed` so far, in MB.
    pub(super) fn peak_mb(&self) -> Option<f64> {
        peak_mb(&self.child.id().to_string())
    }

    /// The `table` service for `origins` × `places` (lon/lat): per origin, the nearest place's
    /// duration in seconds, and the best of three timed runs after a warm-up. The origins are
    /// split in `clients` requests sent at once, one per connection: `osrm-routed` answers a
    /// request on one thread, and this way it uses as many cores as we do.
    pub(super) fn nearest(
        &self,
        origins: &[(f64, f64)],
        places: &[(f64, f64)],
        clients: usize,
    ) -> anyhow::Result<(Vec<Option<f64>>, Duration)> {
        let clients = clients.clamp(1, origins.len().max(1));
        let batch = origins.len().div_ceil(clients).max(1);
        let fmt = |&(lon, lat): &(f64, f64)| format!("{lon:.7},{lat:.7}");
        let places_s: Vec<String> = places.iter().map(fmt).collect();
        let paths: Vec<String> = origins
            .chunks(batch)
            .map(|chunk| {
                let coords: Vec<String> = chunk.iter().map(fmt).chain(places_s.clone()).collect();
                let srcs: Vec<String> = (0..chunk.len()).map(|i| i.to_string()).collect();
                let dsts: Vec<String> = (chunk.len()..chunk.len() + places.len())
                    .map(|i| i.to_string())
                    .collect();
                format!(
                    "/table/v1/driving/{}?sources={}&destinations={}&annotations=duration",
                    coords.join(";"),
                    srcs.join(";"),
                    dsts.join(";")
                )
            })
            .collect();
        let port = self.port;
        let run = || -> anyhow::Result<Vec<String>> {
            std::thread::scope(|s| {
                let handles: Vec<_> = paths
                    .iter()
                    .map(|p| s.spawn(move || http_get(port, p)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().map_err(|_| anyhow::anyhow!("client OSRM"))?)
                    .collect()
            })
        };
        let _ = run()?;
        let mut best = Duration::MAX;
        let mut bodies = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            bodies = run()?;
            best = best.min(t.elapsed());
        }
        let mut nearest = Vec::with_capacity(origins.len());
        for body in bodies {
            let v: Value = serde_json::from_str(&body).context("réponse OSRM illisible")?;
            anyhow::ensure!(v["code"] == "Ok", "OSRM : {}", v["code"]);
            let rows = v["durations"].as_array().context("pas de durées")?;
            nearest.extend(rows.iter().map(|r| {
                r.as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(Value::as_f64)
                            .fold(f64::INFINITY, f64::min)
                    })
                    .filter(|m| m.is_finite())
            }));
        }
        Ok((nearest, best))
    }
}

/// OSRM (car profile) on the Helsinki extract: times the `table` request answering the
/// question, and returns, per origin, the nearest place's duration in seconds.
fn osrm_table(
    args: &BenchArgs,
    pbf: &Path,
    graph: &Graph,
    origins: &[u32],
    places: &[u32],
    no_turn_costs: bool,
) -> anyhow::Result<(Vec<Option<f64>>, Duration)> {
    let dir = std::env::temp_dir().join(format!(
        "guichet-osrm-{}-{no_turn_costs}",
        std::process::id()
    ));
    let prepared = prepare(args, pbf, &dir, no_turn_costs, false)?;
    let routed = prepared.serve()?;
    let lonlat = |v: &u32| {
        let c = graph.coord(*v);
        (c.lon(), c.lat())
    };
    let origins: Vec<_> = origins.iter().map(lonlat).collect();
    let places: Vec<_> = places.iter().map(lonlat).collect();
    // One request, as a client would send for so few points.
    routed.nearest(&origins, &places, 1)
}

fn http_get(port: u16, path: &str) -> anyhow::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(600)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut r = BufReader::new(s);
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let mut body = String::new();
    r.read_to_string(&mut body)?;
    Ok(body)
}
