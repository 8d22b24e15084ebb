// Kolabik progressive enhancement. Every page works without this file; it only adds
// conveniences where JavaScript runs.
(function () {
  "use strict";
  // Move focus to the first field with an error, so keyboard and screen-reader users land
  // where the form needs them.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); }
    // Stop double submission of a form while its request is on its way.
    document.querySelectorAll("form[method='post']").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type='submit']");
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
  });
})();
