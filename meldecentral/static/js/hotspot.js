/* Hotspot maps (staff): a hotspot's area, the detections' hexagons, or drawing a new area with
   Leaflet-Geoman (from node_modules, like Leaflet). The drawn polygon is written as GeoJSON into
   the form's area field, so the form also works by pasting GeoJSON without JavaScript. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var el = document.querySelector("[data-hotspot-map]");
  if (!el) return;
  var d = el.dataset;

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var node = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { node[k] = attrs[k]; });
      node.onload = resolve;
      node.onerror = reject;
      document.head.appendChild(node);
    });
  }

  function loadLibraries() {
    var base = [
      load("link", { rel: "stylesheet", href: d.leafletCss }),
      load("script", { src: d.leafletJs })
    ];
    return Promise.all(base).then(function () {
      if (d.draw === undefined) return window.L;
      return Promise.all([
        load("link", { rel: "stylesheet", href: d.geomanCss }),
        load("script", { src: d.geomanJs })
      ]).then(function () { return window.L; });
    });
  }

  // Copenhagen's centre when there is nothing to show yet; the map fits what it shows.
  var START = [55.68, 12.57];

  loadLibraries().then(function (L) {
    var map = L.map(el).setView(START, 12);
    L.tileLayer(d.tiles, { maxZoom: 19, attribution: d.attribution }).addTo(map);
    var shown = null;
    function show(geojson) {
      if (shown) shown.remove();
      shown = L.geoJSON(geojson, { style: { color: "#b3261e", weight: 2 } }).addTo(map);
      if (shown.getBounds().isValid()) map.fitBounds(shown.getBounds(), { maxZoom: 16 });
    }
    function parse(text) {
      try { return JSON.parse(text); } catch (e) { return null; }
    }
    if (d.area) show(parse(d.area));
    if (d.shapes) show(parse(d.shapes));
    if (d.draw === undefined) return;
    var field = document.querySelector("[data-area]");
    var given = field && parse(field.value);
    if (given) show(given);
    map.pm.addControls({
      position: "topleft",
      drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawCircle: false,
      drawText: false, cutPolygon: false, rotateMode: false, dragMode: false
    });
    function write(layer) {
      field.value = JSON.stringify(layer.toGeoJSON().geometry);
    }
    map.on("pm:create", function (e) {
      if (shown) shown.remove();
      shown = e.layer;
      write(e.layer);
      e.layer.on("pm:edit", function () { write(e.layer); });
    });
    el.setAttribute("data-ready", "yes");
  }).catch(function () { el.hidden = true; });
})();
