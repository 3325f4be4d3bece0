/* The street worker's reports waiting on the phone, shared by the report page and the service
   worker (importScripts). Kept in IndexedDB, photos as Blobs, so they survive a closed browser;
   each report keeps its own Idempotency-Key from the moment it is queued, so however often it
   is sent (the page, Background Sync, a retry after a lost answer) the server makes one report.
   Sending needs the session and a fresh CSRF token (/staff/api/csrf, which also names the
   signed-in user): only that user's reports are sent, nothing is sent for someone else. */
(function (root) {
  "use strict";
  var DB = "meldecentral", DB_VERSION = 2, KEEP_SENT = 20;
  var opening = null, flushing = null;

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, DB_VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        ["outbox", "sent"].forEach(function (name) {
          if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, { keyPath: "key" });
        });
        // The form being filled, one per user, saved as it is typed (photo included).
        if (!db.objectStoreNames.contains("draft")) {
          db.createObjectStore("draft", { keyPath: "user" });
        }
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { opening = null; reject(req.error); };
    });
    return opening;
  }

  function run(store, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode), out;
        var req = fn(t.objectStore(store));
        if (req) req.onsuccess = function () { out = req.result; };
        t.oncomplete = function () { resolve(out); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  function list(store, user) {
    return run(store, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (x) { return x.user === String(user); })
        .sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
    });
  }

  var api = {
    waiting: function (user) { return list("outbox", user); },
    sent: function (user) { return list("sent", user); },
    get: function (key) { return run("outbox", "readonly", function (s) { return s.get(key); }); },
    put: function (item) { return run("outbox", "readwrite", function (s) { return s.put(item); }); },
    remove: function (key) {
      return run("outbox", "readwrite", function (s) { return s.delete(key); });
    },
    // Whether a key was used already (waiting or sent): a form page kept by the service worker
    // carries the same one-time token each time it opens.
    used: function (key) {
      return Promise.all([
        run("outbox", "readonly", function (s) { return s.count(key); }),
        run("sent", "readonly", function (s) { return s.count(key); })
      ]).then(function (n) { return n[0] + n[1] > 0; });
    },
    forgetSent: function (user) {
      return list("sent", user).then(function (items) {
        return Promise.all(items.map(function (x) {
          return run("sent", "readwrite", function (s) { return s.delete(x.key); });
        }));
      });
    },
    draft: function (user) {
      return run("draft", "readonly", function (s) { return s.get(String(user)); });
    },
    saveDraft: function (draft) {
      return run("draft", "readwrite", function (s) { return s.put(draft); });
    },
    dropDraft: function (user) {
      return run("draft", "readwrite", function (s) { return s.delete(String(user)); });
    },
    flush: flush
  };

  function session(csrfUrl) {
    return fetch(csrfUrl, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then(function (r) {
        if (r.type === "opaqueredirect" || r.status === 401) return null;  // signed out
        if (!r.ok) throw new Error("csrf " + r.status);
        return r.json();
      });
  }

  function post(item, endpoint, token) {
    var headers = { "Accept": "application/json", "X-CSRFToken": token,
                    "Idempotency-Key": item.key };
    var body;
    if (item.photo) {
      body = new FormData();
      body.append("report", JSON.stringify(item.body));
      body.append("photo", item.photo, item.photoName || "photo");
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(item.body);
    }
    return fetch(endpoint, { method: "POST", credentials: "same-origin", headers: headers,
                             body: body });
  }

  function markSent(item, json) {
    return run("sent", "readwrite", function (s) {
      return s.put({ key: item.key, user: item.user, label: item.label,
                     reference: json.reference, url: json.url,
                     createdAt: new Date().toISOString() });
    }).then(function () { return api.remove(item.key); }).then(function () {
      return list("sent", item.user);
    }).then(function (all) {
      var old = all.slice(0, Math.max(0, all.length - KEEP_SENT));
      return Promise.all(old.map(function (x) {
        return run("sent", "readwrite", function (s) { return s.delete(x.key); });
      }));
    });
  }

  // Sends what waits, oldest first; one round at a time in this context. The answer says how
  // it went: {sent: [...], offline, relogin, emergency}. A network failure ends the round: the
  // rest waits for the next one (online, Background Sync, the next page load).
  // The page and the service worker may both start a round (online, Background Sync): the
  // Web Locks API makes them take turns, so the second finds the first's reports gone.
  function flush(opts) {
    if (flushing) return flushing;
    var locks = root.navigator && root.navigator.locks;
    var go = function () { return round(opts); };
    flushing = (locks ? locks.request("mc-outbox", go) : go())
      .finally(function () { flushing = null; });
    return flushing;
  }

  async function round(opts) {
    var result = { sent: [], refused: 0, offline: false, relogin: false, emergency: null };
    // Nothing waiting (for this user, where the page knows it): no request at all.
    var waiting = await run("outbox", "readonly", function (s) { return s.getAll(); });
    if (!waiting.some(function (x) { return !x.error && (!opts.user || x.user === opts.user); })) {
      return result;
    }
    var who;
    try { who = await session(opts.csrfUrl); } catch (e) { result.offline = true; return result; }
    if (!who) { result.relogin = true; return result; }
    var items = await api.waiting(who.user);
    for (var item of items) {
      if (item.error) continue;
      var res;
      try {
        res = await post(item, opts.endpoint, who.token);
        if (res.status === 400) {  // the token expired between the two requests
          who = await session(opts.csrfUrl) || who;
          res = await post(item, opts.endpoint, who.token);
        }
      } catch (e) {
        result.offline = true;
        break;
      }
      var json = await res.json().catch(function () { return {}; });
      var error = json.error || {};
      if (res.status === 200 || res.status === 201) {
        await markSent(item, json);
        result.sent.push({ key: item.key, reference: json.reference, url: json.url });
      } else if (res.status === 401) {
        result.relogin = true;
        break;
      } else if (res.status === 422 && error.code === "emergency") {
        await api.remove(item.key);
        result.emergency = error.redirect;
        break;
      } else if (res.status >= 400 && res.status < 500) {
        item.error = error.message || String(res.status);
        item.fields = error.fields || null;
        await api.put(item);
        result.refused += 1;
      } else {
        result.offline = true;  // server trouble: try again later
        break;
      }
    }
    return result;
  }

  root.MCOutbox = api;
})(self);
