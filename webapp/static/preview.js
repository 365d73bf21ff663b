// Preview only (`flask --app wsgi content preview`): reload this page when the content it
// shows has been rebuilt, or when a saved file's problems appear or go away.
(function () {
  "use strict";

  const events = new EventSource(document.currentScript.dataset.events);
  events.addEventListener("message", function () {
    events.close();
    window.location.reload();
  });
})();
