/* Print buttons: <button data-print>. Our own code (no library), MIT-free, part of this project. */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
