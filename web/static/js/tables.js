// On a phone a data table turns into one card per row (the CSS decides
// when); each cell is labelled with its column's heading so the card reads
// "Amount  Rp 1.250.000". Without JavaScript the table scrolls in its box.
// Every table also sits in a box that scrolls sideways when it is too wide.
(function () {
  var label = function (root) {
    (root || document).querySelectorAll("table.data").forEach(function (table) {
      // A table written straight into a page gets the scrolling box the
      // Table component gives (the CSS without it makes the table itself
      // scroll, which keeps it from filling the width).
      var parent = table.parentElement;
      if (parent && !parent.classList.contains("table-scroll")) {
        var box = document.createElement("div");
        box.className = "table-scroll";
        parent.insertBefore(box, table);
        box.appendChild(table);
      }
      var heads = table.querySelectorAll("thead th");
      if (heads.length === 0) return;
      table.classList.add("cards-on-phone");
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var col = 0;
        Array.prototype.forEach.call(tr.cells, function (td) {
          var th = heads[col];
          if (th && !td.hasAttribute("data-label") && td.colSpan < heads.length) {
            td.setAttribute("data-label", th.textContent.trim());
          }
          col += td.colSpan || 1;
        });
      });
    });
  };
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  // Rows swapped in by htmx get their labels too.
  document.addEventListener("htmx:afterSwap", function (e) { label(e.target); });
})();
