/* The minutes editor: each section is saved a few seconds after typing stops and when
   it loses focus, with the same rule as the notes: a save made from an old version is
   refused (409); the text saved meanwhile is shown under the section and nothing more
   is saved automatically until the person saves by hand. Saves go one at a time, each
   from the latest version. Leaving with unsaved text asks first; "Preview" saves first. */
(function () {
  "use strict";
  var DELAY_MS = 2500;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; }
    catch (e) { return ""; }
  }

  var state = { dirty: {}, timer: null, busy: false, stopped: false };

  function form() { return document.querySelector("form[data-minutes]"); }
  function fields(f) { return f.querySelectorAll("[name^='section:']"); }
  function statusOf(field) {
    var box = field.closest(".section-edit");
    return box ? box.querySelector("[data-section-status]") : null;
  }
  function say(field, text) { var s = statusOf(field); if (s) { s.textContent = text; } }

  function schedule() {
    if (state.timer) { clearTimeout(state.timer); }
    state.timer = setTimeout(saveNext, DELAY_MS);
  }

  function showTheirs(field, text, label) {
    var box = field.closest(".section-edit");
    if (!box) { return; }
    var note = box.querySelector("[data-theirs]");
    if (!note) {
      note = document.createElement("div");
      note.setAttribute("data-theirs", "");
      note.className = "record";
      var title = document.createElement("p");
      title.className = "error";
      title.textContent = label;
      box.appendChild(title);
      box.appendChild(note);
    }
    note.textContent = text;
  }

  /* Saves the dirty sections one after the other; resolves true when all are saved. */
  function saveNext() {
    var f = form();
    if (!f || state.busy || state.stopped) { return Promise.resolve(!Object.keys(state.dirty).length); }
    var names = Object.keys(state.dirty);
    if (!names.length) { return Promise.resolve(true); }
    var name = names[0];
    var field = f.querySelector("[name='" + name.replace(/'/g, "\\'") + "']");
    if (!field) { delete state.dirty[name]; return saveNext(); }
    var version = f.querySelector("input[name=version]");
    var text = field.value;
    var body = new URLSearchParams();
    body.set("version", version.value);
    body.set(name, text);
    state.busy = true;
    say(field, f.dataset.savingLabel);
    return fetch(f.action, {
      method: "POST", credentials: "same-origin",
      headers: { "x-csrftoken": csrfToken(), "Accept": "application/json" }, body: body
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      state.busy = false;
      if (result.status === 200) {
        version.value = result.data.version;
        if (field.value === text) { delete state.dirty[name]; }
        say(field, f.dataset.savedLabel.replace("{time}", result.data.saved_at_local));
        return saveNext();
      }
      if (result.status === 409 && result.data.current) {
        state.stopped = true;
        version.value = result.data.current.version;
        var key = name.slice("section:".length);
        showTheirs(field, (result.data.current.sections || {})[key] || "", f.dataset.conflictLabel);
        say(field, result.data.detail || "");
        return false;
      }
      say(field, (result.data.fields && Object.values(result.data.fields)[0]) || result.data.detail || f.dataset.offlineLabel);
      state.stopped = true;
      return false;
    }).catch(function () {
      state.busy = false;
      say(field, f.dataset.offlineLabel);
      schedule();
      return false;
    });
  }

  /* Waits for a save under way, then saves what is left; true once nothing is unsaved. */
  function flush(tries) {
    tries = tries || 0;
    if (!Object.keys(state.dirty).length && !state.busy) { return Promise.resolve(true); }
    if (state.stopped || tries > 150) { return Promise.resolve(false); }
    if (state.busy) { return new Promise(function (r) { setTimeout(r, 100); }).then(function () { return flush(tries + 1); }); }
    return saveNext().then(function () { return flush(tries + 1); });
  }

  function setup(f) {
    if (f.dataset.ready) { return; }
    f.dataset.ready = "1";
    state.dirty = {};
    state.stopped = false;
    Array.prototype.forEach.call(fields(f), function (field) {
      field.addEventListener("input", function () {
        state.dirty[field.name] = true;
        say(field, f.dataset.unsavedLabel);
        schedule();
      });
      field.addEventListener("blur", function () { if (state.dirty[field.name]) { saveNext(); } });
    });
  }

  /* "Preview": save what is typed, then go (the button's own form post does the same without JS). */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-minutes-preview]");
    if (!button) { return; }
    var f = form();
    if (!f || (!Object.keys(state.dirty).length && !state.busy) || state.stopped) { return; }
    event.preventDefault();
    flush().then(function (saved) {
      if (saved) { window.location.href = f.action + "/preview"; }
    });
  });

  /* Saving the whole form by hand clears what was pending. */
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.matches && elt.matches("form[data-minutes]") && event.detail.successful) { state.dirty = {}; state.stopped = false; }
  });
  document.addEventListener("htmx:load", function (event) {
    var f = event.target.querySelector ? event.target.querySelector("form[data-minutes]") : null;
    if (f) { setup(f); }
  });
  document.addEventListener("DOMContentLoaded", function () { var f = form(); if (f) { setup(f); } });

  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(state.dirty).length) { event.preventDefault(); event.returnValue = ""; }
  });
})();
