/* Citizen pages, loaded with `defer`. Everything here is an enhancement: without
   JavaScript the pages work the same way through plain forms and links.
   - procedure filter: filters the <select> as the citizen types, without diacritics
   - progress bar: counts the questions answered
   - error summary: takes the focus so screen readers announce it
   - kiosk: back to a fresh start after submitting or when left idle (a form with
     answers first asks "Ông/Bà còn tiếp tục không?" and counts down), leaving nothing
     of the previous citizen (location.replace keeps no history, sessionStorage is
     cleared, the server resets the language to Vietnamese). */
(function () {
  "use strict";

  function fold(text) {
    return (text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d")
      .replace(/Đ/g, "D")
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();
  }

  function procedureFilter() {
    var input = document.querySelector("[data-proc-filter]");
    var select = document.querySelector("[data-proc-select]");
    var searchForm = document.querySelector("[data-proc-search]");
    if (!input || !select) return;
    // Snapshot every option with its group once; filtering rebuilds the list,
    // because hidden <option>s are not honoured by every mobile browser.
    var blank = select.options[0].cloneNode(true);
    var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
      return {
        label: group.label,
        options: Array.prototype.map.call(group.querySelectorAll("option"), function (option) {
          return { node: option.cloneNode(true), key: fold(option.textContent) };
        })
      };
    });
    function apply() {
      var words = fold(input.value).split(" ").filter(Boolean);
      var chosen = select.value;
      select.textContent = "";
      select.appendChild(blank.cloneNode(true));
      groups.forEach(function (group) {
        var matches = group.options.filter(function (o) {
          return o.node.value === chosen || words.every(function (w) { return o.key.indexOf(w) !== -1; });
        });
        if (!matches.length) return;
        var optgroup = document.createElement("optgroup");
        optgroup.label = group.label;
        matches.forEach(function (o) { optgroup.appendChild(o.node.cloneNode(true)); });
        select.appendChild(optgroup);
      });
      select.value = chosen;
    }
    input.addEventListener("input", apply);
    if (searchForm) {
      searchForm.addEventListener("submit", function (event) {
        event.preventDefault();
        apply();
        select.focus();
      });
    }
  }

  function progress() {
    var box = document.querySelector("[data-progress]");
    var form = document.querySelector("[data-survey-form]");
    if (!box || !form) return;
    var bar = box.querySelector("[data-progress-bar]");
    var text = box.querySelector("[data-progress-text]");
    var template = text.getAttribute("data-template");
    var items = form.querySelectorAll("fieldset[data-item]");
    function update() {
      var answered = 0;
      items.forEach(function (fieldset) {
        if (fieldset.querySelector("input:checked")) answered += 1;
      });
      bar.value = answered;
      text.textContent = template.replace("__N__", String(answered));
    }
    box.hidden = false;
    form.addEventListener("change", update);
    update();
  }

  function guardDoubleSubmit() {
    var form = document.querySelector("[data-survey-form]");
    if (!form) return;
    var sent = false;
    // The server stores one response per rendered form anyway; this only spares a
    // second request on a double tap.
    form.addEventListener("submit", function (event) {
      if (sent) event.preventDefault();
      sent = true;
      window.setTimeout(function () { sent = false; }, 8000);
    });
  }

  function focusErrors() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    // A link to a field moves the focus there (a plain #anchor only scrolls) and
    // shows the question with it, not just the first radio button.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var context = field.closest("fieldset") || field.closest(".field") || field;
      context.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  function kiosk() {
    var main = document.querySelector("[data-kiosk]");
    if (!main) return;
    var resetUrl = main.getAttribute("data-reset-url");
    try { window.sessionStorage.clear(); } catch (e) { /* storage disabled */ }
    function restart() { window.location.replace(resetUrl); }

    var thanksSeconds = main.getAttribute("data-kiosk-thanks");
    if (thanksSeconds) {
      window.setTimeout(restart, Number(thanksSeconds) * 1000);
      return;
    }
    var idleMs = Number(main.getAttribute("data-idle") || 60) * 1000;
    var startedMs = Number(main.getAttribute("data-idle-started") || 180) * 1000;
    var countdownSeconds = Number(main.getAttribute("data-countdown") || 20);
    var form = document.querySelector("[data-survey-form]");
    var dialog = document.querySelector("[data-kiosk-dialog]");
    var timer = null;
    var ticker = null;
    // Answers exist when anything differs from the form as it was served (the
    // channel may be chosen in advance for the place).
    function hasAnswers() {
      if (!form) return false;
      return Array.prototype.some.call(form.elements, function (el) {
        if (el.type === "hidden" || el.name === "website") return false;
        if (el.type === "radio" || el.type === "checkbox") return el.checked !== el.defaultChecked;
        if (el.tagName === "SELECT") {
          return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
        }
        return typeof el.value === "string" && el.value !== el.defaultValue;
      });
    }
    function arm() {
      window.clearTimeout(timer);
      timer = window.setTimeout(idle, hasAnswers() ? startedMs : idleMs);
    }
    function idle() {
      // A started form is never wiped without asking; an untouched one in
      // Vietnamese is already a fresh start; one left in English goes back.
      if (hasAnswers() && dialog && dialog.showModal) ask();
      else if (hasAnswers() || document.documentElement.lang !== "vi") restart();
      else arm();
    }
    function ask() {
      var left = countdownSeconds;
      var number = dialog.querySelector("[data-countdown-number]");
      number.textContent = String(left);
      dialog.showModal();
      ticker = window.setInterval(function () {
        left -= 1;
        number.textContent = String(Math.max(left, 0));
        if (left <= 0) { window.clearInterval(ticker); restart(); }
      }, 1000);
    }
    function keepGoing() {
      window.clearInterval(ticker);
      if (dialog.open) dialog.close();
      arm();
    }
    if (dialog) {
      dialog.querySelector("[data-kiosk-continue]").addEventListener("click", keepGoing);
      dialog.addEventListener("cancel", function (event) { event.preventDefault(); keepGoing(); });
      dialog.querySelector("[data-kiosk-restart]").addEventListener("click", function (event) {
        event.preventDefault();
        window.clearInterval(ticker);
        restart();
      });
    }
    ["pointerdown", "keydown", "input", "change", "scroll", "touchstart"].forEach(function (name) {
      window.addEventListener(name, function () {
        if (!dialog || !dialog.open) arm();  // the dialog waits for an answer
      }, { passive: true, capture: true });
    });
    if (form) form.reset();
    arm();
    // A page restored from the back/forward cache would show the last citizen's answers.
    window.addEventListener("pageshow", function (event) { if (event.persisted) restart(); });
    // Full screen needs a user gesture; ask once, ignore refusals.
    window.addEventListener("pointerdown", function () {
      var root = document.documentElement;
      if (!document.fullscreenElement && root.requestFullscreen) {
        root.requestFullscreen().catch(function () {});
      }
    }, { once: true });
  }

  // Switching the language reloads the page: carry the answers given so far across
  // (this tab only, removed as soon as they are restored; never at a kiosk).
  function carryAnswersAcrossLanguageSwitch() {
    var form = document.querySelector("[data-survey-form]");
    var lang = document.querySelector("form.lang");
    if (!form || document.querySelector("[data-kiosk]")) return;
    var KEY = "sipas-carry:" + location.pathname;
    var skip = { token: 1, csrfmiddlewaretoken: 1, website: 1 };
    if (lang) {
      lang.addEventListener("submit", function () {
        var pairs = [];
        new FormData(form).forEach(function (value, name) {
          if (!skip[name] && typeof value === "string" && value !== "") pairs.push([name, value]);
        });
        try { sessionStorage.setItem(KEY, JSON.stringify(pairs)); } catch (e) { /* full or off */ }
      });
    }
    var saved = null;
    try { saved = sessionStorage.getItem(KEY); sessionStorage.removeItem(KEY); } catch (e) { return; }
    if (!saved || form.hasAttribute("data-bound")) return;
    JSON.parse(saved).forEach(function (pair) {
      var name = pair[0], value = pair[1];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) return;
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.value === value) el.checked = true;
        } else if (el.tagName === "SELECT") {
          if (el.querySelector("option[value='" + CSS.escape(value) + "']")) el.value = value;
        } else {
          el.value = value;
        }
      });
    });
  }

  carryAnswersAcrossLanguageSwitch();
  procedureFilter();
  progress();
  guardDoubleSubmit();
  focusErrors();
  kiosk();
})();
