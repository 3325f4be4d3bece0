/* The report forms' script. Everything here is an extra: without it the form posts as usual.
   - "Use my position": browser geolocation, the district named by the server (/place), and a
     Leaflet map (loaded only now, so the form's first load stays small) to move the pin.
   - Street workers: a report is put in a queue on the phone (localStorage) first and sent from
     there with an Idempotency-Key, so a report made without network is sent once, when the
     network returns, and never twice. Its key is the page's one-time token, as a plain POST's.
   - One press, one report: the button is disabled once pressed; Back then Send reuses the
     token of the report just sent. A refused submit's summary gets the focus.
   - A refused queued report can be put back into the form with its reasons, and resent; a
     report with a photo asks for the network before it goes, and says so without it. */
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
    // Back to this page: the button works again. The browser puts typed values back only
    // after this script has run, so the token is looked at here.
    window.addEventListener("pageshow", function () { busy(false); keepSentToken(); });
  }

  /* ---------- the on-phone queue (street workers) ---------- */
  var user = (form && d.user) || (outboxEl && outboxEl.dataset.user);
  if (!user) return;
  var KEY = "mc-outbox-" + user;
  var queueForm = form && d.queueEndpoint ? form : null;
  var flushing = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(KEY, JSON.stringify(items)); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  // What the server said, in the page's language: each field's reasons, or its message.
  function reasons(item) {
    var all = [];
    Object.keys(item.fields || {}).forEach(function (name) { all = all.concat(item.fields[name]); });
    return all.length ? all.join("; ") : item.error;
  }

  function render() {
    if (!outboxEl) return;
    var items = load();
    outboxEl.hidden = items.length === 0;
    outboxEl.querySelector("[data-outbox-count]").textContent = String(items.length);
    var list = outboxEl.querySelector("[data-outbox-list]");
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var when = new Date(item.createdAt);
      li.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) +
        " · " + item.label;
      li.dataset.key = item.key;
      if (item.error) {
        li.className = "failed";
        li.textContent += " · " + msg("msgFailed", reasons(item));
        if (queueForm && item.fields) {
          var fix = document.createElement("button");
          fix.type = "button";
          fix.className = "button small";
          fix.textContent = msg("msgCorrect");
          fix.dataset.outboxCorrect = item.key;
          fix.addEventListener("click", function () { correct(item); });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(fix);
        }
        if (queueForm) {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "button small secondary";
          b.textContent = msg("msgDiscard");
          b.addEventListener("click", function () {
            save(load().filter(function (x) { return x.key !== item.key; }));
            render();
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(b);
        }
      }
      list.appendChild(li);
    });
  }

  if (!queueForm) {  // "My reports": show what is waiting; the form page sends it
    render();
    window.addEventListener("storage", render);
    return;
  }

  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";

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

  function sentNotice(reference, url) {
    var box = document.querySelector("[data-sent]");
    var p = document.createElement("p");
    p.className = "flash ok";
    var a = document.createElement("a");
    a.href = url;
    a.textContent = msg("msgSent", reference);
    a.dataset.sentReference = reference;
    p.appendChild(a);
    box.insertBefore(p, box.firstChild);
  }

  function refreshToken() {
    return fetch(d.csrfUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("csrf"); return r.json(); })
      .then(function (j) { csrf = j.token; });
  }

  function post(item) {
    return fetch(d.queueEndpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrf,
        "Idempotency-Key": item.key
      },
      body: JSON.stringify(item.body)
    });
  }

  function forget(key) { save(load().filter(function (x) { return x.key !== key; })); }
  function mark(key, error, fields) {
    save(load().map(function (x) {
      if (x.key === key) { x.error = error; x.fields = fields || null; }
      return x;
    }));
  }

  // Sends what waits, oldest first. A network failure stops the round; the rest waits for
  // the next one (the "online" event, a timer, the next page load).
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (var item of load()) {
        if (item.error) continue;
        var res;
        try {
          res = await post(item);
          if (res.status === 400) {  // the page's CSRF token expired while offline
            await refreshToken();
            res = await post(item);
          }
        } catch (e) {
          problem(msg("msgWaiting"));
          break;
        }
        if (res.status < 500) problem("");  // the network is back, whatever the answer
        var json = await res.json().catch(function () { return {}; });
        if (res.status === 200 || res.status === 201) {
          forget(item.key);
          sentNotice(json.reference, json.url);
          problem("");
        } else if (res.status === 401) {
          problem(msg("msgRelogin"));
          break;
        } else if (res.status === 422 && json.error && json.error.code === "emergency") {
          forget(item.key);
          window.location.href = json.error.redirect;
          return;
        } else if (res.status >= 400 && res.status < 500) {
          mark(item.key, (json.error && json.error.message) || String(res.status),
               json.error && json.error.fields);
        } else {
          break;  // server trouble: try again later
        }
        render();
      }
    } finally {
      flushing = false;
      render();
    }
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
    forget(item.key);
    fill(item.body);
    form.elements.submission_token.value = item.key;
    showErrors(item.fields || {}, msg("msgFailed", item.error));
    render();
  }

  /* ---------- a photo needs network now ---------- */
  var photoBox = form.querySelector("[data-photo-problem]");

  function photoProblem(on) {
    if (photoBox) photoBox.hidden = !on;
  }

  function hasPhoto() {
    var photo = form.elements.photo;
    return !!(photo && photo.files && photo.files.length);
  }

  // Said before sending: a photo chosen, or the network gone, while offline.
  function photoCheck() { photoProblem(hasPhoto() && !navigator.onLine); }
  if (form.elements.photo) form.elements.photo.addEventListener("change", photoCheck);
  window.addEventListener("offline", photoCheck);
  window.addEventListener("online", photoCheck);
  var removePhoto = form.querySelector("[data-photo-remove]");
  if (removePhoto) {
    removePhoto.addEventListener("click", function () {
      form.elements.photo.value = "";
      photoProblem(false);
      form.elements.photo.focus();
    });
  }

  // A report with a photo goes as a plain POST, which needs the network now. Asked first, so
  // that without it the report stays here (and says so) instead of the browser's offline page.
  function sendWithPhoto() {
    busy(true);
    fetch(d.csrfUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.ok) return r.json().then(function (j) { form.elements.csrf_token.value = j.token; });
      })
      .then(function () { photoProblem(false); form.submit(); })
      .catch(function () {
        busy(false);
        photoProblem(true);
        photoBox.scrollIntoView({ block: "center" });
      });
  }

  form.addEventListener("submit", function (event) {
    if (hasPhoto()) {
      event.preventDefault();
      sendWithPhoto();
      return;
    }
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
    var checked = form.querySelector("input[name=category]:checked");
    var label = checked ? checked.parentNode.textContent.trim() : body.category;
    // The page's one-time token is the queue's key: a second tap finds it already waiting.
    var key = form.elements.submission_token.value || newKey();
    var items = load();
    if (items.some(function (x) { return x.key === key; })) return;
    items.push({ key: key, createdAt: new Date().toISOString(), label: label, body: body });
    save(items);
    form.reset();
    form.elements.submission_token.value = newKey();  // the next report is a new one
    clearErrors();
    busy(true);
    setTimeout(function () { busy(false); }, 1500);
    form.querySelector("[data-map]").hidden = true;
    placeStatus("");
    render();
    window.scrollTo(0, 0);
    flush();
  });

  var sendNow = document.querySelector("[data-outbox-send]");
  if (sendNow) sendNow.addEventListener("click", flush);
  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  render();
  flush();
})();
