/* The minute-taker's notes: saved a few seconds after typing stops, when the
   field loses focus, and before any step that replaces the editor (switching item,
   starting or finishing one: elements marked data-notes-first wait for the save).
   The editor follows the meeting: when another item starts (here or elsewhere) the
   notes of the item under way open, once the current text is saved. A save made from an old version is refused by the server
   (409); then both texts are shown side by side and nothing is saved until the
   person has merged them, so neither text is ever silently lost. */
(function () {
  "use strict";
  var DELAY_MS = 3000;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; }
    catch (e) { return ""; }
  }

  function setup(form) {
    var mine = form.querySelector("[data-mine]");
    var version = form.querySelector("input[name=version]");
    var status = form.querySelector("[data-notes-status]");
    var merge = form.querySelector("[data-conflict]");
    var theirs = form.querySelector("[data-theirs]");
    var theirVersion = form.querySelector("[data-their-version]");
    var message = form.querySelector("[data-conflict-message]");
    var lastSaved = mine.value;
    var timer = null;
    var saving = false;
    // A conflict page rendered by the server (no-JS save) starts in merge mode.
    var merging = merge && !merge.hidden;

    function say(text) { if (status) { status.textContent = text; } }
    function later() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, DELAY_MS);
    }

    function showConflict(current) {
      merging = true;
      version.value = current.version;
      theirs.value = current.text;
      theirVersion.textContent = current.version;
      merge.hidden = false;
      message.hidden = false;
      say("");
    }

    function save(force) {
      if (timer) { clearTimeout(timer); timer = null; }
      // While merging, only the person's explicit click saves: autosave waits.
      if (saving || (merging && !force)) { return; }
      var text = mine.value;
      if (text === lastSaved && !force) { return; }
      saving = true;
      say(form.dataset.savingLabel);
      var body = new URLSearchParams();
      body.set("text", text);
      body.set("version", version.value);
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrftoken": csrfToken(), "Accept": "application/json" },
        body: body
      }).then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      }).then(function (result) {
        if (result.status === 200) {
          version.value = result.data.version;
          lastSaved = text;
          merging = false;
          if (merge) { merge.hidden = true; }
          if (message) { message.hidden = true; }
          say(form.dataset.savedLabel.replace("{time}", result.data.saved_at_local));
        } else if (result.status === 409 && result.data.current) {
          showConflict(result.data.current);
        } else {
          say(result.data.detail || form.dataset.offlineLabel);
        }
      }).catch(function () {
        say(form.dataset.offlineLabel);
        later();
      }).then(function () {
        saving = false;
        if (!merging && mine.value !== lastSaved) { later(); }
      });
    }

    mine.addEventListener("input", function () { say(form.dataset.unsavedLabel); later(); });
    mine.addEventListener("blur", function () { save(false); });
    form.addEventListener("submit", function (event) { event.preventDefault(); save(true); });

    /* Saves what is typed; resolves true when nothing is left unsaved. */
    form.notesFlush = function () {
      if (mine.value === lastSaved) { return Promise.resolve(true); }
      if (merging) { return Promise.resolve(false); }
      return new Promise(function (resolve) {
        var tries = 0, asked = false;
        function wait() {
          tries += 1;
          if (mine.value === lastSaved) { resolve(true); return; }
          if (saving && tries < 150) { setTimeout(wait, 100); return; }
          if (merging || asked || tries >= 150) { resolve(false); return; }
          asked = true;
          save(true);
          setTimeout(wait, 100);
        }
        wait();
      });
    };
    form.notesDirty = function () { return mine.value !== lastSaved; };
  }

  function editor() { return document.querySelector("form[data-notes]"); }

  function setupAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("form[data-notes]"), function (form) {
      if (form.dataset.ready) { return; }
      form.dataset.ready = "1";
      setup(form);
    });
  }

  window.addEventListener("beforeunload", function (event) {
    var form = editor();
    if (form && form.notesDirty && form.notesDirty()) { event.preventDefault(); event.returnValue = ""; }
  });

  /* A step that replaces the editor waits until the notes are saved. */
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.closest || !elt.closest("[data-notes-first]")) { return; }
    var form = editor();
    if (!form || !form.notesFlush || !form.notesDirty()) { return; }
    event.preventDefault();
    form.notesFlush().then(function (saved) { if (saved) { event.detail.issueRequest(true); } });
  });

  /* When the item under way changes, open its notes (after saving the ones typed). */
  function follow() {
    var form = editor();
    var current = document.getElementById("console-current-item");
    if (!form || !current || !window.htmx) { return; }
    var now = current.getAttribute("data-item-id") || "";
    var shown = form.getAttribute("data-current-id") || "";
    if (!now || now === shown) { return; }
    form.setAttribute("data-current-id", now);
    if (form.getAttribute("data-follows") !== "1") { return; }
    form.notesFlush().then(function (saved) {
      if (!saved) { return; }
      var url = form.getAttribute("data-console-url") + "?item=" + encodeURIComponent(now);
      window.htmx.ajax("GET", url, { target: "#console-body", swap: "innerHTML" });
    });
  }

  document.addEventListener("htmx:load", function (event) { setupAll(event.target); });
  document.addEventListener("htmx:afterSettle", follow);
  document.addEventListener("DOMContentLoaded", function () { setupAll(document); });
})();
