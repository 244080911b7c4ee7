// Progressive enhancement: a button[data-print] opens the print dialog.
// Without JavaScript the browser's own Print menu does the same.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
