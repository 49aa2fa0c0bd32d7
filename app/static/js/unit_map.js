// The map of a territorial unit's page (templates/territory/unit.html): its polygon, fitted to the box.
// Nothing but this site is requested (no tiles): the boundaries are the landmark.
(function () {
  "use strict";
  var box = document.getElementById("unit-map");
  if (!box || !window.L) { return; }
  fetch(box.dataset.url, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (doc) {
      if (!doc.features || !doc.features.length) { return; }
      box.hidden = false;
      var map = L.map(box, {attributionControl: true, zoomControl: true, maxZoom: 16, minZoom: 4});
      map.attributionControl.setPrefix(false);
      if (doc.attribution) { map.attributionControl.addAttribution(doc.attribution); }
      var layer = L.geoJSON(doc, {interactive: false,
        style: {color: "#14532d", weight: 2, fillColor: "#dcfce7", fillOpacity: 0.5}}).addTo(map);
      map.fitBounds(layer.getBounds(), {padding: [16, 16]});
      L.control.scale({imperial: false}).addTo(map);
    })
    .catch(function () { box.hidden = true; });
})();
