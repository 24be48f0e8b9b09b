//! The synthetic road network the OSRM comparison runs on, written as an OSM PBF file.
//!
//! Four square regions of central France (around Clermont-Ferrand, Lyon, Limoges and Dijon),
//! each a lattice of towns 2 km apart. A town is a 10 × 10 grid of residential streets 100 m
//! apart (jittered; some streets missing, some one-way, some limited to 30 km/h); roads with a
//! shape node every ~150 m join each town to its east and north neighbours: secondary roads,
//! every 5th line a primary road, the middle lines motorways (junctions only at towns).
//! Motorways with a shape node every kilometre join the regions. Like a real network, most
//! nodes are street junctions, and a few fast roads carry the long trips: a uniform grid of
//! junctions, tried first, has no such hierarchy and `osrm-contract` did not finish it (over
//! 8 CPU-minutes at 100,000 nodes). Every tag is one both car profiles read the same way
//! (`highway`, `oneway`, `maxspeed`); motorways carry `oneway=no` because one carriageway
//! serves both directions here. Everything follows from the seed: the same file on every run
//! and machine.

use std::path::Path;

use super::pbf_writer::{BLOCK, PbfWriter, Way};

/// Centres of the regions (lat, lon in degrees), far enough apart that their squares
/// (~100 km wide at 1.2 million nodes) do not overlap.
const CENTRES: [(f64, f64); 4] = [(45.78, 3.08), (45.76, 4.84), (45.83, 1.26), (47.32, 5.04)];
/// Streets per side of a town, their spacing, and the distance between town centres (m).
const TOWN: i64 = 10;
const STREET_M: f64 = 100.0;
const TOWN_M: f64 = 2_000.0;
/// Shape nodes on a road between two towns.
const SHAPE: i64 = 7;
const M_PER_DEG_LAT: f64 = 111_320.0;

/// What was written.
#[derive(Debug)]
pub(super) struct Written {
    pub osm_nodes: u64,
    pub ways: u64,
}

type Out = PbfWriter<std::io::BufWriter<std::fs::File>>;

/// Writes a network of about `nodes` OSM nodes to `path`.
pub(super) fn write(path: &Path, nodes: usize, seed: u64) -> anyhow::Result<Written> {
    let per_town = TOWN * TOWN + 2 * SHAPE;
    let side = ((nodes as f64 / CENTRES.len() as f64 / per_town as f64)
        .sqrt()
        .ceil() as i64)
        .max(2);
    let towns = side * side;
    // Node ids: the towns' streets, then the roads' shape nodes (per town: east road then
    // north road), then the inter-region motorways'.
    let street_id = |r: i64, town: i64, row: i64, col: i64| {
        1 + (r * towns + town) * TOWN * TOWN + row * TOWN + col
    };
    let shape_base = 1 + CENTRES.len() as i64 * towns * TOWN * TOWN;
    let shape_id = |r: i64, town: i64, dir: i64, k: i64| {
        shape_base + ((r * towns + town) * 2 + dir) * SHAPE + k
    };
    let to_e7 = |r: i64, x: f64, y: f64| -> (i32, i32) {
        let (lat0, lon0) = CENTRES[r as usize];
        let lat = lat0 + y / M_PER_DEG_LAT;
        let lon = lon0 + x / (M_PER_DEG_LAT * lat0.to_radians().cos());
        ((lat * 1e7).round() as i32, (lon * 1e7).round() as i32)
    };
    let half = (side - 1) as f64 / 2.0;
    // Position of a street junction in metres from the region's centre.
    let street_xy = |r: i64, town: i64, row: i64, col: i64| -> (f64, f64) {
        let (ty, tx) = (town / side, town % side);
        let h = hash(seed, &[1, r as u64, town as u64, row as u64, col as u64]);
        let jx = ((h & 0xffff) as f64 / 65_535.0 - 0.5) * 0.6;
        let jy = (((h >> 16) & 0xffff) as f64 / 65_535.0 - 0.5) * 0.6;
        let c = (TOWN - 1) as f64 / 2.0;
        (
            (tx as f64 - half) * TOWN_M + (col as f64 - c + jx) * STREET_M,
            (ty as f64 - half) * TOWN_M + (row as f64 - c + jy) * STREET_M,
        )
    };
    // A road leaves a town from the middle of its east (dir 0) or north (dir 1) edge and
    // reaches the middle of the neighbour's west or south edge.
    let road_ends = |r: i64, town: i64, dir: i64| -> Option<(i64, i64)> {
        let (ty, tx) = (town / side, town % side);
        let m = TOWN / 2;
        match dir {
            0 if tx + 1 < side => Some((
                street_id(r, town, m, TOWN - 1),
                street_id(r, town + 1, m, 0),
            )),
            1 if ty + 1 < side => Some((
                street_id(r, town, TOWN - 1, m),
                street_id(r, town + side, 0, m),
            )),
            _ => None,
        }
    };
    let road_shape = |r: i64, town: i64, dir: i64, k: i64| -> (f64, f64) {
        let m = TOWN / 2;
        let (a, b) = if dir == 0 {
            (
                street_xy(r, town, m, TOWN - 1),
                street_xy(r, town + 1, m, 0),
            )
        } else {
            (
                street_xy(r, town, TOWN - 1, m),
                street_xy(r, town + side, 0, m),
            )
        };
        let t = (k + 1) as f64 / (SHAPE + 1) as f64;
        let h = hash(seed, &[4, r as u64, town as u64, dir as u64, k as u64]);
        let wiggle = ((h & 0xffff) as f64 / 65_535.0 - 0.5) * 60.0;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        if dir == 0 {
            (x, y + wiggle)
        } else {
            (x + wiggle, y)
        }
    };

    let file = std::fs::File::create(path)?;
    let strings = [
        "highway",
        "motorway",
        "primary",
        "secondary",
        "residential",
        "oneway",
        "yes",
        "no",
        "maxspeed",
        "30",
    ];
    let mut out = PbfWriter::new(std::io::BufWriter::new(file), &strings)?;
    let s = |t: &str| out.string(t);
    let (highway, oneway, yes, no, maxspeed, thirty) = (
        s("highway"),
        s("oneway"),
        s("yes"),
        s("no"),
        s("maxspeed"),
        s("30"),
    );
    let (motorway, primary, secondary, residential) = (
        s("motorway"),
        s("primary"),
        s("secondary"),
        s("residential"),
    );

    // Nodes, in id order.
    let mut block = Vec::with_capacity(BLOCK);
    let mut osm_nodes = 0u64;
    let mut push =
        |block: &mut Vec<(i64, i32, i32)>, out: &mut Out, n: (i64, i32, i32), force: bool| {
            block.push(n);
            if block.len() == BLOCK || force {
                osm_nodes += block.len() as u64;
                let r = out.nodes(block);
                block.clear();
                return r;
            }
            Ok(())
        };
    for r in 0..CENTRES.len() as i64 {
        for town in 0..towns {
            for row in 0..TOWN {
                for col in 0..TOWN {
                    let (x, y) = street_xy(r, town, row, col);
                    let (lat, lon) = to_e7(r, x, y);
                    push(
                        &mut block,
                        &mut out,
                        (street_id(r, town, row, col), lat, lon),
                        false,
                    )?;
                }
            }
        }
    }
    for r in 0..CENTRES.len() as i64 {
        for town in 0..towns {
            for dir in 0..2 {
                if road_ends(r, town, dir).is_none() {
                    continue; // a town at the region's edge: its ids stay unused
                }
                for k in 0..SHAPE {
                    let (x, y) = road_shape(r, town, dir, k);
                    let (lat, lon) = to_e7(r, x, y);
                    push(
                        &mut block,
                        &mut out,
                        (shape_id(r, town, dir, k), lat, lon),
                        false,
                    )?;
                }
            }
        }
    }
    let centre_town = (side / 2) * side + side / 2;
    let centre = |r: i64| street_id(r, centre_town, TOWN / 2, TOWN / 2);
    let mut next_id = shape_base + CENTRES.len() as i64 * towns * 2 * SHAPE;
    let mut links: Vec<Vec<i64>> = Vec::new();
    for (a, b) in [(2, 0), (0, 1), (1, 3)] {
        let pa = street_xy(a, centre_town, TOWN / 2, TOWN / 2);
        let pb = street_xy(b, centre_town, TOWN / 2, TOWN / 2);
        let (la, lo_a) = to_e7(a, pa.0, pa.1);
        let (lb, lo_b) = to_e7(b, pb.0, pb.1);
        let km = (((lb - la) as f64 / 1e7 * M_PER_DEG_LAT).powi(2)
            + ((lo_b - lo_a) as f64 / 1e7 * M_PER_DEG_LAT * 0.7).powi(2))
        .sqrt()
            / 1000.0;
        let steps = (km.ceil() as i64).max(2);
        let mut refs = vec![centre(a)];
        for k in 1..steps {
            let t = k as f64 / steps as f64;
            let lat = la + ((lb - la) as f64 * t) as i32;
            let lon = lo_a + ((lo_b - lo_a) as f64 * t) as i32;
            push(&mut block, &mut out, (next_id, lat, lon), false)?;
            refs.push(next_id);
            next_id += 1;
        }
        refs.push(centre(b));
        links.push(refs);
    }
    if let Some(last) = block.pop() {
        push(&mut block, &mut out, last, true)?;
    }

    // Ways: each town's streets (cut where one is missing), then the roads between towns.
    let mut ways: Vec<Way> = Vec::with_capacity(BLOCK);
    let mut way_id = 1i64;
    let mut written = 0u64;
    let mut flush = |ways: &mut Vec<Way>, out: &mut Out, force: bool| -> std::io::Result<()> {
        if ways.len() >= BLOCK || (force && !ways.is_empty()) {
            written += ways.len() as u64;
            let r = out.ways(ways);
            ways.clear();
            return r;
        }
        Ok(())
    };
    for r in 0..CENTRES.len() as i64 {
        for town in 0..towns {
            for dir in 0..2u64 {
                for line in 0..TOWN {
                    let node = |k: i64| {
                        if dir == 0 {
                            street_id(r, town, line, k)
                        } else {
                            street_id(r, town, k, line)
                        }
                    };
                    let mut refs = vec![node(0)];
                    for k in 1..TOWN {
                        let h = hash(
                            seed,
                            &[2, r as u64, town as u64, dir, line as u64, k as u64],
                        );
                        let missing = h % 100 < 8;
                        if !missing {
                            refs.push(node(k));
                        }
                        if missing || k == TOWN - 1 {
                            if refs.len() >= 2 {
                                let mut tags = vec![(highway, residential)];
                                let t = hash(seed, &[3, way_id as u64]) % 100;
                                if t < 10 {
                                    tags.push((oneway, yes));
                                } else if t < 20 {
                                    tags.push((maxspeed, thirty));
                                }
                                ways.push(Way {
                                    id: way_id,
                                    tags,
                                    refs: std::mem::take(&mut refs),
                                });
                                way_id += 1;
                                flush(&mut ways, &mut out, false)?;
                            }
                            refs.clear();
                            refs.push(node(k));
                        }
                    }
                }
            }
        }
    }
    for r in 0..CENTRES.len() as i64 {
        for town in 0..towns {
            for dir in 0..2 {
                let Some((from, to)) = road_ends(r, town, dir) else {
                    continue;
                };
                // The lattice line the road lies on decides its class.
                let line = if dir == 0 { town / side } else { town % side };
                let mut tags = vec![];
                if line == side / 2 {
                    tags.push((highway, motorway));
                    tags.push((oneway, no));
                } else if line % 5 == 0 {
                    tags.push((highway, primary));
                } else {
                    tags.push((highway, secondary));
                }
                let mut refs = vec![from];
                refs.extend((0..SHAPE).map(|k| shape_id(r, town, dir, k)));
                refs.push(to);
                ways.push(Way {
                    id: way_id,
                    tags,
                    refs,
                });
                way_id += 1;
                flush(&mut ways, &mut out, false)?;
            }
        }
    }
    for refs in links {
        ways.push(Way {
            id: way_id,
            tags: vec![(highway, motorway), (oneway, no)],
            refs,
        });
        way_id += 1;
    }
    flush(&mut ways, &mut out, true)?;
    out.finish()?;
    Ok(Written {
        osm_nodes,
        ways: written,
    })
}

/// A deterministic hash of the seed and a few integers (splitmix64 steps).
fn hash(seed: u64, parts: &[u64]) -> u64 {
    let mut x = seed;
    for &p in parts {
        x = x.wrapping_add(p).wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
    }
    x
}
