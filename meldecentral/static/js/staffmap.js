// The staff map: the reports the server lists for the page's filters (no text, no person),
// clustered with Leaflet.markercluster; a marker's popup links to the report page, which is
// where a report is read (and the access log written).
(function () {
  "use strict";
  var el = document.getElementById("staff-map");
  var status = document.getElementById("map-status");
  if (!el || !window.L || !L.markerClusterGroup) return;
  var L10N = JSON.parse(el.getAttribute("data-labels"));
  var reportUrl = el.getAttribute("data-report-url");
  var COLOUR = { high: "#b3261e", normal: "#c77700", low: "#5f6368" };
  var map = L.map(el).setView([55.68, 12.57], 11);
  if (el.getAttribute("data-tiles")) {
    L.tileLayer(el.getAttribute("data-tiles"), { attribution: el.getAttribute("data-attribution"), maxZoom: 19 }).addTo(map);
  }
  var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
  map.addLayer(cluster);

  function popup(p) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = p.reference;
    var what = document.createElement("div");
    what.textContent = L10N.category[p.category] || p.category;
    var state = document.createElement("div");
    state.textContent = (L10N.urgency[p.urgency] || p.urgency) + " · " + (L10N.status[p.status] || p.status);
    var link = document.createElement("a");
    link.href = reportUrl.replace(/0$/, String(p.id));
    link.textContent = L10N.open;
    box.append(title, what, state, link);
    return box;
  }

  function say(text) { status.textContent = text; }

  fetch(el.getAttribute("data-points"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (body) {
      var markers = body.points.map(function (p) {
        var m = L.circleMarker([p.lat, p.lon], {
          radius: 8, color: "#fff", weight: 2, fillColor: COLOUR[p.urgency] || COLOUR.low, fillOpacity: 0.95
        });
        m.bindPopup(function () { return popup(p); }, { maxWidth: 220, autoPanPadding: [12, 12] });
        return m;
      });
      cluster.addLayers(markers);
      if (markers.length) map.fitBounds(cluster.getBounds(), { padding: [20, 20], maxZoom: 15 });
      say(body.more ? L10N.more.replace("%(n)s", body.limit) :
        markers.length ? "" : L10N.none);
      status.hidden = !status.textContent;
      el.setAttribute("data-count", String(markers.length));
    })
    .catch(function () { say(L10N.failed); });
})();
