/* Small behaviours of the secretariat pages, kept out of the templates so that the
   Content-Security-Policy can refuse every inline script:
   - <form data-confirm="question">: asks before submitting (a destructive action);
   - <button data-print>: prints the page;
   - <input type="checkbox" data-check-all="selector">: ticks or clears every box the selector names;
   - <a data-back>: goes back one page (its href is the fallback without JavaScript). */
(function () {
  "use strict";
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { evt.preventDefault(); evt.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!target || !target.closest) { return; }
    if (target.closest("[data-print]")) { window.print(); return; }
    var back = target.closest("a[data-back]");
    if (back && window.history.length > 1) { evt.preventDefault(); window.history.back(); return; }
    var all = target.closest("input[data-check-all]");
    if (all) {
      document.querySelectorAll(all.getAttribute("data-check-all")).forEach(function (box) {
        if (!box.disabled) { box.checked = all.checked; }
      });
    }
  });
})();
