/* Agenda building: items can be dragged to a new place; the new order is sent at once
   and the list (with its recomputed start times) comes back. The up/down buttons stay
   for the keyboard and for pages without JavaScript. */
(function () {
  "use strict";
  var dragged = null;

  function list(el) { return el && el.closest ? el.closest("ol[data-reorder]") : null; }

  function prepare(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("ol[data-reorder] > li.ag-item"), function (li) {
      if (li.getAttribute("draggable")) { return; }
      li.setAttribute("draggable", "true");
      li.classList.add("is-draggable");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var li = event.target.closest && event.target.closest("ol[data-reorder] > li.ag-item");
    if (!li) { return; }
    dragged = li;
    li.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.id);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var over = event.target.closest && event.target.closest("li.ag-item");
    if (!over || over === dragged || list(over) !== list(dragged)) { return; }
    event.preventDefault();
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", function (event) { if (dragged) { event.preventDefault(); } });

  document.addEventListener("dragend", function () {
    if (!dragged) { return; }
    var ol = list(dragged);
    dragged.classList.remove("is-dragging");
    dragged = null;
    if (!ol || !window.htmx) { return; }
    var ids = Array.prototype.map.call(ol.querySelectorAll(":scope > li.ag-item"), function (li) {
      return li.id.replace("item-", "");
    });
    window.htmx.ajax("POST", ol.getAttribute("data-reorder"), {
      target: "#ag-items", swap: "outerHTML", values: { item_ids: ids.join(",") }
    });
  });

  document.addEventListener("htmx:load", function (event) { prepare(event.target); });
  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
})();
