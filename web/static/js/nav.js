// The side navigation becomes a menu button on narrow screens (the CSS
// decides when). Loaded without defer so the "js" class is set before the
// first paint; without JavaScript the navigation stays open above the page.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("button.menu-button");
  var nav = document.getElementById("side-nav");
  if (!button || !nav) {
    return;
  }
  button.hidden = false;
  var set = function (open) {
    nav.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  };
  button.addEventListener("click", function () {
    set(!nav.classList.contains("open"));
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && nav.classList.contains("open")) {
      set(false);
      button.focus();
    }
  });
});
