/* The report page's photos. A tap on a thumbnail opens the full photo in a lightbox (a
   <dialog>); without this script, or without <dialog>, the link opens the photo itself.
   The add-a-photo form says at once when a chosen photo is over the size limit, before a
   phone spends its data on sending it (the server checks again). */
(function () {
  "use strict";

  var box = document.querySelector("[data-lightbox]");
  var image = box && box.querySelector("[data-lightbox-image]");
  var canShow = box && typeof box.showModal === "function";

  function close() {
    if (box.open) box.close();
  }

  if (canShow) {
    document.querySelectorAll("a[data-photo]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        image.src = link.href;
        image.alt = link.getAttribute("aria-label") || image.alt;
        box.showModal();
      });
    });
    image.addEventListener("click", close);
    box.addEventListener("click", function (event) {
      if (event.target === box) close();  // the dark area around the photo
    });
    box.addEventListener("close", function () {
      image.removeAttribute("src");
    });
  }

  var form = document.querySelector("[data-photo-form]");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var max = parseInt(form.getAttribute("data-max-bytes"), 10);
  var problem = document.createElement("p");
  problem.className = "error";
  problem.setAttribute("role", "alert");
  problem.hidden = true;
  input.insertAdjacentElement("afterend", problem);

  function tooLarge() {
    var file = input.files && input.files[0];
    if (!file || !max || file.size <= max) {
      problem.hidden = true;
      return false;
    }
    problem.textContent = form.getAttribute("data-too-large").replace("{file}", file.name);
    problem.hidden = false;
    return true;
  }

  input.addEventListener("change", tooLarge);
  form.addEventListener("submit", function (event) {
    if (tooLarge()) {
      event.preventDefault();
      input.focus();
    }
  });
})();
