// Action form: a small map of the owner's territory to place the action (issue « Cartes », item 2).
// Progressive enhancement: without this script (or without Leaflet) the map stays hidden and the longitude and
// latitude inputs work as before. The server checks the point (plans/location.py): this is a convenience only.
// - The territory comes from GET /plans/<id>/territoire.geojson (data-territory-url); no tiles, nothing external.
// - A click sets the inputs (5 decimals, about 1 m, written with a comma like the rest of the form) and moves
//   the marker; typing in the inputs moves the marker.
(function () {
  "use strict";
  var box = document.getElementById("location-map");
  if (!box || typeof L === "undefined" || !window.fetch) { return; }
  var form = box.closest("form");
  var lonInput = form && form.elements.namedItem("lon");
  var latInput = form && form.elements.namedItem("lat");
  if (!lonInput || !latInput) { return; }
  var editable = box.getAttribute("data-editable") === "1";
  var note = document.getElementById("location-map-note");

  function number(text) { // "-10,95" or "-10.95" → -10.95; anything else → NaN
    var s = (text || "").replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    return /^[-+]?\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
  }
  function written(value) { return value.toFixed(5).replace(".", ","); }
  function say(text) { if (note) { note.textContent = text; } }

  box.hidden = false;
  var map = L.map(box, { attributionControl: true, zoomControl: true, maxZoom: 18, minZoom: 4 });
  map.attributionControl.setPrefix(false); // no link to leafletjs.com: the page stays offline
  // Optional basemap (app/maps/tiles.py): only when the deployer configured one (data-tile-url); none by default.
  if (box.getAttribute("data-tile-url")) {
    var nativeZoom = Number(box.getAttribute("data-tile-max-native-zoom"));
    L.tileLayer(box.getAttribute("data-tile-url"), {
      attribution: (box.getAttribute("data-tile-attribution") || "").replace(/[<>&]/g, ""),
      maxZoom: Number(box.getAttribute("data-tile-max-zoom")) || 18,
      maxNativeZoom: nativeZoom || undefined
    }).addTo(map);
  }
  map.setView([17.5, -4], 5); // Mali, until the territory arrives
  var marker = null;

  function place(lat, lon, pan) {
    if (!isFinite(lat) || !isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      if (marker) { map.removeLayer(marker); marker = null; }
      return;
    }
    if (marker) {
      marker.setLatLng([lat, lon]);
    } else {
      marker = L.circleMarker([lat, lon], { radius: 8, color: "#b3261e", weight: 3, fillColor: "#fff",
                                            fillOpacity: 1, interactive: false }).addTo(map);
    }
    if (pan && !map.getBounds().contains(marker.getLatLng())) { map.panTo(marker.getLatLng()); }
  }
  function fromInputs(pan) { place(number(latInput.value), number(lonInput.value), pan); }

  if (editable) {
    map.on("click", function (event) {
      var ll = event.latlng.wrap();
      lonInput.value = written(ll.lng);
      latInput.value = written(ll.lat);
      lonInput.dispatchEvent(new Event("input", { bubbles: true }));
      latInput.dispatchEvent(new Event("input", { bubbles: true }));
      place(ll.lat, ll.lng, false);
    });
    lonInput.addEventListener("input", function () { fromInputs(true); });
    latInput.addEventListener("input", function () { fromInputs(true); });
    box.style.cursor = "crosshair";
  }

  fetch(box.getAttribute("data-territory-url"), { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (data) {
      if (data.attribution) { map.attributionControl.addAttribution(data.attribution.replace(/[<>&]/g, "")); }
      if (data.features && data.features.length) {
        var layer = L.geoJSON(data, { interactive: false,
          style: { color: "#1f5f8b", weight: 2, fillColor: "#9cc3df", fillOpacity: 0.25 } }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [12, 12] });
      }
      if (data.warning) { say(data.warning); }
      fromInputs(false);
      if (marker && !map.getBounds().contains(marker.getLatLng())) {
        map.fitBounds(map.getBounds().extend(marker.getLatLng()), { padding: [12, 12] });
      }
      box.setAttribute("data-ready", "1");
    })
    .catch(function () {
      say("La carte du territoire n'a pas pu être chargée : saisissez la longitude et la latitude.");
      fromInputs(false);
      box.setAttribute("data-ready", "1");
    });
}());
