// Sort, filter and paginate the report's tables. Plain DOM, no dependencies; cell text is only
// ever read (textContent), never written as HTML.
(function () {
  "use strict";
  function setup(box) {
    var table = box.querySelector("table.data");
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var text = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var order = rows.map(function (_, i) { return i; });
    var search = box.querySelector("input[type=search]");
    var size = box.querySelector("select.pagesize");
    var prev = box.querySelector("button.prev");
    var next = box.querySelector("button.next");
    var count = box.querySelector(".count");
    var page = 0;
    var visible = order;

    function value(row, col) {
      var cell = row.cells[col];
      var v = cell.getAttribute("data-v");
      return v === null ? cell.textContent.toLowerCase() : parseFloat(v);
    }
    function draw() {
      var q = search.value.trim().toLowerCase();
      visible = order.filter(function (i) { return !q || text[i].indexOf(q) !== -1; });
      var n = parseInt(size.value, 10) || visible.length;
      var pages = Math.max(1, Math.ceil(visible.length / n));
      page = Math.min(page, pages - 1);
      var lo = page * n, hi = Math.min(visible.length, lo + n);
      var frag = document.createDocumentFragment();
      rows.forEach(function (r) { r.hidden = true; });
      var shown = new Uint8Array(rows.length);
      visible.forEach(function (i) { shown[i] = 1; frag.appendChild(rows[i]); });
      order.forEach(function (i) { if (!shown[i]) frag.appendChild(rows[i]); });
      tbody.appendChild(frag);
      for (var k = lo; k < hi; k++) rows[visible[k]].hidden = false;
      count.textContent = (visible.length ? (lo + 1) + "\u2013" + hi : "0") + " of " +
        visible.length.toLocaleString() + (q ? " matching (" + rows.length.toLocaleString() + " in all)" : "");
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        order.sort(function (a, b) {
          var x = value(rows[a], col), y = value(rows[b], col);
          var c = x < y ? -1 : x > y ? 1 : a - b;
          return asc ? c : -c;
        });
        page = 0;
        draw();
      });
    });
    search.addEventListener("input", function () { page = 0; draw(); });
    size.addEventListener("change", function () { page = 0; draw(); });
    prev.addEventListener("click", function () { page--; draw(); });
    next.addEventListener("click", function () { page++; draw(); });
    box.querySelector(".controls").hidden = false;
    draw();
    // A link to a row (#layer-3, from a finding or a chart) shows the page that holds it.
    return function reveal(row) {
      var i = rows.indexOf(row);
      if (i < 0) return false;
      search.value = "";
      draw();
      var n = parseInt(size.value, 10) || visible.length;
      page = Math.floor(visible.indexOf(i) / n);
      draw();
      rows.forEach(function (r) { r.classList.remove("hit"); });
      row.classList.add("hit");
      row.scrollIntoView({block: "center"});
      return true;
    };
  }
  var reveals = Array.prototype.map.call(document.querySelectorAll(".tablebox"), setup);
  function follow() {
    var id = decodeURIComponent(location.hash.slice(1));
    var row = id && document.getElementById(id);
    if (row && row.tagName === "TR") reveals.some(function (r) { return r(row); });
  }
  window.addEventListener("hashchange", follow);
  follow();
  // Marks a page whose script ran to the end: the browser tests look for it.
  document.documentElement.setAttribute("data-ready", "1");
})();
