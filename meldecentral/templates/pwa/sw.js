/* Meldecentral's service worker (served at /sw.js, so its scope is the whole site).
   - Keeps the street worker's form, its styles and scripts and Leaflet in a cache named after
     the app's version: the form opens with no network at all. The map's tiles are not kept;
     the form works without the map (a district, a text place).
   - The form's page: network first (a fresh token and session), the kept copy without network.
   - Background Sync: sends the reports waiting on the phone (outbox.js) even with the page
     closed, with each report's own Idempotency-Key, so a double send is one report.
   - Web Push: shows the alert (a kind and a reference, no report text) and opens the report. */
"use strict";
importScripts({{ outbox_js|tojson }});

var VERSION = {{ version|tojson }};
var CACHE = "mc-shell-" + VERSION;
var SHELL = {{ kept|tojson }};
var FORM = {{ form_url|tojson }};
var QUEUE = { endpoint: {{ queue_endpoint|tojson }}, csrfUrl: {{ csrf_url|tojson }} };
var TEXTS = {{ texts|tojson }};
var ICON = {{ icon|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL).then(function () {
      // The form needs the session: kept if this browser is signed in as a street worker.
      return fetch(FORM, { credentials: "same-origin", redirect: "manual" }).then(function (r) {
        if (r.ok && r.type === "basic") return cache.put(FORM, r);
      }).catch(function () {});
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("mc-shell-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function formPage(request) {
  return fetch(request).then(function (response) {
    // Only the form itself (not a redirect to the sign-in page) replaces the kept copy.
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(FORM, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(CACHE).then(function (cache) { return cache.match(FORM); })
      .then(function (kept) { return kept || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === FORM) {
    event.respondWith(formPage(request));
  } else if (SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname).then(function (kept) { return kept || fetch(request); });
    }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "mc-outbox") return;
  event.waitUntil(self.MCOutbox.flush(QUEUE).then(function (result) {
    // Still waiting for the network: fail, so that the browser tries again later.
    if (result && result.offline) throw new Error("offline");
  }));
});

self.addEventListener("message", function (event) {
  if (event.data === "mc-outbox-flush") event.waitUntil(self.MCOutbox.flush(QUEUE));
});

// The link's path on this site: a push never opens another origin (and PUBLIC_BASE_URL may name
// this site differently from the address the phone uses).
function onThisSite(link) {
  try {
    var url = new URL(link, self.location.origin);
    return new URL(url.pathname + url.search, self.location.origin).href;
  } catch (e) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var text = (TEXTS[data.type] || TEXTS.other).replace("__REF__", data.reference || "");
  event.waitUntil(self.registration.showNotification(TEXTS.title, {
    body: text,
    tag: data.message_id || data.reference || "mc",
    icon: ICON,
    data: { url: onThisSite(data.link || "/") },
    requireInteraction: data.urgency === "high"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data || {}).url || "/";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (windows) {
    for (var w of windows) {
      if (w.url === url && "focus" in w) return w.focus();
    }
    return self.clients.openWindow(url);
  }));
});
