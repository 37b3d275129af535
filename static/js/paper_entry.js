// Keyboard-first entry of paper forms: a digit answers and moves on, 0 skips,
// Backspace in an empty box goes back, Enter saves the form. Multiple-choice
// boxes take several digits and move on with Tab.
(function () {
  "use strict";
  var form = document.getElementById("paper-entry");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input.key"));

  function move(box, step) {
    var next = boxes[boxes.indexOf(box) + step];
    if (next) { next.focus(); next.select(); }
    else if (step > 0) { document.getElementById("id_comment").focus(); }
  }

  boxes.forEach(function (box) {
    box.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === "Enter") { return; }  // the browser submits the form
      if (key === "Backspace" && box.value === "") {
        event.preventDefault();
        move(box, -1);
        return;
      }
      if (key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) { return; }
      event.preventDefault();
      if (key === "0") { box.value = ""; move(box, 1); return; }
      if (box.dataset.keys.indexOf(key) === -1) {
        box.classList.add("is-invalid");
        return;
      }
      box.classList.remove("is-invalid");
      if (box.dataset.multi) {
        if (box.value.indexOf(key) === -1) { box.value += key; }
        return;
      }
      box.value = key;
      move(box, 1);
    });
  });

  // Enter in the serial or procedure box moves on instead of saving half a form.
  ["id_serial", "id_procedure"].forEach(function (id) {
    var input = document.getElementById(id);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var next = id === "id_serial" ? document.getElementById("id_procedure") : boxes[0];
        next.focus();
      }
    });
  });
  // In the comment box Enter saves (Shift+Enter for a new line).
  document.getElementById("id_comment").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}());
