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

  // A swap that removes the focused element drops focus to <body>, and the next Tab starts
  // again at the top of the page. Two ways that happens: a pagination link inside the results
  // it replaces, and a keyboard user on the related panel's fallback link when the panel
  // arrives. Put focus on the new content instead: the results' heading, else the new element.
  // Typing in the search box never comes here: the box is outside what is swapped.
  var focusWasIn = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    var active = document.activeElement;
    focusWasIn = target && active && active !== document.body && target.contains(active)
      ? target : null;
  });
  // htmx has swapped by the time it fires afterRequest. When the element that made the request
  // has left the page (the pagination link, the old panel), htmx fires it again on the nearest
  // ancestor still there: that is the one that reaches this listener.
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = focusWasIn;
    if (!target) return;
    focusWasIn = null;
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    var landing = target.isConnected
      ? target
      : (target.id && document.getElementById(target.id)) || event.target;
    landing = landing.querySelector(".result-count") || landing;
    landing.setAttribute("tabindex", "-1");
    landing.focus();
  });
})();
