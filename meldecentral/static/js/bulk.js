// The queue's bulk form: show the fields of the chosen action only. Without this script every
// field shows, and the server ignores those the action does not use.
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  if (!form) return;
  var action = document.getElementById("bulk-action");
  function show() {
    form.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for") !== action.value;
    });
  }
  action.addEventListener("change", show);
  show();
})();
