/* Enhancements only: every page works without this file.
   - the reservation number's "copy" button and the print view's "print" button;
   - a spoken warning two minutes before the sign-in ends, and "stay signed in"
     without reloading the page (WCAG 2.2.1). */
(function () {
  "use strict";

  document.querySelectorAll(".js-copy").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  });

  document.querySelectorAll(".js-print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var panel = document.querySelector(".session-panel");
  if (!panel) { return; }
  var warning = panel.querySelector(".session-warning");
  var form = panel.querySelector(".session-form");
  var endsAt = panel.querySelector(".session-ends");
  var timers = [];

  function schedule(secondsLeft) {
    timers.forEach(clearTimeout);
    timers = [
      setTimeout(function () { warning.textContent = warning.getAttribute("data-warning"); },
                 Math.max(0, secondsLeft - 120) * 1000),
      setTimeout(function () { warning.textContent = warning.getAttribute("data-ended"); },
                 secondsLeft * 1000)
    ];
  }

  var seconds = parseInt(panel.getAttribute("data-seconds-left"), 10);
  if (!isNaN(seconds)) { schedule(seconds); }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) { return; }
    event.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      schedule(data.seconds_left);
      if (endsAt) { endsAt.textContent = data.ends_at; }
      warning.textContent = warning.getAttribute("data-extended");
    }).catch(function () { form.submit(); });
  });
}());
