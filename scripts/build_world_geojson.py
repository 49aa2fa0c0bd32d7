"""Builds geodata/world_countries_110m.geojson, the world basemap of the diaspora links map, from Natural Earth's
1:110m countries as redistributed in TopoJSON by the npm package `world-atlas` (2.0.2; geodata/SOURCES.md).

    curl -sSfO https://registry.npmjs.org/world-atlas/-/world-atlas-2.0.2.tgz && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/build_world_geojson.py package/countries-110m.json geodata/world_countries_110m.geojson

TopoJSON → GeoJSON by hand (no extra dependency): each arc is delta-encoded and quantized (`transform`); a ring lists
arc indexes, ~i meaning arc i reversed, and consecutive arcs share their joining point. Antarctica is left out (no
diaspora lives there and it would take a sixth of the file); coordinates are rounded to 2 decimals (~1 km, far
below what a world view shows). Properties: `id` (ISO 3166-1 numeric, as the source), `name` (English, as the
source: the map never shows it; French names come from plans.core.formatting).
"""
from __future__ import annotations

import json
import sys

LEAVE_OUT = {"010"}  # Antarctica
DECIMALS = 2


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    scale = topology["transform"]["scale"]
    translate = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((round(x * scale[0] + translate[0], DECIMALS), round(y * scale[1] + translate[1], DECIMALS)))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs) -> list[list[float]]:
    out: list[tuple[float, float]] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(points[1:] if out else points)
    cleaned = [out[0]] + [p for prev, p in zip(out, out[1:]) if p != prev]  # rounding merges neighbours
    return [list(p) for p in cleaned]


def polygon(rings: list[list[int]], arcs) -> list:
    return [r for r in (ring(indexes, arcs) for indexes in rings) if len(r) >= 4]


def convert(topology: dict) -> dict:
    arcs = decode_arcs(topology)
    features = []
    for g in topology["objects"]["countries"]["geometries"]:
        if g.get("id") in LEAVE_OUT or g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        if g["type"] == "Polygon":
            geometry = {"type": "Polygon", "coordinates": polygon(g["arcs"], arcs)}
        else:
            parts = [p for p in (polygon(rings, arcs) for rings in g["arcs"]) if p]
            geometry = {"type": "MultiPolygon", "coordinates": parts}
        if geometry["coordinates"]:
            features.append({"type": "Feature", "id": g.get("id", ""),
                             "properties": {"name": g.get("properties", {}).get("name", "")},
                             "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8") as f:
        doc = convert(json.load(f))
    with open(target, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(doc['features'])} pays → {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
