/* The report forms' script. Everything here is an extra: without it the form posts as usual.
   - "Use my position": browser geolocation, the district named by the server (/place), and a
     Leaflet map (loaded only now, so the form's first load stays small) to move the pin.
   - Street workers: a report, photo included, is put in the outbox on the phone (outbox.js,
     IndexedDB) first and sent from there with an Idempotency-Key, so a report made without
     network is sent once, when the network returns (this page, or the service worker with the
     page closed), and never twice. Its key is the page's one-time token, as a plain POST's.
   - One press, one report: the button is disabled once pressed; Back then Send reuses the
     token of the report just sent. A refused submit's summary gets the focus.
   - Without network a form with no outbox is not posted: the page says nothing was sent and
     keeps what was written, and says when the network is back.
   - A refused queued report can be put back into the form with its reasons, and resent. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.querySelector("form[data-report-form]");
  var outboxEl = document.querySelector("[data-outbox]");
  var d = form ? form.dataset : {};

  function msg(name, value) {
    var text = d[name] || "";
    return value === undefined ? text : text.replace(/__[A-Z]+__/, value);
  }

  /* ---------- position, district and map ---------- */
  var map = null, marker = null, leafletLoading = null;

  function placeStatus(text) {
    var el = form.querySelector("[data-place-status]");
    if (el) el.textContent = text;
  }

  function setPoint(lat, lon) {
    form.elements.lat.value = lat.toFixed(6);
    form.elements.lon.value = lon.toFixed(6);
    fetch(d.placeUrl + "?lat=" + lat + "&lon=" + lon, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (place) {
        if (place.district) {
          form.elements.district.value = String(place.district);
          placeStatus(msg("msgDistrict", place.name));
        } else {
          placeStatus(msg("msgOutside"));
        }
      })
      .catch(function () { placeStatus(msg("msgPlaceLater")); });
  }

  function loadLeaflet() {
    if (window.L) return Promise.resolve(window.L);
    if (leafletLoading) return leafletLoading;
    leafletLoading = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = d.leafletCss;
      document.head.appendChild(css);
      var js = document.createElement("script");
      js.src = d.leafletJs;
      js.onload = function () { resolve(window.L); };
      js.onerror = function () { leafletLoading = null; reject(new Error("leaflet")); };
      document.head.appendChild(js);
    });
    return leafletLoading;
  }

  function showMap(lat, lon) {
    var el = form.querySelector("[data-map]");
    loadLeaflet().then(function (L) {
      el.hidden = false;
      if (!map) {
        map = L.map(el, { zoomControl: true }).setView([lat, lon], 16);
        // Without tiles (no network, blocked) the map is grey but the pin still works.
        L.tileLayer(d.tiles, { maxZoom: 19, attribution: d.attribution }).addTo(map);
        marker = L.marker([lat, lon], { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          setPoint(p.lat, p.lng);
        });
        map.on("click", function (e) {
          marker.setLatLng(e.latlng);
          setPoint(e.latlng.lat, e.latlng.lng);
        });
      } else {
        map.setView([lat, lon], 16);
        marker.setLatLng([lat, lon]);
      }
    }).catch(function () { placeStatus(msg("msgNoMap")); });
  }

  function locate() {
    if (!navigator.geolocation) { placeStatus(msg("msgNoPosition")); return; }
    placeStatus(msg("msgLocating"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = pos.coords.latitude, lon = pos.coords.longitude;
      setPoint(lat, lon);
      showMap(lat, lon);
    }, function () {
      placeStatus(msg("msgNoPosition"));
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  if (form) {
    var locateButton = form.querySelector("[data-locate]");
    if (locateButton) locateButton.addEventListener("click", locate);
    // Choosing a district by hand means "not where I am": forget the point.
    form.elements.district.addEventListener("change", function () {
      form.elements.lat.value = "";
      form.elements.lon.value = "";
      if (map) { form.querySelector("[data-map]").hidden = true; }
      placeStatus("");
    });
  }

  /* ---------- after a refused submit; one press, one report ---------- */
  // The server's summary of what to fix: focus moves to it, so a phone shows it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();

  function submitButton() { return form && form.querySelector("button[type=submit]"); }
  function busy(on) {
    var button = submitButton();
    if (!button) return;
    button.disabled = on;
    if (on) button.setAttribute("aria-busy", "true"); else button.removeAttribute("aria-busy");
  }
  // What the network allows, said above the button: a problem (red) or news (plain).
  function connection(text, isProblem) {
    var el = form.querySelector("[data-connection]");
    if (!el) return;
    el.textContent = text;
    el.hidden = !text;
    el.classList.toggle("form-problem", !!isProblem);
    el.classList.toggle("flash", !isProblem);
  }
  var SENT_TOKEN = "mc-sent-token:" + (form ? form.getAttribute("action") : "");

  // Back after sending: the browser loads the form anew (a new token) but puts back what was
  // typed. Then this is the report just sent, so it takes that send's token again: sending
  // it once more shows the first receipt, not a second report. Typed text that differs from
  // what the server wrote into the page is the browser's restoring.
  function keepSentToken() {
    var token = form.elements.submission_token, text = form.elements.text;
    if (!token || !text) return;
    var restored = text.value && text.value !== text.defaultValue;
    var sent = sessionStorage.getItem(SENT_TOKEN);
    if (restored && sent) token.value = sent;
    else if (!text.value) sessionStorage.removeItem(SENT_TOKEN);
  }

  if (form) {
    // On the document, so it runs after the form's own handlers: a submit the queue took
    // over (preventDefault) is not a page load, and leaves the button alone. The page's
    // one-time token makes a second POST the same report anyway; this spares the wait.
    document.addEventListener("submit", function (event) {
      if (event.target !== form || event.defaultPrevented) return;
      // Without network a post would only bring the browser's error page: nothing is sent,
      // the form stays as it is, and the page says so (a resident's form has no outbox).
      if (!navigator.onLine) {
        event.preventDefault();
        connection(msg("msgOffline"), true);
        return;
      }
      connection("");
      // A button disabled now is left out of the data the browser sends, and the pressed one
      // may carry a value (the 112 question's "No, send my report"): kept as a hidden field.
      var pressed = event.submitter;
      if (pressed && pressed.name) {
        var keep = document.createElement("input");
        keep.type = "hidden";
        keep.name = pressed.name;
        keep.value = pressed.value;
        form.appendChild(keep);
      }
      busy(true);
      if (form.elements.submission_token) {
        sessionStorage.setItem(SENT_TOKEN, form.elements.submission_token.value);
      }
    });
    window.addEventListener("online", function () {
      var el = form.querySelector("[data-connection]");
      if (el && !el.hidden) connection(msg("msgOnline"));
    });
    // Back to this page: the button works again. The browser puts typed values back only
    // after this script has run, so the token is looked at here.
    window.addEventListener("pageshow", function () { busy(false); keepSentToken(); });
  }

  /* ---------- the on-phone outbox (street workers; outbox.js) ---------- */
  var user = (form && d.user) || (outboxEl && outboxEl.dataset.user);
  var box = window.MCOutbox;
  if (!user || !box || !window.indexedDB) return;
  user = String(user);
  var queueForm = form && d.queueEndpoint ? form : null;
  var queue = queueForm ? { endpoint: d.queueEndpoint, csrfUrl: d.csrfUrl, user: user } : null;

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  // Reports queued by the earlier version of this page (localStorage, no photos) move over.
  function adoptOldQueue() {
    var old = "mc-outbox-" + user, items;
    try { items = JSON.parse(localStorage.getItem(old) || "[]"); } catch (e) { items = []; }
    if (!items.length) return Promise.resolve();
    return Promise.all(items.map(function (x) {
      x.user = user;
      return box.put(x);
    })).then(function () { localStorage.removeItem(old); });
  }

  // What the server said, in the page's language: each field's reasons, or its message.
  function reasons(item) {
    var all = [];
    Object.keys(item.fields || {}).forEach(function (name) { all = all.concat(item.fields[name]); });
    return all.length ? all.join("; ") : item.error;
  }

  function timeOf(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function renderSent(items) {
    var sentBox = document.querySelector("[data-sent]");
    if (!sentBox) return;
    sentBox.textContent = "";
    items.slice().reverse().forEach(function (item) {
      var p = document.createElement("p");
      p.className = "flash ok";
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = msg("msgSent", item.reference);
      a.dataset.sentReference = item.reference;
      p.appendChild(a);
      p.appendChild(document.createTextNode(" · " + timeOf(item.createdAt) + " · " + item.label));
      sentBox.appendChild(p);
    });
  }

  function render() {
    if (!outboxEl) return Promise.resolve();
    return Promise.all([box.waiting(user), box.sent(user)]).then(function (both) {
      var items = both[0];
      renderSent(both[1]);
      outboxEl.hidden = items.length === 0;
      outboxEl.querySelector("[data-outbox-count]").textContent = String(items.length);
      var list = outboxEl.querySelector("[data-outbox-list]");
      list.textContent = "";
      items.forEach(function (item) { list.appendChild(row(item)); });
    });
  }

  function row(item) {
    var li = document.createElement("li");
    li.textContent = timeOf(item.createdAt) + " · " + item.label;
    if (item.photo) li.textContent += " · " + msg("msgWithPhoto");
    li.dataset.key = item.key;
    if (!item.error) return li;
    li.className = "failed";
    li.textContent += " · " + msg("msgFailed", reasons(item));
    if (queueForm && item.fields) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(button(msg("msgCorrect"), "button small", function () { correct(item); }))
        .dataset.outboxCorrect = item.key;
    }
    if (queueForm) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(button(msg("msgDiscard"), "button small secondary", function () {
        box.remove(item.key).then(render);
      }));
    }
    return li;
  }

  function button(text, cls, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  adoptOldQueue().then(render);
  if (!queueForm) {  // "My reports": show what is waiting; the form page sends it
    window.addEventListener("focus", render);
    return;
  }

  function collect() {
    var f = form.elements, body = {
      category: (form.querySelector("input[name=category]:checked") || {}).value,
      text: f.text.value.trim(),
      happening_now: f.happening_now.checked,
      child_in_danger: f.child_in_danger.checked,
      minor_involved: f.minor_involved.checked,
      person_named: f.person_named.checked,
      housing_estate: f.housing_estate.checked,
      language: document.documentElement.lang
    };
    if (f.lat.value && f.lon.value) {
      body.lat = parseFloat(f.lat.value);
      body.lon = parseFloat(f.lon.value);
    } else if (f.district.value) {
      body.district = parseInt(f.district.value, 10);
    }
    if (f.address_text.value.trim()) body.address_text = f.address_text.value.trim();
    if (f.interpreter_language.value) body.interpreter_language = f.interpreter_language.value;
    return body;
  }

  function problem(text) {
    var el = form.querySelector("[data-form-problem]");
    el.textContent = text;
    el.hidden = !text;
  }

  // One round of sending; what it found is said on the page.
  function flush() {
    return box.flush(queue).then(function (result) {
      if (result.emergency) { window.location.href = result.emergency; return; }
      if (result.relogin) problem(msg("msgRelogin"));
      else if (result.offline) problem(msg("msgWaiting"));
      else problem("");
      return render();
    }, function () { problem(msg("msgWaiting")); });
  }

  // With the page closed, the service worker sends them when the network returns, where the
  // browser has Background Sync; otherwise the next visit or the "online" event does.
  function syncLater() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register("mc-outbox");
    }).catch(function () {});
  }

  /* ---------- a refused report, corrected here ---------- */
  var CHECKS = ["happening_now", "child_in_danger", "minor_involved", "person_named",
                "housing_estate"];

  function fill(body) {
    form.reset();
    var f = form.elements;
    form.querySelectorAll("input[name=category]").forEach(function (r) {
      r.checked = r.value === body.category;
    });
    f.text.value = body.text || "";
    CHECKS.forEach(function (name) { f[name].checked = !!body[name]; });
    f.lat.value = body.lat == null ? "" : body.lat;
    f.lon.value = body.lon == null ? "" : body.lon;
    f.district.value = body.district == null ? "" : String(body.district);
    f.address_text.value = body.address_text || "";
    f.interpreter_language.value = body.interpreter_language || "";
  }

  function fieldOf(name) {
    if (name === "category") return form.querySelector("input[name=category]");
    var el = form.elements[name];
    return el && el.id && el.type !== "hidden" ? el : null;
  }

  function labelOf(name, el) {
    var holder = name === "category" ? el.closest("fieldset") : null;
    var label = holder ? holder.querySelector("legend")
      : form.querySelector("label[for='" + el.id + "']");
    return label ? label.textContent.trim() : name;
  }

  function clearErrors() {
    document.querySelectorAll("[data-error-summary], [data-js-error]").forEach(function (el) {
      el.remove();
    });
    form.querySelectorAll("[data-js-invalid]").forEach(function (el) {
      el.classList.remove("invalid");
      el.removeAttribute("data-js-invalid");
    });
  }

  // As the server's page does it: a summary on top with a link per field, the reason next
  // to each field, focus on the summary.
  function showErrors(fields, message) {
    clearErrors();
    var box = document.createElement("div");
    box.className = "error-summary";
    box.id = "error-summary";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    box.dataset.errorSummary = "";
    var h = document.createElement("h2");
    h.textContent = msg("msgFix");
    box.appendChild(h);
    var ul = document.createElement("ul");
    Object.keys(fields).forEach(function (name) {
      var el = fieldOf(name);
      fields[name].forEach(function (reason) {
        var li = document.createElement("li");
        if (el) {
          var a = document.createElement("a");
          a.href = "#" + el.id;
          var what = document.createElement("span");
          what.className = "what";
          what.textContent = labelOf(name, el);
          a.appendChild(what);
          a.appendChild(document.createTextNode(" " + reason));
          li.appendChild(a);
          var holder = name === "category" ? el.closest("fieldset") : el.closest(".field");
          if (holder) {
            var p = document.createElement("p");
            p.className = "error";
            p.dataset.jsError = "";
            p.textContent = reason;
            var after = name === "category" ? holder.querySelector("legend") : el;
            after.insertAdjacentElement("afterend", p);
            holder.classList.add("invalid");
            holder.dataset.jsInvalid = "";
          }
        } else {
          li.textContent = reason;
        }
        ul.appendChild(li);
      });
    });
    if (!ul.children.length) {
      var only = document.createElement("li");
      only.textContent = message;
      ul.appendChild(only);
    }
    box.appendChild(ul);
    form.insertBefore(box, form.querySelector("[data-form-problem]"));
    box.focus();
  }

  // Back into the form, with the reasons; sent again under the same key, so it is still one
  // report whatever happens to the first attempt.
  function correct(item) {
    box.remove(item.key).then(function () {
      fill(item.body);
      form.elements.submission_token.value = item.key;
      delete form.dataset.queued;
      showErrors(item.fields || {}, msg("msgFailed", item.error));
      return render();
    });
  }


  /* ---------- sending: everything goes through the outbox, photos included ---------- */
  function hasPhoto() {
    var photo = form.elements.photo;
    return !!(photo && photo.files && photo.files.length);
  }

  /* ---------- the form being filled survives a closed browser ---------- */
  var draftTimer = null;

  function saveDraft() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(function () {
      var body = collect(), photo = hasPhoto() ? form.elements.photo.files[0] : null;
      var started = body.category || body.text || photo || body.address_text ||
        body.lat !== undefined || body.district !== undefined;
      (started ? box.saveDraft({ user: user, body: body, photo: photo,
                                 photoName: photo ? photo.name : null,
                                 savedAt: new Date().toISOString() })
               : box.dropDraft(user)).catch(function () {});
    }, 300);
  }

  // Only into an empty form: a page the server sent back with problems keeps what it shows.
  function restoreDraft() {
    if (document.querySelector("[data-error-summary]") || form.elements.text.value) {
      return Promise.resolve();
    }
    return box.draft(user).then(function (draft) {
      if (!draft) return;
      fill(draft.body);
      if (draft.photo && window.DataTransfer) {
        var files = new DataTransfer();
        files.items.add(new File([draft.photo], draft.photoName || "photo",
                                 { type: draft.photo.type }));
        form.elements.photo.files = files.files;
      }
    }).catch(function () {});
  }

  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  restoreDraft();

  form.addEventListener("submit", function (event) {
    clearTimeout(draftTimer);
    var body = collect();
    if (!body.category || !body.text || (body.lat === undefined && body.district === undefined)) {
      if (!navigator.onLine) {  // no network to ask the server: say it here, all at once
        event.preventDefault();
        var missing = {};
        if (!body.category) missing.category = [msg("msgNeedCategory")];
        if (!body.text) missing.text = [msg("msgNeedText")];
        if (body.lat === undefined && body.district === undefined) {
          missing.district = [msg("msgNeedPlace")];
        }
        showErrors(missing, msg("msgMissing"));
      }
      return;  // otherwise the server answers with the form and its problems named
    }
    event.preventDefault();
    busy(true);
    var checked = form.querySelector("input[name=category]:checked");
    var label = checked ? checked.parentNode.textContent.trim() : body.category;
    var photo = hasPhoto() ? form.elements.photo.files[0] : null;
    // The page's one-time token is the report's key: a second tap finds it already queued.
    // A page the service worker kept repeats its token, so a used one is replaced.
    var key = form.elements.submission_token.value;
    var pending = form.dataset.queued === key;
    if (pending) return;
    form.dataset.queued = key;
    box.used(key).then(function (used) {
      if (used) key = newKey();
      return box.put({ key: key, user: user, createdAt: new Date().toISOString(), label: label,
                       body: body, photo: photo, photoName: photo ? photo.name : null });
    }).then(function () {
      return box.dropDraft(user);
    }).then(function () {
      form.reset();
      form.elements.submission_token.value = newKey();  // the next report is a new one
      clearErrors();
      form.querySelector("[data-map]").hidden = true;
      placeStatus("");
      busy(false);
      window.scrollTo(0, 0);
      syncLater();
      return render().then(flush);
    }, function () {
      busy(false);
      delete form.dataset.queued;
      problem(msg("msgNotKept"));
    });
  });

  var sendNow = document.querySelector("[data-outbox-send]");
  if (sendNow) sendNow.addEventListener("click", flush);
  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  flush();
})();
