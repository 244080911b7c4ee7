// Invoice line items: add and remove rows, and show each line's total and
// the invoice total as the clerk types. The server adds it up again in
// int64 rupiah; this is only a preview.
(function () {
  "use strict";
  function rupiah(n) {
    return "Rp " + n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }
  function whole(v) {
    v = (v || "").replace(/[.\s]/g, "");
    return /^\d{1,15}$/.test(v) ? BigInt(v) : null;
  }
  function init(editor) {
    var body = editor.querySelector("[data-lines]");
    var totalCell = editor.querySelector("[data-lines-total]");
    function recompute() {
      var total = 0n, ok = true;
      body.querySelectorAll("[data-line]").forEach(function (row) {
        var q = whole(row.querySelector("[data-qty]").value);
        var p = whole(row.querySelector("[data-price]").value);
        var cell = row.querySelector("[data-line-total]");
        if (q === null || p === null) { cell.textContent = ""; ok = ok && !row.querySelector("[data-qty]").value && !row.querySelector("[data-price]").value; return; }
        cell.textContent = rupiah(q * p);
        total += q * p;
      });
      totalCell.textContent = ok ? rupiah(total) : rupiah(total) + " " + (editor.dataset.unreadable || "(some lines unreadable)");
    }
    function wire(row) {
      row.querySelector("[data-remove-line]").addEventListener("click", function () {
        if (body.querySelectorAll("[data-line]").length > 1) { row.remove(); } else {
          row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
        }
        recompute();
      });
    }
    body.querySelectorAll("[data-line]").forEach(wire);
    editor.parentNode.querySelector("[data-add-line]").addEventListener("click", function () {
      var rows = body.querySelectorAll("[data-line]");
      var row = rows[rows.length - 1].cloneNode(true);
      row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      body.appendChild(row);
      wire(row);
      recompute();
      row.querySelector("input").focus();
    });
    editor.addEventListener("input", recompute);
    recompute();
  }
  document.querySelectorAll(".lines-editor").forEach(init);
})();
