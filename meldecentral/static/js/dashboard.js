// The dashboard's charts (Chart.js) and district map (Leaflet), drawn from the figures the
// server put in data-dashboard. The tables beside them hold the same figures, so the page
// reads without this script.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.Chart) return;
  var data = JSON.parse(root.getAttribute("data-dashboard"));
  var L10N = data.labels;
  var BLUE = "#1f5fa8", RED = "#b3261e", AMBER = "#c77700", GREY = "#8a8f98";
  var URGENCY_COLOUR = { high: RED, normal: AMBER, low: GREY };
  Chart.defaults.font.size = 12;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;
  Chart.defaults.datasets.bar.maxBarThickness = 28;

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) canvas.chart = new Chart(canvas, config);
  }
  function pluck(list, key) { return list.map(function (x) { return x[key]; }); }
  // Long category names cut short on the axis (a phone is narrow); the tooltip has them whole.
  var shortLabels = {
    ticks: {
      callback: function (value) {
        var label = String(this.getLabelForValue(value));
        return label.length > 20 ? label.slice(0, 19) + "…" : label;
      }
    }
  };

  chart("chart-days", {
    type: "bar",
    data: {
      labels: pluck(data.per_day, "key").map(function (d) { return d.slice(5); }),
      datasets: [{ label: L10N.received, data: pluck(data.per_day, "count"), backgroundColor: BLUE }]
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
  });

  chart("chart-categories", {
    type: "bar",
    data: {
      labels: pluck(data.per_category, "name"),
      datasets: [{ label: L10N.received, data: pluck(data.per_category, "count"), backgroundColor: BLUE }]
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { y: shortLabels } }
  });

  chart("chart-units", {
    type: "bar",
    data: {
      labels: pluck(data.units, "code"),
      datasets: [
        { label: L10N.open, data: pluck(data.units, "open"), backgroundColor: BLUE },
        { label: L10N.overdue, data: pluck(data.units, "overdue"), backgroundColor: RED }
      ]
    },
    options: { scales: { y: { beginAtZero: true } } }
  });

  // Median hours to acknowledge, one bar per unit for each urgency.
  var units = [];
  data.times.forEach(function (t) { if (units.indexOf(t.unit) < 0) units.push(t.unit); });
  chart("chart-times", {
    type: "bar",
    data: {
      labels: units,
      datasets: Object.keys(URGENCY_COLOUR).map(function (u) {
        return {
          label: L10N.urgency[u],
          backgroundColor: URGENCY_COLOUR[u],
          data: units.map(function (code) {
            var t = data.times.filter(function (x) { return x.unit === code && x.urgency === u; })[0];
            return t ? t.ack_median_h : null;
          })
        };
      })
    },
    options: {
      plugins: { title: { display: true, text: L10N.ack_median } },
      scales: { y: { beginAtZero: true } }
    }
  });

  chart("chart-redirects", {
    type: "bar",
    data: {
      labels: pluck(data.redirects_by_category, "name"),
      datasets: [{ label: L10N.redirects, data: pluck(data.redirects_by_category, "count"), backgroundColor: RED }]
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { y: shortLabels } }
  });

  // The district map: each district shaded by the reports received, 112 redirects in its tooltip.
  var mapEl = document.getElementById("dash-map");
  if (!mapEl || !window.L) return;
  var received = {}, redirected = {}, most = 1;
  data.per_district.forEach(function (d) { received[d.key] = d.count; most = Math.max(most, d.count); });
  data.redirects_by_district.forEach(function (d) { redirected[d.key] = d.count; });
  var map = L.map(mapEl, { scrollWheelZoom: false });
  if (root.getAttribute("data-tiles")) {
    L.tileLayer(root.getAttribute("data-tiles"), { attribution: root.getAttribute("data-attribution"), maxZoom: 18 }).addTo(map);
  }
  fetch(root.getAttribute("data-districts"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (geo) {
      var layer = L.geoJSON(geo, {
        style: function (f) {
          var n = received[f.properties.number] || 0;
          return { color: "#333", weight: 1, fillColor: BLUE, fillOpacity: 0.1 + 0.7 * n / most };
        },
        onEachFeature: function (f, l) {
          var n = f.properties.number;
          var tip = document.createElement("span");  // text, never HTML
          tip.textContent = n + ". " + f.properties.name + ": " + (received[n] || 0) + " · " +
            L10N.redirects + " " + (redirected[n] || 0);
          l.bindTooltip(tip);
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      mapEl.setAttribute("data-ready", "1");
    });
})();
