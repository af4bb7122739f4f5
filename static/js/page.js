/* Small behaviours of the secretariat pages, kept out of the templates so that the
   Content-Security-Policy can refuse every inline script:
   - <a data-back>: goes back one page (its href is the fallback without JavaScript).
   Confirmations (data-confirm, in a <dialog>), data-print, data-check-all and how htmx
   errors are shown live in app.js. */
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!target || !target.closest) { return; }
    var back = target.closest("a[data-back]");
    if (back && window.history.length > 1) { evt.preventDefault(); window.history.back(); }
  });
})();
