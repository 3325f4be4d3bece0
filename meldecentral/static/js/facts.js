// Facts about your area: the district map (a Leaflet choropleth of the safety index), the
// chart (Chart.js) and "use my position". The position stays in the browser: the district is
// found here from the districts' polygons and only its id goes into the address.
(function () {
  "use strict";
  var data = document.getElementById("facts-data");
  if (!data) return;
  var d = data.dataset;
  var chosen = d.district ? parseInt(d.district, 10) : null;

  function pageFor(id) {
    return d.pageUrl.replace(/0$/, String(id));
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    });
  }

  // Point in polygon (ray casting) over GeoJSON Polygon / MultiPolygon rings, [lon, lat].
  function inRing(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inPolygon(rings, x, y) {
    if (!inRing(rings[0], x, y)) return false;
    for (var k = 1; k < rings.length; k++) if (inRing(rings[k], x, y)) return false;
    return true;
  }
  function districtAt(geojson, lon, lat) {
    var found = null;
    geojson.features.forEach(function (f) {
      var g = f.geometry;
      var polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
      if (found === null && polys.some(function (p) { return inPolygon(p, lon, lat); })) {
        found = f.properties.id;
      }
    });
    return found;
  }

  function colour(value) {
    if (value === null || value === undefined) return "#c9ced6";
    // Lower index, darker blue.
    var steps = ["#08306b", "#2171b5", "#6baed6", "#c6dbef", "#eff3ff"];
    var i = Math.min(steps.length - 1, Math.max(0, Math.floor((value - 40) / 12)));
    return steps[i];
  }

  function drawMap(geojson, facts) {
    var el = document.getElementById("facts-map");
    if (!el || typeof L === "undefined") return;
    var index = {};
    facts.districts.forEach(function (x) { index[x.id] = x.safety_index.value; });
    var map = L.map(el, { zoomControl: true, scrollWheelZoom: false });
    L.tileLayer(d.tiles, { maxZoom: 18, attribution: d.attribution }).addTo(map);
    var layer = L.geoJSON(geojson, {
      style: function (f) {
        var mine = f.properties.id === chosen;
        return {
          color: mine ? "#b3261e" : "#333", weight: mine ? 3 : 1,
          fillColor: colour(index[f.properties.id]), fillOpacity: 0.7
        };
      },
      onEachFeature: function (f, l) {
        var v = index[f.properties.id];
        l.bindTooltip(f.properties.name + " · " + d.labelIndex + ": " + (v === null ? "–" : v));
        l.on("click", function () { window.location.href = pageFor(f.properties.id); });
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    var legend = document.getElementById("map-legend");
    if (legend) legend.hidden = false;
  }

  function perThousand(n, population) {
    return n === null || !population ? null : Math.round((10000 * n) / population) / 10;
  }

  function drawChart(facts) {
    var canvas = document.getElementById("facts-chart");
    if (!canvas || typeof Chart === "undefined" || chosen === null) return;
    var district = facts.districts.filter(function (x) { return x.id === chosen; })[0];
    if (!district) return;
    var labels = facts.groups.map(function (g) { return g.label[d.lang] || g.label.en; });
    var mine = facts.groups.map(function (g) {
      return perThousand(district.groups[g.code].current, district.population);
    });
    var city = facts.groups.map(function (g) {
      return perThousand(facts.city.groups[g.code].current, facts.city.population);
    });
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: d.labelDistrict, data: mine, backgroundColor: "#0b5cad" },
          { label: d.labelCity, data: city, backgroundColor: "#9aa4b0" }
        ]
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  var geojsonPromise = getJson(d.districtsUrl);
  Promise.all([geojsonPromise, getJson(d.factsUrl)]).then(function (both) {
    drawMap(both[0], both[1]);
    drawChart(both[1]);
  }).catch(function () { /* the tables above hold the same figures */ });

  function say(text) {
    var note = document.getElementById("position-note");
    note.textContent = text;
    note.setAttribute("role", "status");
  }

  var button = document.getElementById("use-position");
  if (button && navigator.geolocation) {
    button.hidden = false;
    document.getElementById("position-note").hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        geojsonPromise.then(function (geojson) {
          var id = districtAt(geojson, pos.coords.longitude, pos.coords.latitude);
          if (id === null) { say(d.msgOutside); return; }
          window.location.href = pageFor(id);
        });
      }, function () { say(d.msgNoPosition); }, { timeout: 10000, maximumAge: 600000 });
    });
  }
  // Choosing in the list shows the district at once (the button stays for no JavaScript).
  var select = document.getElementById("district");
  if (select) {
    select.addEventListener("change", function () {
      window.location.href = select.value ? pageFor(select.value) : select.form.action;
    });
  }
})();
