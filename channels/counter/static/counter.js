// The counter works without this file. With it: the idle-session warning appears two
// minutes before the session ends (with a button to stay signed in), the expired page
// moves to the sign-in page, and the slips' Print button appears.
(function () {
  "use strict";

  var warning = document.getElementById("session-warning");
  if (warning) {
    var idle = Number(warning.getAttribute("data-idle-seconds")) || 0;
    var warnBefore = Number(warning.getAttribute("data-warning-seconds")) || 0;
    var expiredUrl = warning.getAttribute("data-expired-url");
    if (idle > 0) {
      window.setTimeout(function () {
        warning.hidden = false;
        var button = document.getElementById("session-extend");
        if (button) { button.focus(); }
      }, Math.max(0, idle - warnBefore) * 1000);
      window.setTimeout(function () {
        if (expiredUrl) { window.location.assign(expiredUrl); }
      }, idle * 1000 + 1000);
    }
  }

  var printButtons = document.querySelectorAll(".js-print");
  for (var i = 0; i < printButtons.length; i += 1) {
    printButtons[i].hidden = false;
    printButtons[i].addEventListener("click", function () { window.print(); });
  }
})();
