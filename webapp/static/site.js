// Small same-origin behaviours that htmx attributes cannot express without eval.
// Everything here is an enhancement: each page works fully without JavaScript.
(function () {
  "use strict";

  function targetOf(event) {
    return (event.detail && event.detail.target) || event.target;
  }

  // Tell assistive technology a region is updating while its request runs.
  document.addEventListener("htmx:beforeRequest", function (event) {
    targetOf(event).setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    targetOf(event).removeAttribute("aria-busy");
  });

  // A request that failed (an error status, offline, timed out) would otherwise leave a panel
  // saying "Loading…" forever: show a short message instead. Error bodies are never swapped
  // in, so a proxy's error page can never land inside ours.
  function showFailure(event) {
    var target = targetOf(event);
    target.removeAttribute("aria-busy");
    var panel = target.closest ? target.closest(".related-panel") : null;
    if (panel) {
      panel.classList.add("has-failed");
      var message = panel.querySelector(".panel-error");
      if (message) message.hidden = false;
      return;
    }
    if (target.id === "search-results") {
      var note = document.createElement("p");
      note.className = "panel-message";
      note.setAttribute("role", "alert");
      note.textContent = "Search could not reach the site just now. Press Search to try again.";
      target.replaceChildren(note);
    }
  }
  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:sendError", showFailure);
  document.addEventListener("htmx:timeout", showFailure);

  // After a results page is swapped in by a pagination link, the link is gone: move focus to
  // the new results' heading so keyboard users are not dropped back to the top of the page.
  // Typing in the search box never moves focus: htmx keeps it on the box.
  document.addEventListener("htmx:afterSettle", function (event) {
    var trigger = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!trigger || !trigger.closest || !trigger.closest(".pagination")) return;
    var heading = document.querySelector("#search-results .result-count");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });
})();
