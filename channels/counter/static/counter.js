// The counter works without this file. With it: the idle-session warning appears two
// minutes before the session ends, with focus on its "Stay signed in" button; staying
// signed in is sent in the background so that a half-filled form is kept, and focus
// goes back where it was. When the time is up the page moves to the sign-in page.
// The slips' Print button appears too.
(function () {
  "use strict";

  var warning = document.getElementById("session-warning");
  if (warning) {
    var idle = Number(warning.getAttribute("data-idle-seconds")) || 0;
    var warnBefore = Number(warning.getAttribute("data-warning-seconds")) || 0;
    var expiredUrl = warning.getAttribute("data-expired-url");
    var button = document.getElementById("session-extend");
    var form = warning.querySelector("form");
    var timers = [];
    var returnFocus = null;

    var start = function () {
      timers.forEach(window.clearTimeout);
      timers = [
        window.setTimeout(function () {
          returnFocus = document.activeElement;
          warning.hidden = false;
          if (button) { button.focus(); }
        }, Math.max(0, idle - warnBefore) * 1000),
        window.setTimeout(function () {
          if (expiredUrl) { window.location.assign(expiredUrl); }
        }, idle * 1000 + 1000)
      ];
    };

    if (form && window.fetch && window.FormData) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var data = new FormData(form);
        data.append("background", "1");
        window.fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
          .then(function (response) {
            if (response.status !== 204) { throw new Error("not extended"); }
            warning.hidden = true;
            if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
            start();
          })
          .catch(function () { form.submit(); });
      });
    }
    if (idle > 0) { start(); }
  }

  var printButtons = document.querySelectorAll(".js-print");
  for (var i = 0; i < printButtons.length; i += 1) {
    printButtons[i].hidden = false;
    printButtons[i].addEventListener("click", function () { window.print(); });
  }
})();
