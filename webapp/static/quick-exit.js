// Quick exit: leave for a neutral site at once, by the button or by Shift pressed three times.
// The button is an ordinary link, so it works without JavaScript. This script makes leaving
// instant (the page is hidden before the next site loads) and uses location.replace, so the
// Back button does not bring the page straight back.
(function () {
  "use strict";

  var link = document.querySelector("a.quick-exit[data-quick-exit-url]");
  if (!link) return;
  var url = link.getAttribute("data-quick-exit-url");
  var PRESSES = 3;
  var WITHIN_MS = 2000;
  var shiftPresses = [];

  function leave() {
    document.title = "";
    document.body.hidden = true;
    window.location.replace(url);
  }

  link.addEventListener("click", function (event) {
    // A modified click (new tab or window) is the visitor's own choice: leave it alone.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    leave();
  });

  // Only Shift pressed on its own counts: any other key in between starts the count again,
  // so typing capital letters never sends anyone away by accident.
  document.addEventListener(
    "keydown",
    function (event) {
      if (event.key !== "Shift") {
        shiftPresses = [];
        return;
      }
      if (event.repeat) return;
      var now = Date.now();
      shiftPresses = shiftPresses.filter(function (time) {
        return now - time < WITHIN_MS;
      });
      shiftPresses.push(now);
      if (shiftPresses.length >= PRESSES) {
        shiftPresses = [];
        leave();
      }
    },
    true
  );
})();
