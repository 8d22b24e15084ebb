// Kolabik progressive enhancement. Every page works without this file; it only adds
// conveniences where JavaScript runs.
(function () {
  "use strict";
  // Move focus to the first field with an error, so keyboard and screen-reader users land
  // where the form needs them.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); }
    // Stop double submission of a form while its request is on its way.
    document.querySelectorAll("form[method='post']").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type='submit']");
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
  });
})();

// Proposal editor: word counters, and autosave that never loses text. Every change is kept
// in this browser (localStorage) at once and sent to the server a moment later; when the
// connection is gone it stays here and is sent when the connection returns. A page opened
// later with text that never reached the server offers it back.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-autosave]");
    document.querySelectorAll("textarea[data-word-limit]").forEach(function (area) {
      var counter = document.getElementById(area.id + "-count");
      var limit = parseInt(area.getAttribute("data-word-limit"), 10);
      var update = function () {
        var words = area.value.trim() ? area.value.trim().split(/\s+/).length : 0;
        if (counter) {
          counter.querySelector(".words").textContent = String(words);
          counter.classList.toggle("over", words > limit);
        }
      };
      area.addEventListener("input", update);
    });
    if (!form || !window.fetch) { return; }
    var id = form.getAttribute("data-autosave");
    var key = "kolabik-proposal-" + id;
    var status = document.getElementById("autosave-status");
    var version = document.getElementById("proposal-version");
    var timer = null;
    var sending = false;
    var stopped = false;
    var say = function (text) { if (status) { status.textContent = text; } };
    var t = function (name) { return document.documentElement.lang === "en" ? {
      saved: "Saved automatically", offline: "No connection: your text is kept on this device and will be sent when the connection returns.",
      restored: "Text that had not reached the server was restored from this device; it will be saved now.",
      conflict: "Someone else saved this proposal meanwhile. Your text is kept in the history; reload to continue.",
      saving: "Saving…"
    }[name] : {
      saved: "Tersimpan otomatis", offline: "Tidak ada koneksi: teks Anda disimpan di perangkat ini dan akan dikirim saat koneksi kembali.",
      restored: "Teks yang belum terkirim ke server dipulihkan dari perangkat ini; sekarang disimpan.",
      conflict: "Orang lain menyimpan usulan ini lebih dulu. Teks Anda tersimpan di riwayat; muat ulang halaman untuk melanjutkan.",
      saving: "Menyimpan…"
    }[name]; };
    var fields = function () {
      return Array.prototype.filter.call(document.querySelectorAll("[form='proposal-form'], #proposal-form [name]"), function (el) { return el.name; });
    };
    var snapshot = function () {
      var data = new URLSearchParams();
      fields().forEach(function (el) {
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
        if (el.name !== "version") { data.append(el.name, el.value); }
      });
      return data;
    };
    var store = function () {
      try { localStorage.setItem(key, JSON.stringify({ version: version.value, data: snapshot().toString() })); } catch (e) { /* storage full or blocked */ }
    };
    var send = function () {
      if (sending || stopped) { return; }
      var saved = localStorage.getItem(key);
      if (!saved) { return; }
      sending = true;
      say(t("saving"));
      var body = new URLSearchParams(JSON.parse(saved).data);
      body.set("version", version.value);
      fetch(form.action, { method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" }, body: body })
        .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
        .then(function (res) {
          sending = false;
          if (res.status === 200 && res.body.outcome === "saved") {
            version.value = String(res.body.version);
            if (localStorage.getItem(key) === saved) { localStorage.removeItem(key); } else { schedule(); }
            say(t("saved") + " " + new Date().toLocaleTimeString(document.documentElement.lang === "en" ? "en-GB" : "id-ID"));
          } else if (res.status === 409) {
            stopped = true;
            localStorage.removeItem(key);
            say(t("conflict"));
          } else {
            say((res.body && res.body.error && res.body.error.message) || t("offline"));
          }
        })
        .catch(function () { sending = false; say(t("offline")); });
    };
    var schedule = function () { clearTimeout(timer); timer = setTimeout(send, 1500); };
    var changed = function () { store(); schedule(); };
    fields().forEach(function (el) {
      el.addEventListener("input", changed);
      el.addEventListener("change", changed);
    });
    window.addEventListener("online", send);
    setInterval(send, 10000);
    // Text from an earlier visit that never reached the server comes back first.
    var pending = localStorage.getItem(key);
    if (pending) {
      var data = new URLSearchParams(JSON.parse(pending).data);
      fields().forEach(function (el) {
        if (el.type === "checkbox") { el.checked = data.getAll(el.name).indexOf(el.value) >= 0; }
        else if (data.has(el.name)) { el.value = data.get(el.name); }
      });
      say(t("restored"));
      send();
    }
  });
})();

// Rubric editor: the sum of the counted criteria's weights follows what is typed (the server
// checks it again on saving).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.rubric-form");
    var out = document.getElementById("weight-sum");
    if (!form || !out) { return; }
    function update() {
      var sum = 0;
      form.querySelectorAll("fieldset.criterion-row").forEach(function (row) {
        var weight = row.querySelector("input[name^='weight.']");
        var counted = row.querySelector("input[name^='counted.']");
        var removed = row.querySelector("input[name^='remove.']");
        if (!weight || !counted || !counted.checked || (removed && removed.checked)) { return; }
        var v = parseFloat(weight.value.replace(",", "."));
        if (!isNaN(v)) { sum += Math.round(v * 100); }
      });
      var text = (sum / 100).toString();
      if (document.documentElement.lang === "id") { text = text.replace(".", ","); }
      out.textContent = text + "%";
      out.classList.toggle("error", sum !== 10000);
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  });
})();

// The public vote's tally (/favorit): refreshes the counts every 30 s without a reload.
// Without JavaScript the page shows the counts of its last load.
(function () {
  var live = document.querySelector("[data-live-tally]");
  if (!live || !window.fetch) { return; }
  var fmt = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en" : "id-ID");
  setInterval(function () {
    fetch("/api/v1/favorit", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.categories.forEach(function (cat) {
          var section = document.getElementById("kategori-" + cat.category_id);
          if (!section) { return; }
          cat.rows.forEach(function (row) {
            var cell = section.querySelector("tr[data-proposal='" + row.proposal_id + "'] td.num");
            if (cell) { cell.textContent = fmt.format(row.votes); }
          });
          var total = section.querySelector("tfoot td.num");
          if (total) { total.textContent = fmt.format(cat.total); }
        });
      })
      .catch(function () {});
  }, 30000);
})();
