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
  var state = { doc: null, communes: null, groupings: null, cluster: null };
  window.nationalMap = { map: map, state: state };

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
    map.fitBounds(state.communes.getBounds());
  }

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
    var others = doc.rows.filter(function (r) { return r.kind !== "commune"; }).length;
    var communes = doc.rows.length - others;
    document.getElementById("nat-count").textContent = communes + " commune" + (communes > 1 ? "s" : "") +
      " avec un plan" + (others ? ", " + others + " autre(s) collectivité(s) ou groupement(s)." : ".");
  }

  function drawTable(doc) {
    var tbody = document.getElementById("nat-rows");
    tbody.replaceChildren();
    if (!doc.rows.length) {
      var tr0 = el("tr"); var td0 = el("td", "Aucun plan ne répond à ces filtres."); td0.colSpan = 11;
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
      tbody.appendChild(tr);
    });
  }

  function drawGroupings(doc) {
    if (state.groupings) { map.removeLayer(state.groupings); }
    state.groupings = L.layerGroup();
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
    state.groupings.addTo(map);
  }

  function applyIndicators(doc) {
    state.doc = doc;
    if (state.communes) { state.communes.setStyle(styleCommune); }
    drawGroupings(doc); drawLegend(doc); drawTable(doc);
    box.setAttribute("aria-label", "Carte des communes : " + doc.label);
  }

  // --- actions: one flat array, clustered ---------------------------------------------------------------------
  function applyActions(doc) {
    if (state.cluster) { map.removeLayer(state.cluster); }
    var cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50 });
    var markers = [], pts = doc.points;
    function marker(i) {
      var plan = doc.plans[pts[i + 2]], sector = doc.sectors[pts[i + 3]] || ["", "Autre", "#bdbdbd"];
      var m = L.circleMarker([pts[i], pts[i + 1]], { radius: 5, weight: pts[i + 4] ? 2 : 1,
        color: pts[i + 4] ? "#e0a100" : "#333", fillColor: sector[2], fillOpacity: 0.9, className: "action-point" });
      m.bindTooltip(function () { return el("span", plan[1] + " — " + sector[1]); });
      m._nat = plan;
      return m;
    }
    for (var i = 0; i + 5 <= pts.length; i += 5) { markers.push(marker(i)); }
    cluster.on("click", function (e) { if (e.layer._nat) { window.location.href = planUrl(e.layer._nat[0]); } });
    cluster.addLayers(markers);
    state.cluster = cluster.addTo(map);
  }

  function refresh(push) {
    var q = query();
    var suffix = q ? "?" + q : "";
    if (push) { history.replaceState(null, "", box.dataset.pageUrl + suffix); }
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
