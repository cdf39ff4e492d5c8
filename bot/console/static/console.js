/* Engage staff console: small progressive enhancements. Every page works without this file.
   - [data-poll="/url"]: fetch the fragment every data-poll-seconds and replace the content
     (paused while the tab is hidden; a signed-out session reloads the page, to sign in).
   - [data-focus-on-load]: move focus to an error summary, so it is read out first.
   - a[data-line] (the campaign editor's problems): also put the editor's cursor on that
     line, so it can be fixed at once (without this file, the link goes to the line in the
     numbered listing below the editor).
   - form[data-try] (Try it): send the message without reloading the page; the bot's replies
     appear in the conversation, which is a live region, so they are read out. Anything but
     the Try it page in answer (signed out, a refusal) is shown by sending the form again the
     ordinary way. */
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

  function goToLine(event) {
    var editor = document.getElementById("source");
    var line = parseInt(event.currentTarget.getAttribute("data-line"), 10);
    if (!editor || !line) { return; }
    event.preventDefault();
    var lines = editor.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    var end = start + (lines[line - 1] || "").length;
    editor.focus();
    editor.setSelectionRange(start, end);
    var height = editor.scrollHeight / Math.max(lines.length, 1);
    editor.scrollTop = Math.max(0, (line - 3) * height);
  }

  function tryForms(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-try]"), function (form) {
      form.addEventListener("submit", sendWithoutReload);
    });
  }

  function sendWithoutReload(event) {
    var form = event.currentTarget;
    if (!window.fetch || !window.DOMParser || !window.URLSearchParams) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.action, { method: "POST", credentials: "same-origin",
                         body: new URLSearchParams(new FormData(form)) })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshMain = fresh.getElementById("main");
        var freshTalk = fresh.getElementById("conversation");
        var main = document.getElementById("main");
        var talk = document.getElementById("conversation");
        if (!freshMain || !freshTalk || !main || !talk) { form.submit(); return; }
        var said = freshTalk.innerHTML;
        freshTalk.replaceWith(talk);  // keep the live region itself, so it is read out
        talk.innerHTML = said;
        document.title = fresh.title;
        main.replaceChildren.apply(main, Array.prototype.slice.call(freshMain.childNodes));
        tryForms(main);
        var summary = main.querySelector("[data-focus-on-load]");
        var input = document.getElementById("message");
        if (summary) { summary.focus(); } else if (input) { input.focus(); }
        var latest = document.getElementById("latest");
        if (latest && latest.scrollIntoView) { latest.scrollIntoView({ block: "nearest" }); }
      })
      .catch(function () { form.submit(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tryForms(document);
    Array.prototype.forEach.call(document.querySelectorAll("a[data-line]"), function (link) {
      link.addEventListener("click", goToLine);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll]"), poll);
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
  });
})();
