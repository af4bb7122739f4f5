/* confmgr: behaviour shared by every page (loaded from base.html, no inline script).
 *
 * 1. Errors: an htmx request answered 4xx/5xx that is not swapped shows its message
 *    in an alert at the top of the form (or page) that sent it, and is announced.
 * 2. Confirmations: a form or button with data-confirm="..." asks in a native <dialog>
 *    before it is sent. Without JavaScript the server asks on a confirm page instead.
 * 3. Small helpers: data-check-all ticks every box it names.
 */
(function () {
  "use strict";

  function textOf(html) {
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    var alert = doc.querySelector("[role=alert], .alert, .error, main p, p");
    var text = (alert ? alert.textContent : doc.body ? doc.body.textContent : "") || "";
    return text.replace(/\s+/g, " ").trim();
  }

  function messageFromResponse(xhr) {
    var type = xhr.getResponseHeader("content-type") || "";
    if (type.indexOf("json") >= 0) {
      try { var body = JSON.parse(xhr.responseText); return body.detail || ""; } catch (e) { return ""; }
    }
    return textOf(xhr.responseText);
  }

  function showError(origin, message) {
    var host = (origin && origin.closest && (origin.closest("form") || origin.closest("section, .card"))) || document.querySelector("main");
    if (!host) return;
    var box = host.querySelector(":scope > .js-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "alert alert-error js-error";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      host.insertBefore(box, host.firstChild);
    }
    box.textContent = message || document.body.getAttribute("data-error-generic") || "Error";
    box.focus({ preventScroll: true });
    box.scrollIntoView({ block: "nearest" });
  }

  function clearError(origin) {
    var host = origin && origin.closest && (origin.closest("form") || origin.closest("section, .card"));
    var box = host && host.querySelector(":scope > .js-error");
    if (box) box.remove();
  }

  /* One rule for every htmx answer >= 400: a fragment meant to be shown (a form with its
   * messages, e.g. a 409 or 422) is swapped in place; a bare error message (marked
   * data-error-message, or JSON) is not swapped but shown above the form that sent it. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var xhr = detail.xhr;
    if (!xhr || xhr.status < 400) return;
    var type = xhr.getResponseHeader("content-type") || "";
    var body = xhr.responseText || "";
    var bare = type.indexOf("html") < 0 || body.indexOf("data-error-message") >= 0 || !body.trim();
    if (bare || xhr.status >= 500) {
      detail.shouldSwap = false;
      detail.isError = true;
    } else {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  /* A fragment swapped in with its message (a 409/422 form): the message is brought into
   * view and focused, so it is seen and announced even when the button was far below it. */
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    if (!detail.xhr || detail.xhr.status < 400) return;
    var target = detail.target;
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    if (!target || !target.querySelector) return;
    var alert = target.matches("[role=alert]") ? target : target.querySelector("[role=alert]");
    if (!alert) return;
    if (!alert.hasAttribute("tabindex")) alert.tabIndex = -1;
    alert.focus({ preventScroll: true });
    alert.scrollIntoView({ block: "nearest" });
  });

  document.addEventListener("htmx:responseError", function (event) {
    var detail = event.detail || {};
    showError(detail.elt, messageFromResponse(detail.xhr));
  });
  document.addEventListener("htmx:sendError", function (event) {
    showError((event.detail || {}).elt, document.body.getAttribute("data-error-network") || "");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail || {};
    if (detail.successful) clearError(detail.elt);
  });

  /* Confirmations in a native dialog. */
  var dialog = null;
  function confirmDialog() {
    if (dialog) return dialog;
    dialog = document.getElementById("confirm-dialog");
    return dialog;
  }

  function ask(message, okLabel, onYes) {
    var d = confirmDialog();
    if (!d || typeof d.showModal !== "function") { if (window.confirm(message)) onYes(); return; }
    d.querySelector("[data-confirm-text]").textContent = message;
    var ok = d.querySelector("[data-confirm-ok]");
    ok.textContent = okLabel || ok.getAttribute("data-default");
    d.returnValue = "";
    d.onclose = function () { d.onclose = null; if (d.returnValue === "ok") onYes(); };
    d.showModal();
    ok.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var source = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
    var message = source.getAttribute && source.getAttribute("data-confirm");
    if (!message || form.dataset.confirmed === "1") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    ask(message, source.getAttribute("data-confirm-ok"), function () {
      form.dataset.confirmed = "1";
      var field = form.querySelector("input[name=confirmed]");
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden"; field.name = "confirmed";
        form.appendChild(field);
      }
      field.value = "1";
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
      delete form.dataset.confirmed;
    });
  }, true);

  /* htmx buttons outside forms: hx-confirm is handled by the same dialog. */
  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail && event.detail.question;
    if (!question) return;
    event.preventDefault();
    var elt = event.detail.elt;
    ask(question, elt.getAttribute("data-confirm-ok"), function () { event.detail.issueRequest(true); });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { event.preventDefault(); window.print(); }
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    var selector = box && box.getAttribute && box.getAttribute("data-check-all");
    if (!selector) return;
    document.querySelectorAll(selector).forEach(function (other) { if (!other.disabled) other.checked = box.checked; });
  });
})();
