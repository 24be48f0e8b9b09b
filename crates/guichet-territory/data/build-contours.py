#!/usr/bin/env python3
"""Builds contours-2018.geojson.gz from ../../../../shared/data (IGN Admin Express COG 2018 via
gregoiredavid/france-geojson, licence ouverte): the 101 départements, simplified for maps, and
the outline of metropolitan France for the land test (islands). Deterministic: same input, same
bytes. Usage: python3 build-contours.py SHARED_DATA_DIR > contours-2018.geojson.gz"""
import gzip, json, sys

def dp(points, tol):
    """Douglas-Peucker on a closed ring (first == last), tolerance in degrees."""
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        n = (dx * dx + dy * dy) ** 0.5
        best, idx = -1.0, -1
        for i in range(a + 1, b):
            x, y = points[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / n if n > 0 else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if d > best:
                best, idx = d, i
        if idx > 0 and best > tol:
            keep[idx] = True
            stack += [(a, idx), (idx, b)]
    return [p for p, k in zip(points, keep) if k]

def polygons(geom):
    return [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]

def simplify(geom, tol, min_points):
    out = []
    for poly in polygons(geom):
        rings = []
        for ring in poly:
            r = dp([[round(x, 4), round(y, 4)] for x, y in ring], tol)
            if len(r) >= min_points:
                rings.append(r)
        if rings:
            out.append(rings)
    return {"type": "MultiPolygon", "coordinates": out}

src = sys.argv[1]
deps = json.load(open(f"{src}/departements-2018-simplifies.geojson"))["features"]
full = json.load(open(f"{src}/departements-2018-avec-outre-mer.geojson"))["features"]
features = []
for f in deps:
    features.append((f["properties"]["code"], f["properties"]["nom"], simplify(f["geometry"], 0.004, 4)))
for f in full:
    code = f["properties"]["code"]
    if code.startswith("97"):
        # Small islands kept: they are the point of the land test overseas.
        features.append((code, f["properties"]["nom"], simplify(f["geometry"], 0.001, 4)))
metro = json.load(open(f"{src}/metropole-2018-simplifiee.geojson"))
features.append(("metropole", "France métropolitaine", simplify(metro["geometry"], 0.0, 4)))
features.sort()
doc = {
    "type": "FeatureCollection",
    "source": "IGN Admin Express COG 2018 (via gregoiredavid/france-geojson), licence ouverte ; simplifié",
    "features": [
        {"type": "Feature", "properties": {"code": c, "nom": n}, "geometry": g}
        for c, n, g in features
    ],
}
text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
sys.stdout.buffer.write(gzip.compress(text, compresslevel=9, mtime=0))
