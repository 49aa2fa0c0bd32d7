/* The national map (templates/maps/national.html, app/maps/national.py). Vanilla JS + vendored Leaflet and
   markercluster. Fetches the communes layer (cached by the browser with its ETag), the indicators and the actions;
   the filter form (a plain GET form without JS) updates map, legend and table together. User text is only ever
   put in the page with textContent (no innerHTML). */
(function () {
  "use strict";
  var box = document.getElementById("national-map");
  if (!box || !window.L) { return; }
  var form = document.getElementById("nat-filters");
  var planUrl = function (id) { return box.dataset.planUrl.replace("{id}", String(id)); };
  var map = L.map(box, { maxZoom: 18, minZoom: 4, zoomSnap: 0.5 }).setView([17.5, -4.0], 5);
  map.attributionControl.setPrefix(false);
  // Optional basemap (app/maps/tiles.py): only when the deployer configured one (data-tile-url); none by default.
  if (box.getAttribute("data-tile-url")) {
    var nativeZoom = Number(box.getAttribute("data-tile-max-native-zoom"));
    L.tileLayer(box.getAttribute("data-tile-url"), {
      attribution: (box.getAttribute("data-tile-attribution") || "").replace(/[<>&]/g, ""),
      maxZoom: Number(box.getAttribute("data-tile-max-zoom")) || 18,
      maxNativeZoom: nativeZoom || undefined
    }).addTo(map);
  }
  // One layer of each kind for the page's life (emptied and refilled by a new filter), so that the layers control
  // keeps what the user hid. Clusters are dark and neutral (.nat-cluster, css/maps.css): never the colours of the
  // indicator's scale, which they would be read as.
  var state = { doc: null, communes: null, area: undefined, points: null,
                groupings: L.layerGroup().addTo(map), labels: L.layerGroup().addTo(map),
                cluster: L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
                  iconCreateFunction: function (c) {
                    var n = c.getChildCount();
                    var inner = document.createElement("div"), span = document.createElement("span");
                    span.textContent = String(n); inner.appendChild(span);
                    return L.divIcon({ html: inner, className: "marker-cluster nat-cluster", iconSize: L.point(40, 40) });
                  } }).addTo(map) };
  window.nationalMap = { map: map, state: state };
  L.control.layers(null, { "Actions localisées": state.cluster, "Contours des groupements": state.groupings,
                           "Noms des régions et cercles": state.labels },
                   { collapsed: true, position: "topright" })
    .addTo(map);

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function query() {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) { params.delete(k); } });
    return params.toString();
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status + " " + url); }
      return r.json();
    });
  }

  function plansPopup(name, plans) {
    var div = el("div", null, "nat-popup");
    div.appendChild(el("strong", name));
    var ul = el("ul");
    plans.forEach(function (p) {
      var li = el("li"); var a = el("a", p[1]); a.href = planUrl(p[0]); li.appendChild(a); ul.appendChild(li);
    });
    div.appendChild(ul);
    return div;
  }

  function openPlans(name, plans, latlng) {
    if (!plans || !plans.length) { return; }
    if (plans.length === 1) { window.location.href = planUrl(plans[0][0]); return; }
    L.popup().setLatLng(latlng).setContent(plansPopup(name, plans)).openOn(map);
  }

  function rowOf(code) {
    var rows = (state.doc && state.doc.rows) || [];
    for (var i = 0; i < rows.length; i++) { if (rows[i].code === code) { return rows[i]; } }
    return null;
  }

  // --- communes ---------------------------------------------------------------------------------------------
  function styleCommune(feature) {
    var v = state.doc && state.doc.communes[feature.properties.c];
    return { className: "commune-shape", color: "#8a7a5c", weight: 0.5, fillOpacity: v ? 0.85 : 0.35,
             fillColor: v ? v[0] : "#f0f0f0" };
  }

  function drawCommunes(geojson) {
    state.communes = L.geoJSON(geojson, {
      style: styleCommune,
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () {
          var v = state.doc && state.doc.communes[feature.properties.c];
          var d = el("div");
          d.appendChild(el("strong", feature.properties.n));
          d.appendChild(el("div", v ? (state.doc.label + " : " + v[1]) : "Pas de plan pour ces filtres"));
          return d;
        }, { sticky: true });
        layer.on("click", function (e) {
          var row = rowOf(feature.properties.c);
          if (row) { openPlans(row.name, row.plans, e.latlng); }
        });
      }
    }).addTo(map);
    state.communes.bringToBack();
    map.fitBounds(state.communes.getBounds(), { animate: false });
    if (state.doc) { state.area = undefined; fitArea(state.doc); }  // the indicators came first: their area
  }

  // --- names of régions and cercles, each at its zoom -------------------------------------------------------
  var labelData = [];
  try { labelData = JSON.parse(document.getElementById("nat-labels").textContent); } catch (e) { labelData = []; }
  var LABEL_CERCLES_FROM = 7;  // below: the régions' names; from here: the cercles' (a région fills the map)
  var labelMarkers = labelData.map(function (d) {
    var span = el("span", d[0], d[1] === 1 ? "nat-label nat-label-region" : "nat-label nat-label-cercle");
    return { level: d[1], marker: L.marker([d[2], d[3]], { interactive: false, keyboard: false,
      icon: L.divIcon({ html: span, className: "nat-label-icon", iconSize: null }) }) };
  });
  function showLabels() {
    var cercles = map.getZoom() >= LABEL_CERCLES_FROM;
    labelMarkers.forEach(function (m) {
      var wanted = (m.level === 2) === cercles;
      if (wanted && !state.labels.hasLayer(m.marker)) { state.labels.addLayer(m.marker); }
      if (!wanted && state.labels.hasLayer(m.marker)) { state.labels.removeLayer(m.marker); }
    });
  }
  map.on("zoomend", showLabels);
  showLabels();

  // --- indicators: polygons' colours, groupings, legend, table -----------------------------------------------
  function drawLegend(doc) {
    var title = document.getElementById("nat-legend-title");
    var ul = document.getElementById("nat-legend");
    title.textContent = doc.label;
    ul.replaceChildren();
    doc.legend.forEach(function (item) {
      var li = el("li"); var key = el("span", null, "nat-key"); key.style.background = item.colour;
      li.appendChild(key); li.appendChild(document.createTextNode(item.label)); ul.appendChild(li);
    });
    var note = document.getElementById("nat-legend-note");
    note.textContent = doc.note || ""; note.hidden = !doc.note;
    var others = doc.rows.filter(function (r) { return r.kind !== "commune"; }).length;
    var communes = doc.rows.length - others;
    document.getElementById("nat-count").textContent = communes + " commune" + (communes > 1 ? "s" : "") +
      " avec un plan" + (others ? ", " + others + " autre(s) collectivité(s) ou groupement(s)." : ".");
  }

  function drawTable(doc) {
    var tbody = document.getElementById("nat-rows");
    tbody.replaceChildren();
    if (!doc.rows.length) {
      var tr0 = el("tr"); var td0 = el("td", "Aucun plan ne répond à ces filtres."); td0.colSpan = 15;
      tr0.appendChild(td0); tbody.appendChild(tr0); return;
    }
    doc.rows.forEach(function (r) {
      var tr = el("tr"); tr.dataset.code = r.code;
      var th = el("th", r.name); th.scope = "row";
      if (r.kind === "groupement") { th.appendChild(document.createTextNode(" ")); th.appendChild(el("em", "(groupement)")); }
      tr.appendChild(th);
      tr.appendChild(el("td", r.cercle)); tr.appendChild(el("td", r.region));
      var plans = el("td");
      r.plans.forEach(function (p, i) {
        if (i) { plans.appendChild(el("br")); }
        var a = el("a", p[1]); a.href = planUrl(p[0]); plans.appendChild(a);
      });
      tr.appendChild(plans);
      tr.appendChild(el("td", r.texts.statut));
      ["actions", "total", "investissement", "diaspora", "emigres"].forEach(function (k) {
        tr.appendChild(el("td", r.texts[k], "num"));
      });
      tr.appendChild(el("td", r.texts.ecart));
      ["execution_annee", "execution_physique", "execution_financiere", "diaspora_mobilisee"].forEach(function (k) {
        tr.appendChild(el("td", r.texts[k], "num"));
      });
      tbody.appendChild(tr);
    });
    tbody.parentNode.dispatchEvent(new Event("rows-changed"));  // table_sort.js keeps the order chosen
  }

  function drawGroupings(doc) {
    state.groupings.clearLayers();
    doc.groupings.forEach(function (g) {
      var layer = L.geoJSON(g.geometry, { style: { className: "grouping-outline", color: "#3f007d", weight: 2.5,
                                                     dashArray: "6 4", fill: false } });
      layer.bindTooltip(function () {
        var d = el("div"); d.appendChild(el("strong", g.name + " (groupement)"));
        d.appendChild(el("div", doc.label + " : " + g.text)); return d;
      }, { sticky: true });
      layer.on("click", function (e) { openPlans(g.name, g.plans, e.latlng); });
      state.groupings.addLayer(layer);
    });
  }

  // The chosen région or cercle fills the map (doc.bounds, plans/maps/national.py area_bounds); the whole country
  // without one. Only when the area changes: another indicator keeps the user's own zoom.
  function fitArea(doc) {
    var key = JSON.stringify(doc.bounds || null);
    if (key === state.area) { return; }
    var first = state.area === undefined;
    state.area = key;
    // Not animated: a zoom animation still running (the first fit to the country) would swallow this one.
    if (doc.bounds) { map.fitBounds(doc.bounds, { animate: false }); }
    else if (!first && state.communes) { map.fitBounds(state.communes.getBounds(), { animate: false }); }
  }

  function applyIndicators(doc) {
    state.doc = doc;
    if (state.communes) { state.communes.setStyle(styleCommune); }
    drawGroupings(doc); drawLegend(doc); drawTable(doc); fitArea(doc);
    box.setAttribute("aria-label", "Carte des communes : " + doc.label);
  }

  // --- actions: one flat array, clustered ---------------------------------------------------------------------
  function drawSectors(doc) {
    var ul = document.getElementById("nat-sectors");
    if (!ul) { return; }
    var used = {};
    for (var i = 3; i < doc.points.length; i += 5) { used[doc.points[i]] = true; }
    ul.replaceChildren();
    doc.sectors.forEach(function (s, i) {
      if (!used[i]) { return; }
      var li = el("li"), key = el("span", null, "swatch"); key.style.background = s[2];
      li.appendChild(key); li.appendChild(document.createTextNode(s[1])); ul.appendChild(li);
    });
    if (!ul.children.length) { ul.appendChild(el("li", "Aucune action localisée pour ces filtres.")); }
  }

  function actionPopup(doc) {
    var div = el("div", null, "nat-popup nat-action-popup");
    var a = el("a", doc.plan[1]); a.href = planUrl(doc.plan[0]);
    var head = el("p"); head.appendChild(a); div.appendChild(head);
    if (!doc.actions.length) { div.appendChild(el("p", "Cette action a changé depuis le chargement de la carte : rechargez la page.")); }
    doc.actions.forEach(function (x) {
      div.appendChild(el("strong", x.number + ". " + x.title));
      div.appendChild(el("div", x.sector + " — " + x.status));
      div.appendChild(el("div", "Coût total : " + x.total, "nat-cost"));
      var ul = el("ul");
      x.funding.forEach(function (f) { ul.appendChild(el("li", f[0] + " (" + f[1].toLowerCase() + ") : " + f[2])); });
      if (x.gap) { ul.appendChild(el("li", "Non couvert : " + x.gap)); }
      if (!x.funding.length && !x.gap) { ul.appendChild(el("li", "Aucun financement saisi.")); }
      div.appendChild(ul);
      if (x.diaspora) { div.appendChild(el("em", "Financé par la diaspora")); }
    });
    return div;
  }

  function openAction(m) {
    var p = new URLSearchParams({ plan: String(m._nat[0]), lat: String(m.getLatLng().lat),
                                  lon: String(m.getLatLng().lng) });
    var secteur = form.elements.secteur && form.elements.secteur.value;
    if (secteur) { p.set("secteur", secteur); }
    var popup = L.popup({ maxWidth: 320 }).setLatLng(m.getLatLng()).setContent(el("p", "Chargement…")).openOn(map);
    getJSON(box.dataset.actionUrl + "?" + p.toString()).then(function (doc) {
      popup.setContent(actionPopup(doc));
    }).catch(function () {
      popup.setContent(el("p", "Les montants de cette action n'ont pas pu être lus."));
    });
  }

  function applyActions(doc) {
    state.points = doc;
    // Coordinates come as differences from the previous point, in 1/scale degrees (plans/maps/national.py).
    var markers = [], pts = doc.points, lat = 0, lon = 0;
    function marker(i) {
      lat += pts[i]; lon += pts[i + 1];
      var plan = doc.plans[pts[i + 2]], sector = doc.sectors[pts[i + 3]] || ["", "Autre", "#bdbdbd"];
      var m = L.circleMarker([lat / doc.scale, lon / doc.scale], { radius: 5, weight: pts[i + 4] ? 2 : 1,
        color: pts[i + 4] ? "#e0a100" : "#333", fillColor: sector[2], fillOpacity: 0.9, className: "action-point" });
      m.bindTooltip(function () { return el("span", plan[1] + " — " + sector[1]); });
      m._nat = plan;
      return m;
    }
    for (var i = 0; i + 5 <= pts.length; i += 5) { markers.push(marker(i)); }
    state.cluster.clearLayers();
    state.cluster.addLayers(markers);
    drawSectors(doc);
  }
  state.cluster.on("click", function (e) { if (e.layer._nat) { openAction(e.layer); } });

  function refresh(push) {
    var q = query();
    var suffix = q ? "?" + q : "";
    if (push) { history.replaceState(null, "", box.dataset.pageUrl + suffix); }
    var png = document.getElementById("nat-png");
    if (png) { png.setAttribute("href", png.dataset.base + suffix); }
    return Promise.all([getJSON(box.dataset.indicatorsUrl + suffix).then(applyIndicators),
                        getJSON(box.dataset.actionsUrl + suffix).then(applyActions)]);
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); refresh(true); });
  form.addEventListener("change", function () { refresh(true); });

  getJSON(box.dataset.communesUrl).then(function (g) {
    drawCommunes(g);
    return refresh(false);
  }).catch(function (err) {
    var p = el("p", "La carte n'a pas pu être chargée : le tableau ci-dessous reste à jour.", "flash flash-error");
    box.parentNode.insertBefore(p, box);
    throw err;
  });
})();
