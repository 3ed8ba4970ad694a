/*
 * Atrium — small vanilla helpers. Loaded with `defer` after htmx.
 *
 * CSP is `default-src 'self'`: no eval, no inline handlers, no inline styles.
 * htmx would normally inject an inline <style> for .htmx-indicator; that is
 * turned off by a meta tag every page's <head> carries (it is read when htmx
 * initialises, so it must be in the HTML, not set here):
 *
 *   <meta name="htmx-config" content='{"includeIndicatorStyles":false}'>
 *
 * The replacement .htmx-indicator rules live in app.css.
 */
(function () {
  "use strict";

  // Belt and braces: deferred scripts run before DOMContentLoaded, when htmx
  // merges the meta config and decides whether to inject its style tag.
  if (window.htmx && window.htmx.config) {
    window.htmx.config.includeIndicatorStyles = false;
  }

  /* ---------- Error banner for failed htmx requests ---------- */
  var bannerTimer = null;

  function banner() {
    return document.getElementById("error-banner");
  }

  function hideBanner() {
    var el = banner();
    if (el) el.classList.remove("show");
    if (bannerTimer) {
      clearTimeout(bannerTimer);
      bannerTimer = null;
    }
  }

  function showBanner(message) {
    var el = banner();
    if (!el) return;
    el.textContent = message;
    el.classList.add("show");
    if (bannerTimer) clearTimeout(bannerTimer);
    bannerTimer = setTimeout(hideBanner, 6000);
  }

  function messageForStatus(status) {
    switch (status) {
      case 403: return "You are not allowed to do that.";
      case 404: return "Not found.";
      case 413: return "That upload is too large.";
      case 422: return null; // validation errors are rendered by the form itself
      case 429: return "Too many attempts \u2014 try again in a minute.";
      default:
        return "Something went wrong (status " + status + "). Please try again.";
    }
  }

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var msg = messageForStatus(status);
    if (msg) showBanner(msg);
  });

  document.addEventListener("htmx:sendError", function () {
    showBanner("Could not reach the server. Check your connection and try again.");
  });

  /* ---------- Delegated click handling ---------- */
  function copyText(input) {
    var value = input.value;
    function fallback() {
      input.focus();
      input.select();
      try {
        return Promise.resolve(document.execCommand("copy"));
      } catch (e) {
        return Promise.resolve(false);
      }
    }
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(value).then(function () {
        return true;
      }, fallback);
    }
    return fallback();
  }

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!(target instanceof Element)) return;

    if (target.closest("#error-banner")) {
      hideBanner();
      return;
    }

    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var flash = dismiss.closest(".flash");
      if (flash) {
        evt.preventDefault();
        flash.remove();
        return;
      }
    }

    var copyBtn = target.closest("[data-copy]");
    if (copyBtn) {
      evt.preventDefault();
      var input = document.querySelector(copyBtn.getAttribute("data-copy"));
      if (!input) return;
      copyText(input).then(function (ok) {
        if (!ok) return;
        if (copyBtn._copyTimer) {
          clearTimeout(copyBtn._copyTimer);
        } else {
          copyBtn._copyLabel = copyBtn.textContent;
        }
        copyBtn.textContent = "Copied";
        copyBtn._copyTimer = setTimeout(function () {
          copyBtn.textContent = copyBtn._copyLabel;
          copyBtn._copyTimer = null;
        }, 1500);
      });
    }
  });

  /* ---------- Confirm before submitting ---------- */
  // Capture phase so this runs before htmx's own submit handler on the form.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!(form instanceof HTMLFormElement)) return;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);
})();

// naming: copy buttons
// `data-copy-text` carries the text itself (the older `data-copy` above
// names an input to copy from). Falls back to selecting the text.
(function () {
  "use strict";
  function selectText(btn) {
    var code = btn.parentNode && btn.parentNode.querySelector("code");
    if (!code || !window.getSelection) return false;
    var range = document.createRange();
    range.selectNodeContents(code);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  function done(btn, ok) {
    var label = btn._copyLabel || btn.textContent;
    btn._copyLabel = label;
    btn.textContent = ok ? "Copied" : "Selected — press Ctrl+C";
    clearTimeout(btn._copyTimer);
    btn._copyTimer = setTimeout(function () { btn.textContent = label; }, 1500);
  }
  document.addEventListener("click", function (evt) {
    var btn = evt.target instanceof Element && evt.target.closest("[data-copy-text]");
    if (!btn) return;
    evt.preventDefault();
    var text = btn.getAttribute("data-copy-text");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(btn, true); },
        function () { done(btn, selectText(btn)); });
    } else {
      done(btn, selectText(btn));
    }
  });
  // Dependent dropdowns: the options endpoint takes the chosen parent
  // values as `parent=…` (a select sends its own name otherwise).
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail && evt.detail.elt;
    var from = elt && elt.getAttribute && elt.getAttribute("data-options-parent");
    if (!from) return;
    var parent = document.querySelector(from);
    if (!parent) return;
    var chosen = [];
    for (var i = 0; i < parent.options.length; i++) {
      if (parent.options[i].selected) chosen.push(parent.options[i].value);
    }
    if (elt.name) delete evt.detail.parameters[elt.name];
    evt.detail.parameters["parent"] = chosen;
  });
  // Enter in a search box that htmx drives searches; it doesn't submit the
  // form around it (whose first button is the form's own action).
  document.addEventListener("keydown", function (evt) {
    var elt = evt.target;
    if (evt.key !== "Enter" || !(elt instanceof Element)) return;
    if (!elt.matches('input[type="search"][hx-get]') || !window.htmx) return;
    evt.preventDefault();
    window.htmx.trigger(elt, "search");
  });

  /* ---------- Board: drag a card to another column ---------- */
  // Progressive enhancement of the card's move buttons: dropping a card on
  // a column posts the same form the buttons post (the server checks the
  // move against the task's state machine and redirects back to the board).
  document.addEventListener("dragstart", function (evt) {
    var card = evt.target.closest && evt.target.closest(".board-card[data-move]");
    if (!card || !evt.dataTransfer) return;
    evt.dataTransfer.setData("text/plain", card.id);
    evt.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", function (evt) {
    var col = evt.target.closest && evt.target.closest(".board-column");
    if (!col) return;
    evt.preventDefault();
    col.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (evt) {
    var col = evt.target.closest && evt.target.closest(".board-column");
    if (col) col.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (evt) {
    var col = evt.target.closest && evt.target.closest(".board-column");
    if (!col || !evt.dataTransfer) return;
    evt.preventDefault();
    col.classList.remove("drop-target");
    var card = document.getElementById(evt.dataTransfer.getData("text/plain"));
    var board = col.closest(".board");
    if (!card || !board || card.parentNode === col) return;
    var form = document.createElement("form");
    form.method = "post";
    form.action = card.getAttribute("data-move");
    var fields = { csrf_token: board.getAttribute("data-csrf"), status: col.getAttribute("data-status"), back: "board" };
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  });
})();

/* ---------- Messages: the message form and the mention picker ---------- */
(function () {
  "use strict";

  // A message sent through htmx answers 204: clear the form for the next one.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail && evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-reset-on-success")) return;
    if (evt.detail.successful && evt.detail.xhr && evt.detail.xhr.status === 204) {
      elt.reset();
      var area = elt.querySelector("textarea");
      if (area) area.focus();
    }
  });

  // Picking a person in the mention picker (a datalist of the conversation's
  // people) writes their @handle into the message.
  document.addEventListener("input", function (evt) {
    var input = evt.target;
    if (!input || !input.hasAttribute || !input.hasAttribute("data-mention-into")) return;
    var value = input.value.trim();
    var list = input.list;
    if (!list || !value) return;
    var known = Array.prototype.some.call(list.options, function (o) { return o.value === value; });
    if (!known) return;
    var area = document.getElementById(input.getAttribute("data-mention-into"));
    if (!area) return;
    var sep = area.value && !/\s$/.test(area.value) ? " " : "";
    area.value += sep + value + " ";
    input.value = "";
    area.focus();
  });
})();
