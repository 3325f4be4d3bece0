// The statistics page's chart (Chart.js): reports per kind in each period, stacked, and the
// same period a year before as a line. The table beside it holds the same figures, so the
// page reads without this script.
(function () {
  "use strict";
  var root = document.getElementById("statistics");
  var canvas = document.getElementById("chart-kinds");
  if (!root || !canvas || !window.Chart) return;
  var data = JSON.parse(root.getAttribute("data-statistics"));
  var L10N = data.labels;
  var COLOURS = ["#b3261e", "#1f5fa8", "#2e7d32", "#c77700", "#6a1b9a", "#00838f"];
  Chart.defaults.font.size = 12;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;
  var datasets = data.kinds.map(function (kind, i) {
    return {
      type: "bar",
      label: L10N.kinds[kind] || kind,
      data: data.periods.map(function (p) { return p.kinds[kind] || 0; }),
      backgroundColor: COLOURS[i % COLOURS.length],
      stack: "now"
    };
  });
  datasets.push({
    type: "line",
    label: L10N.last_year,
    data: data.periods.map(function (p) { return p.last_year; }),
    borderColor: "#8a8f98",
    backgroundColor: "#8a8f98",
    borderDash: [4, 3],
    pointRadius: 2
  });
  canvas.chart = new Chart(canvas, {
    data: { labels: L10N.periods, datasets: datasets },
    options: {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
