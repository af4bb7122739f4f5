// Live progress of a mailing (invitations page): the server sends "job" events (JSON)
// over SSE; the bar and counts move without reloading. When the job ends, the page's
// fragment is fetched again to show its failures and the buttons.
(function () {
  "use strict";
  var source = null;

  function eta(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function set(box, name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = String(value);
    return el;
  }

  function refresh(box) {
    var url = box.getAttribute("data-refresh");
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: "#invitations", swap: "outerHTML" });
    } else {
      window.location.reload();
    }
  }

  function update(box, job) {
    if (String(job.id) !== box.getAttribute("data-job")) { refresh(box); return; }
    var bar = box.querySelector('[data-field="bar"]');
    if (bar) {
      bar.max = Math.max(job.total, 1);
      bar.value = job.total ? job.sent + job.failed : 1;
      bar.textContent = job.percent + " %";
    }
    set(box, "percent", job.percent);
    set(box, "sent", job.sent);
    set(box, "failed", job.failed);
    set(box, "waiting", job.waiting);
    set(box, "retrying", job.retrying);
    var retry = box.querySelector('[data-field="retrying-box"]');
    if (retry) retry.hidden = !job.retrying;
    set(box, "eta", eta(job.eta_seconds));
    var state = box.querySelector('[data-field="state"]');
    if (state) state.textContent = state.getAttribute("data-" + job.status) || job.status;
    var was = box.getAttribute("data-status");
    box.setAttribute("data-status", job.status);
    if (job.status === "done" && was !== "done") { stop(); refresh(box); }
  }

  function stop() {
    if (source) { source.close(); source = null; }
  }

  function start() {
    var box = document.getElementById("mail-job");
    if (!box || box.getAttribute("data-status") === "done" || !window.EventSource) { stop(); return; }
    if (source && source.url.indexOf(box.getAttribute("data-events")) !== -1) return;
    stop();
    source = new EventSource(box.getAttribute("data-events"));
    source.addEventListener("job", function (event) {
      var current = document.getElementById("mail-job");
      if (!current) return;
      try { update(current, JSON.parse(event.data)); } catch (e) { /* a malformed event changes nothing */ }
    });
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
})();
