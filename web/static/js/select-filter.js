// Progressive enhancement: an input[data-filter-for=ID] narrows the options
// of the select with that id as the clerk types ("mandiri" finds
// "Bank Mandiri (008)"). Without JavaScript the select works as it is.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-filter-for]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-filter-for"));
    if (!select) return;
    input.hidden = false;
    var label = input.id && document.querySelector('label[for="' + input.id + '"]');
    if (label) label.hidden = false;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var match = o.value === "" || o.text.toLowerCase().indexOf(q) >= 0;
        o.hidden = !match;
        if (match && o.value !== "" && first === null) first = o;
      });
      if (q !== "" && first && (select.selectedOptions.length === 0 || select.selectedOptions[0].hidden || select.value === "")) {
        select.value = first.value;
      }
    });
  });
});
