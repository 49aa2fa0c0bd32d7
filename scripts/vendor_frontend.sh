#!/usr/bin/env bash
# How app/static/vendor/ was made. The files are COMMITTED: the app never fetches anything at run time (a mairie
# in the Kayes region has no Internet). Run this only to change a version, then commit the result.
#
#   scripts/vendor_frontend.sh            re-creates app/static/vendor/ from the npm registry (npm pack, exact versions)
#   scripts/vendor_frontend.sh --with-d3  also d3 3.5.5, only if a branca colormap is ever used (plans/maps/offline.py
#                                         rewrites branca's CDN URL to /static/vendor/d3/d3.min.js)
#
# What is vendored, and why (docs/ARCHITECTURE.md, pitfall 1):
#   leaflet 1.9.3                 the version folium 0.20 is written for; dist/leaflet.{js,css} + dist/images/
#                                 (leaflet.css refers to images/*.png; Leaflet finds its icons through the CSS)
#   jquery 3.7.1                  folium's popups call $(...)
#   leaflet.markercluster 1.5.3   for clusters (national map, many actions); dist/*.js + the two CSS files
# Not vendored: Bootstrap (it restyles our pages), font-awesome / awesome-markers / glyphicons (we draw actions as
# CircleMarkers, never folium.Icon), d3 (no branca colormap: legends are our own HTML).
# Each package keeps its LICENSE file beside its files.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
vendor="$root/app/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME VERSION: the package's tarball unpacked in $work/NAME/package
    mkdir -p "$work/$1"
    (cd "$work/$1" && npm pack --silent "$1@$2" >/dev/null && tar -xzf ./*.tgz)
}

rm -rf "$vendor"
mkdir -p "$vendor"

fetch leaflet 1.9.3
mkdir -p "$vendor/leaflet"
cp "$work/leaflet/package/dist/leaflet.js" "$work/leaflet/package/dist/leaflet.css" "$vendor/leaflet/"
cp -r "$work/leaflet/package/dist/images" "$vendor/leaflet/images"
cp "$work/leaflet/package/LICENSE" "$vendor/leaflet/LICENSE"

fetch jquery 3.7.1
mkdir -p "$vendor/jquery"
cp "$work/jquery/package/dist/jquery.min.js" "$vendor/jquery/"
cp "$work/jquery/package/LICENSE.txt" "$vendor/jquery/LICENSE.txt"

fetch leaflet.markercluster 1.5.3
mkdir -p "$vendor/markercluster"
cp "$work/leaflet.markercluster/package/dist/leaflet.markercluster.js" \
   "$work/leaflet.markercluster/package/dist/MarkerCluster.css" \
   "$work/leaflet.markercluster/package/dist/MarkerCluster.Default.css" "$vendor/markercluster/"
cp "$work/leaflet.markercluster/package/MIT-LICENCE.txt" "$vendor/markercluster/MIT-LICENCE.txt"

if [ "${1:-}" = "--with-d3" ]; then
    fetch d3 3.5.5
    mkdir -p "$vendor/d3"
    cp "$work/d3/package/d3.min.js" "$work/d3/package/LICENSE" "$vendor/d3/"
fi

cat > "$vendor/VERSIONS.txt" <<'EOF'
Fetched by scripts/vendor_frontend.sh from the npm registry (npm pack), never at run time.
leaflet 1.9.3                (BSD-2-Clause)  leaflet/
jquery 3.7.1                 (MIT)           jquery/
leaflet.markercluster 1.5.3  (MIT)           markercluster/
EOF

du -sh "$vendor"
find "$vendor" -type f | sort
