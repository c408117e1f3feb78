// Search for the static copy of the glossary (refbot glossary site). The
// served site answers searches on the server; a static host cannot, so
// this script searches window.refbotIndex (search-index.js) in the
// browser. It writes text only (no innerHTML), so an entry cannot inject
// markup.
(function () {
  "use strict";
  var index = window.refbotIndex || [];

  // Lower case, accents removed, punctuation as spaces: close to the
  // server's normalisation; spelling variants are left to the edit distance.
  function words(s) {
    return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/['\u2019]/g, "").split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  // Edit distance with adjacent swaps, stopping early past max.
  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev2 = null, prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
        if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
        cur.push(v);
        if (v < best) best = v;
      }
      if (best > max) return max + 1;
      prev2 = prev;
      prev = cur;
    }
    return prev[b.length];
  }

  function budget(w) { return w.length < 4 ? 0 : w.length < 8 ? 1 : 2; }

  // How well query word q matches name word w: 1 exact, 0.8 prefix,
  // 0.7 within the typo budget, 0 not at all.
  function wordScore(q, w) {
    if (q === w) return 1;
    if (q.length >= 3 && w.indexOf(q) === 0) return 0.8;
    var d = distance(q, w, budget(q));
    if (d <= budget(q)) return 0.7;
    // Spelling variants (optimisation/optimization) and plurals.
    if (q.length >= 5 && (q.indexOf(w) === 0 || w.indexOf(q.slice(0, -1)) === 0)) return 0.7;
    return 0;
  }

  function nameScore(qs, name) {
    var ws = name.split(" "), total = 0;
    for (var i = 0; i < qs.length; i++) {
      var best = 0;
      for (var j = 0; j < ws.length; j++) best = Math.max(best, wordScore(qs[i], ws[j]));
      if (best === 0) return 0;
      total += best;
    }
    var s = total / qs.length;
    return ws.length === qs.length ? s : s * 0.9;
  }

  function search(q) {
    var qs = words(q), hits = [];
    if (!qs.length) return hits;
    index.forEach(function (e) {
      var score = 0;
      e.n.forEach(function (n) { score = Math.max(score, nameScore(qs, n)); });
      if (score === 0) {
        var text = " " + e.x + " ";
        if (qs.every(function (w) { return w.length > 2 && text.indexOf(" " + w) >= 0; })) score = 0.3;
      }
      if (score > 0) hits.push({ e: e, s: score });
    });
    hits.sort(function (a, b) { return b.s - a.s || a.e.t.localeCompare(b.e.t); });
    return hits.slice(0, 20);
  }

  function show() {
    var q = new URLSearchParams(window.location.search).get("q") || "";
    var status = document.getElementById("status");
    var out = document.getElementById("results");
    var box = document.getElementById("q");
    if (!status || !out) return;
    if (box) box.value = q;
    q = q.trim().slice(0, 200);
    if (!q) {
      status.textContent = "Type a term above, for example mesa optimisation.";
      return;
    }
    var hits = search(q);
    if (!hits.length) {
      status.textContent = "No term matches \u201c" + q + "\u201d. Try a broader word, or browse the index.";
      return;
    }
    status.textContent = hits.length + (hits.length === 1 ? " term" : " terms") + " for \u201c" + q + "\u201d:";
    var ul = document.createElement("ul");
    ul.className = "entries";
    hits.forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = h.e.h;
      a.textContent = h.e.t;
      var line = document.createElement("span");
      line.className = "line";
      line.textContent = h.e.l;
      li.appendChild(a);
      li.appendChild(line);
      ul.appendChild(li);
    });
    out.appendChild(ul);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
