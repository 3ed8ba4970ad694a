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
