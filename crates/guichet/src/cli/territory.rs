//! `guichet territory …`: the planner's command line. Reads files, calls the analyses,
//! writes CSV, GeoJSON, SVG and PNG, and prints a French summary. All file handling lives
//! here so the analyses stay pure.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use guichet_places::{Commune, CommuneSet, LatLon, Place, PlaceKind};
use guichet_routing::Graph;

use guichet_territory::{
    Access, MapOptions, Network, Thresholds, access_csv, access_geojson, access_times, cover_sets,
    coverage_csv, coverage_over, lazy_greedy_max_cover, rasterise, render_svg, sites_csv,
};

/// Territorial analyses (distance-temps).
#[derive(Debug, Subcommand)]
pub enum TerritoryCommand {
    /// Build a road graph from an OpenStreetMap extract (.osm.pbf) and save it.
    Graph {
        #[arg(long)]
        pbf: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Time from every commune to the nearest place of a kind (CSV, optional GeoJSON).
    Access {
        #[command(flatten)]
        input: Inputs,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        geojson: Option<PathBuf>,
    },
    /// Share of the population within each threshold, nationally, per region and département.
    Coverage {
        #[command(flatten)]
        input: Inputs,
        /// Thresholds in minutes, e.g. 20,30,45 (France Services 30, maternity 45).
        #[arg(long, default_value = "20,30,45")]
        thresholds: String,
        #[arg(long)]
        out: PathBuf,
        /// Communes beyond the largest threshold, most populated first.
        #[arg(long)]
        beyond: Option<PathBuf>,
    },
    /// Where to open the next `k` places to bring the most people within `radius` minutes.
    Sites {
        #[command(flatten)]
        input: Inputs,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, default_value_t = 30)]
        radius: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Map of access times (SVG and/or PNG), of mainland France or of one département.
    Map {
        #[command(flatten)]
        input: Inputs,
        #[arg(long)]
        svg: Option<PathBuf>,
        #[arg(long)]
        png: Option<PathBuf>,
        #[arg(long)]
        departement: Option<String>,
        #[arg(long, default_value_t = 1000)]
        width: u32,
    },
    /// Everything at once into a folder: access, coverage, sites, national and per-département maps.
    Report {
        #[command(flatten)]
        input: Inputs,
        #[arg(long, default_value = "20,30,45")]
        thresholds: String,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, default_value_t = 30)]
        radius: u32,
        #[arg(long)]
        out_dir: PathBuf,
    },
}

/// Inputs shared by the analyses.
#[derive(Debug, Args)]
pub struct Inputs {
    /// Communes CSV (code_insee, nom, departement, region, population, mairie_lon/lat, centroid_lon/lat).
    #[arg(long)]
    pub communes: PathBuf,
    /// ANCT's France Services CSV (download the current list from the national open-data portal).
    #[arg(long)]
    pub france_services: Option<PathBuf>,
    /// "Lieux de médiation numérique" JSON.
    #[arg(long)]
    pub mediation: Option<PathBuf>,
    /// Kind of place: france-services, mairie, mediation-numerique.
    #[arg(long, default_value = "france-services")]
    pub kind: String,
    /// Road graph saved by `guichet territory graph`.
    #[arg(long, conflicts_with = "pbf")]
    pub graph: Option<PathBuf>,
    /// OpenStreetMap extract to build the road graph from on the fly.
    #[arg(long)]
    pub pbf: Option<PathBuf>,
    /// Without a road graph: detour factor applied to straight-line distances.
    #[arg(long, default_value_t = 1.3)]
    pub detour: f64,
    /// Without a road graph: average speed in km/h.
    #[arg(long, default_value_t = 50.0)]
    pub speed: f64,
    /// Points farther than this from any road are reported as off the network.
    #[arg(long, default_value_t = 2000.0)]
    pub max_snap_m: f64,
}

struct Loaded {
    communes: CommuneSet,
    places: Vec<Place>,
    network: Network,
}

fn open(path: &Path) -> anyhow::Result<BufReader<File>> {
    Ok(BufReader::new(File::open(path).with_context(|| {
        format!("ouverture de {}", path.display())
    })?))
}

fn create(path: &Path) -> anyhow::Result<BufWriter<File>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("création de {}", dir.display()))?;
    }
    Ok(BufWriter::new(File::create(path).with_context(|| {
        format!("création de {}", path.display())
    })?))
}

fn load(input: &Inputs) -> anyhow::Result<Loaded> {
    let communes = guichet_places::load_communes(open(&input.communes)?)
        .with_context(|| format!("communes {}", input.communes.display()))?;
    eprintln!(
        "{} communes lues ({} avertissements)",
        communes.len(),
        communes.warnings.len()
    );
    let kind = PlaceKind::from_slug(&input.kind);
    let places = match &kind {
        PlaceKind::FranceServices => {
            let path = input.france_services.as_ref().context(
                "--france-services requis : téléchargez la liste des structures France services sur data.gouv.fr",
            )?;
            let imp = guichet_places::load_france_services(open(path)?)
                .with_context(|| format!("France Services {}", path.display()))?;
            report_warnings(&imp.warnings);
            imp.places
        }
        PlaceKind::DigitalMediation => {
            let path = input
                .mediation
                .as_ref()
                .context("--mediation requis (lieux de médiation numérique, JSON)")?;
            let imp = guichet_places::load_mediation_places(open(path)?)
                .with_context(|| format!("médiation numérique {}", path.display()))?;
            report_warnings(&imp.warnings);
            imp.places
        }
        PlaceKind::TownHall => guichet_places::town_halls(&communes),
        PlaceKind::Other(k) => {
            anyhow::bail!("type de lieu inconnu pour l’import en ligne de commande : {k}")
        }
    };
    eprintln!("{} lieux « {} »", places.len(), kind.label());
    let network = if let Some(g) = &input.graph {
        let graph =
            Graph::read_from(open(g)?).with_context(|| format!("graphe {}", g.display()))?;
        Network::roads(&graph, g.display().to_string(), input.max_snap_m)
    } else if let Some(pbf) = &input.pbf {
        let (graph, stats) = guichet_osm::graph_from_pbf(pbf, &guichet_osm::CarProfile::default())
            .with_context(|| {
                format!(
                    "extrait OpenStreetMap {} illisible ou sans route",
                    pbf.display()
                )
            })?;
        eprintln!(
            "graphe routier : {} nœuds, {} arcs",
            stats.graph_nodes, stats.graph_arcs
        );
        Network::roads(&graph, pbf.display().to_string(), input.max_snap_m)
    } else {
        Network::estimate(input.detour, input.speed)?
    };
    eprintln!("méthode : {}", network.method().describe());
    Ok(Loaded {
        communes,
        places,
        network,
    })
}

fn report_warnings(w: &[String]) {
    for line in w.iter().take(5) {
        eprintln!("  avertissement : {line}");
    }
    if w.len() > 5 {
        eprintln!("  … et {} autres avertissements", w.len() - 5);
    }
}

fn compute_access(l: &Loaded) -> anyhow::Result<Vec<Access>> {
    let (access, placed) = access_times(&l.network, &l.communes.communes, &l.places)?;
    if !placed.off_network.is_empty() {
        eprintln!(
            "{} lieux hors du réseau routier (en mer, hors de l’extrait) :",
            placed.off_network.len()
        );
        for (i, d) in placed.off_network.iter().take(10) {
            eprintln!(
                "  {} ({:.0} m de la route la plus proche)",
                l.places[*i].name, d
            );
        }
    }
    if !placed.communes_off_network.is_empty() {
        eprintln!(
            "{} communes sans temps (sans coordonnées ou hors réseau)",
            placed.communes_off_network.len()
        );
    }
    Ok(access)
}

/// Runs one `guichet territory` command.
pub fn run(cmd: TerritoryCommand) -> anyhow::Result<()> {
    match cmd {
        TerritoryCommand::Graph { pbf, out } => {
            #[allow(clippy::disallowed_methods)] // times the build for the operator's log line
            let t = std::time::Instant::now();
            let (graph, stats) =
                guichet_osm::graph_from_pbf(&pbf, &guichet_osm::CarProfile::default())
                    .with_context(|| {
                        format!(
                            "extrait OpenStreetMap {} illisible ou sans route",
                            pbf.display()
                        )
                    })?;
            let mut w = create(&out)?;
            graph.write_to(&mut w)?;
            w.flush()?;
            println!(
                "graphe écrit dans {} : {} nœuds, {} arcs ({} voies carrossables), {:.1} s",
                out.display(),
                stats.graph_nodes,
                stats.graph_arcs,
                stats.drivable_ways,
                t.elapsed().as_secs_f64()
            );
        }
        TerritoryCommand::Access {
            input,
            out,
            geojson,
        } => {
            let l = load(&input)?;
            let access = compute_access(&l)?;
            access_csv(
                create(&out)?,
                &l.communes.communes,
                &l.places,
                &access,
                &l.network.method(),
                &zone(&l),
            )?;
            if let Some(g) = geojson {
                let v = access_geojson(
                    &l.communes.communes,
                    &l.places,
                    &access,
                    &l.network.method(),
                    &zone(&l),
                );
                serde_json::to_writer(create(&g)?, &v)?;
            }
            println!("temps d’accès écrits dans {}", out.display());
        }
        TerritoryCommand::Coverage {
            input,
            thresholds,
            out,
            beyond,
        } => {
            let thresholds = Thresholds::parse(&thresholds)?;
            let l = load(&input)?;
            let access = compute_access(&l)?;
            let report = coverage_over(
                &l.communes.communes,
                &access,
                &thresholds,
                l.network.method(),
                guichet_territory::Area::infer(&l.communes.communes, &l.places),
            )?;
            coverage_csv(create(&out)?, &report)?;
            print_coverage(&report);
            if let Some(b) = beyond {
                let last = thresholds.minutes().len() - 1;
                let idx: Vec<usize> = report.beyond[last].clone();
                let communes: Vec<Commune> = idx
                    .iter()
                    .map(|&i| l.communes.communes[i].clone())
                    .collect();
                let acc: Vec<Access> = idx.iter().map(|&i| access[i]).collect();
                access_csv(
                    create(&b)?,
                    &communes,
                    &l.places,
                    &acc,
                    &l.network.method(),
                    &zone(&l),
                )?;
            }
        }
        TerritoryCommand::Sites {
            input,
            k,
            radius,
            out,
        } => {
            let l = load(&input)?;
            let access = compute_access(&l)?;
            let (cands, choices) = choose_sites(&l, &access, k, radius)?;
            sites_csv(create(&out)?, &cands, &choices, &l.network.method())?;
            print_sites(&cands, &choices, radius);
        }
        TerritoryCommand::Map {
            input,
            svg,
            png,
            departement,
            width,
        } => {
            let l = load(&input)?;
            let access = compute_access(&l)?;
            let title = map_title(&l, departement.as_deref());
            let opts = MapOptions {
                title,
                width,
                departement,
                ..MapOptions::default()
            };
            write_maps(&l, &access, &opts, svg.as_deref(), png.as_deref())?;
        }
        TerritoryCommand::Report {
            input,
            thresholds,
            k,
            radius,
            out_dir,
        } => {
            let thresholds = Thresholds::parse(&thresholds)?;
            let l = load(&input)?;
            let access = compute_access(&l)?;
            let method = l.network.method();
            access_csv(
                create(&out_dir.join("acces.csv"))?,
                &l.communes.communes,
                &l.places,
                &access,
                &method,
                &zone(&l),
            )?;
            let v = access_geojson(&l.communes.communes, &l.places, &access, &method, &zone(&l));
            serde_json::to_writer(create(&out_dir.join("acces.geojson"))?, &v)?;
            let report = coverage_over(
                &l.communes.communes,
                &access,
                &thresholds,
                method.clone(),
                guichet_territory::Area::infer(&l.communes.communes, &l.places),
            )?;
            coverage_csv(create(&out_dir.join("couverture.csv"))?, &report)?;
            print_coverage(&report);
            let (cands, choices) = choose_sites(&l, &access, k, radius)?;
            sites_csv(
                create(&out_dir.join("sites.csv"))?,
                &cands,
                &choices,
                &method,
            )?;
            print_sites(&cands, &choices, radius);
            let opts = MapOptions {
                title: map_title(&l, None),
                width: 1000,
                departement: None,
                ..MapOptions::default()
            };
            write_maps(
                &l,
                &access,
                &opts,
                Some(&out_dir.join("carte.svg")),
                Some(&out_dir.join("carte.png")),
            )?;
            for dep in &report.departements {
                let opts = MapOptions {
                    title: map_title(&l, Some(&dep.code)),
                    width: 700,
                    departement: Some(dep.code.clone()),
                    ..MapOptions::default()
                };
                let path = out_dir
                    .join("departements")
                    .join(format!("{}.svg", dep.code));
                if let Ok(svg) =
                    render_svg(&l.communes.communes, &access, &l.places, &opts, &method)
                {
                    create(&path)?.write_all(svg.as_bytes())?;
                }
            }
            println!("rapport complet dans {}", out_dir.display());
        }
    }
    Ok(())
}

/// The area the places read cover (figures are computed there only).
fn zone(l: &Loaded) -> String {
    guichet_territory::Area::infer(&l.communes.communes, &l.places).label
}

fn map_title(l: &Loaded, dep: Option<&str>) -> String {
    let kind = l.places.first().map_or("lieu", |p| p.kind.label());
    match dep {
        Some(d) => format!("Temps d’accès au lieu « {kind} » le plus proche — département {d}"),
        None => format!("Temps d’accès au lieu « {kind} » le plus proche — France métropolitaine"),
    }
}

fn write_maps(
    l: &Loaded,
    access: &[Access],
    opts: &MapOptions,
    svg: Option<&Path>,
    png: Option<&Path>,
) -> anyhow::Result<()> {
    if svg.is_none() && png.is_none() {
        return Ok(());
    }
    // Drawn once; the PNG is the same SVG rasterised.
    let s = render_svg(
        &l.communes.communes,
        access,
        &l.places,
        opts,
        &l.network.method(),
    )?;
    if let Some(p) = svg {
        create(p)?.write_all(s.as_bytes())?;
        println!("carte SVG : {}", p.display());
    }
    if let Some(p) = png {
        create(p)?.write_all(&rasterise(&s)?)?;
        println!("carte PNG : {}", p.display());
    }
    Ok(())
}

/// Candidate sites: every located commune (its town hall); demand: communes beyond `radius`.
fn choose_sites(
    l: &Loaded,
    access: &[Access],
    k: usize,
    radius: u32,
) -> anyhow::Result<(Vec<Commune>, Vec<guichet_territory::SiteChoice>)> {
    let radius_ds = radius.checked_mul(600).context("rayon trop grand")?;
    let (demand, weights): (Vec<LatLon>, Vec<u64>) = l
        .communes
        .communes
        .iter()
        .zip(access)
        .filter(|(c, a)| c.population.unwrap_or(0) > 0 && a.time_ds.is_none_or(|t| t > radius_ds))
        .filter_map(|(c, _)| Some((c.point?, u64::from(c.population.unwrap_or(0)))))
        .unzip();
    let cands: Vec<Commune> = l
        .communes
        .communes
        .iter()
        .filter(|c| c.point.is_some())
        .cloned()
        .collect();
    let cand_pts: Vec<LatLon> = cands.iter().filter_map(|c| c.point).collect();
    let sets = cover_sets(&l.network, &demand, &cand_pts, radius_ds)?;
    let choices = lazy_greedy_max_cover(&weights, &sets, k);
    Ok((cands, choices))
}

fn print_coverage(r: &guichet_territory::CoverageReport) {
    println!("Couverture — {}", r.method.describe());
    let n = &r.national;
    for (i, m) in r.thresholds.minutes().iter().enumerate() {
        println!(
            "  à {m} min ou moins : {:.1} % de la population ({} personnes au-delà, {} communes)",
            n.share(i).unwrap_or(0.0) * 100.0,
            n.beyond(i),
            n.communes_beyond[i]
        );
    }
    if n.population_unknown_time > 0 {
        println!(
            "  population sans temps calculable : {}",
            n.population_unknown_time
        );
    }
}

fn print_sites(cands: &[Commune], choices: &[guichet_territory::SiteChoice], radius: u32) {
    println!(
        "Sites proposés (couverture maximale à {radius} min, glouton paresseux : au moins 63,2 % \
         — (1 − 1/e) — de l’optimum garanti) :"
    );
    let mut total = 0;
    for (i, c) in choices.iter().enumerate() {
        total += c.gain;
        let com = &cands[c.candidate];
        println!(
            "  {:>2}. {} ({}, {}) : +{} personnes (cumul {total})",
            i + 1,
            com.name,
            com.insee,
            com.departement,
            c.gain
        );
    }
}
