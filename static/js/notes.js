/* The minute-taker's notes: saved a few seconds after typing stops and when the
   field loses focus. A save made from an old version is refused by the server
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
    window.addEventListener("beforeunload", function (event) {
      if (mine.value !== lastSaved) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-notes]"), setup);
  });
})();
