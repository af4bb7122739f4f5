/* Live board: at most one refresh a second, the first at once and the last never lost.
   3,321 sites answering within a minute must not become thousands of requests. */
(function () {
  var last = 0, timer = null, openSites = {};
  function refresh() {
    timer = null;
    last = Date.now();
    window.htmx.trigger(document.body, "board-refresh");
  }
  function schedule() {
    if (timer) { return; }  /* the refresh already planned will show this change too */
    var wait = 1000 - (Date.now() - last);
    if (wait <= 0) { refresh(); } else { timer = setTimeout(refresh, wait); }
  }
  document.addEventListener("sse:site-updated", schedule);
  document.addEventListener("sse:board-version", function (evt) {
    /* Sent when the stream (re)connects: refresh only if something changed meanwhile. */
    var summary = document.getElementById("board-summary");
    var data = evt.detail && evt.detail.data;
    if (!summary || summary.getAttribute("data-version") !== data) { schedule(); }
  });
  /* Say whether the board is live; a test (and a person) can rely on it. */
  function status(on) {
    var box = document.getElementById("board-status");
    if (!box) { return; }
    box.hidden = false;
    box.textContent = box.getAttribute(on ? "data-on" : "data-off");
    document.body.setAttribute("data-live", on ? "on" : "off");
  }
  document.addEventListener("htmx:sseOpen", function () { status(true); });
  document.addEventListener("htmx:sseError", function () { status(false); });
  /* Keep the delegate lists a person opened open across refreshes. */
  document.addEventListener("toggle", function (evt) {
    var site = evt.target.getAttribute && evt.target.getAttribute("data-site");
    if (site) { if (evt.target.open) { openSites[site] = true; } else { delete openSites[site]; } }
  }, true);
  document.addEventListener("htmx:afterSettle", function () {
    Object.keys(openSites).forEach(function (site) {
      var box = document.querySelector('details[data-site="' + site + '"]');
      if (box && !box.open) { box.open = true; }
    });
  });
})();
