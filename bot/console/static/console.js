/* Engage staff console: small progressive enhancements. Every page works without this file.
   - [data-poll="/url"]: fetch the fragment every data-poll-seconds and replace the content
     (paused while the tab is hidden; a signed-out session reloads the page, to sign in).
   - [data-focus-on-load]: move focus to an error summary, so it is read out first. */
(function () {
  "use strict";

  function poll(region) {
    var url = region.getAttribute("data-poll");
    var seconds = parseInt(region.getAttribute("data-poll-seconds"), 10) || 15;
    function refresh() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "X-Console-Poll": "1" } })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null && html !== undefined) { region.innerHTML = html; }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }
    window.setInterval(refresh, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll]"), poll);
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
  });
})();
