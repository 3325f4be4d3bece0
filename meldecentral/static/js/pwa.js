/* On the staff pages: installs the service worker (sw.js: the form offline, Background Sync,
   Web Push), and the button that turns push alerts on this phone on or off. The browser asks
   for permission only when the button is pressed. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var registering = navigator.serviceWorker.register("/sw.js", { scope: "/" });
  registering.catch(function () {});

  var toggle = document.querySelector("[data-push-toggle]");
  if (!toggle || !("PushManager" in window) || !toggle.dataset.vapidKey) return;
  var d = toggle.dataset;
  var status = document.querySelector("[data-push-status]");

  function say(text) { if (status) status.textContent = text; }

  function keyBytes(base64url) {
    var pad = "=".repeat((4 - base64url.length % 4) % 4);
    var raw = atob((base64url + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }

  function csrf() {
    return (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r; });
  }

  function show(on) {
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? d.msgOff : d.msgOn;
    toggle.dataset.on = on ? "1" : "";
  }

  function current() {
    return navigator.serviceWorker.ready.then(function (reg) {
      return reg.pushManager.getSubscription().then(function (sub) { return { reg: reg, sub: sub }; });
    });
  }

  function turnOn() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say(d.msgDenied); return false; }
      return current().then(function (s) {
        return s.sub || s.reg.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(d.vapidKey)
        });
      }).then(function (sub) {
        return post(d.subscribeUrl, sub.toJSON()).then(function () { say(d.msgDone); return true; });
      });
    });
  }

  function turnOff() {
    return current().then(function (s) {
      if (!s.sub) return false;
      var endpoint = s.sub.endpoint;
      return s.sub.unsubscribe().then(function () {
        return post(d.unsubscribeUrl, { endpoint: endpoint });
      }).then(function () { say(d.msgStopped); return false; });
    });
  }

  toggle.addEventListener("click", function () {
    toggle.disabled = true;
    (toggle.dataset.on ? turnOff() : turnOn())
      .then(show, function () { say(d.msgFailed); })
      .finally(function () { toggle.disabled = false; });
  });

  current().then(function (s) {
    show(!!s.sub && Notification.permission === "granted");
  }).catch(function () {});
})();
