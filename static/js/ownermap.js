// Keyboard for the "who owns this?" box: "/" focuses it from anywhere, the arrow keys walk the
// results, Enter opens the focused one (a plain link), Escape closes the results and goes back
// to typing; a click anywhere else closes them too.
(function () {
  "use strict";

  function searchBox() {
    return document.getElementById("lookup");
  }

  function resultLinks() {
    return Array.prototype.slice.call(
      document.querySelectorAll("#lookup-results .result-link, .results .result-link")
    );
  }

  // The live results under the box, closed by emptying them: the next keystroke asks again.
  function closeResults() {
    var live = document.getElementById("lookup-results");
    if (live && live.firstChild) live.replaceChildren();
  }

  function isTyping(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  // Escape in the phone's menu folds it and gives the focus back to its "Menu" button.
  function closeMenu(event) {
    var menu = document.querySelector(".menu-toggle[open]");
    var active = document.activeElement;
    if (!menu || !active || !active.closest(".menu-toggle, .site-menu, .site-user")) return false;
    if (active.closest(".site-user details[open]")) return false; // Pico's account menu first
    event.preventDefault();
    menu.open = false;
    menu.querySelector("summary").focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && closeMenu(event)) return;
    var box = searchBox();
    if (!box) return;
    if (event.key === "/" && !isTyping(document.activeElement) && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Escape") return;
    var links = resultLinks();
    var index = links.indexOf(document.activeElement);
    var inBox = document.activeElement === box;
    if (!inBox && index === -1) return;
    if (event.key === "Escape") {
      event.preventDefault();
      closeResults();
      box.focus();
      return;
    }
    if (!links.length) return;
    event.preventDefault();
    if (event.key === "ArrowDown") {
      links[inBox ? 0 : Math.min(index + 1, links.length - 1)].focus();
    } else if (index <= 0) {
      box.focus();
    } else {
      links[index - 1].focus();
    }
  });

  // Enter in the box opens the best result when live results are showing; without them (or
  // without JavaScript) the form submits to the results page.
  document.addEventListener("submit", function (event) {
    var box = searchBox();
    if (!box || event.target !== box.form) return;
    var links = resultLinks();
    var live = document.getElementById("lookup-results");
    if (links.length && live && live.contains(links[0]) && box.value.trim()) {
      event.preventDefault();
      window.location.assign(links[0].href);
    }
  });

  document.addEventListener("click", function (event) {
    // A review summary's Print button (an inline onclick would break the Content-Security-Policy).
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
    var box = searchBox();
    var live = document.getElementById("lookup-results");
    if (box && live && event.target !== box && !live.contains(event.target)) closeResults();
  });

  // An in-place update (htmx) replaces the region it changed, live region and all, so screen
  // readers would miss what it says: its message ("… is still yours: noted", an error) is read
  // out through the page's one persistent live region instead.
  function announce(text) {
    var announcer = document.getElementById("announcer");
    if (!announcer || !text) return;
    announcer.textContent = "";
    // A change the reader notices: empty, then the words, a frame later.
    window.requestAnimationFrame(function () {
      announcer.textContent = text;
    });
  }

  // A refused change answers with its form alone: the success message of the change before it
  // would stay on screen beside the new error, as if this one had worked too.
  function dropOldSuccesses(keep) {
    document.querySelectorAll(".flash-success").forEach(function (old) {
      if (!keep.contains(old)) old.remove();
    });
  }

  // Walking a review session: one key per outcome (the buttons' data-shortcut), N and P to
  // move, ? for the list. Never while typing in a field, never with a modifier held.
  document.addEventListener("keydown", function (event) {
    var panel = document.getElementById("item-panel");
    if (!panel || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(document.activeElement)) return;
    var help = document.getElementById("shortcut-help");
    if (event.key === "?") {
      event.preventDefault();
      if (help && help.open) help.close();
      else if (help) help.showModal();
      return;
    }
    if (help && help.open) return;
    var key = event.key.length === 1 ? event.key.toLowerCase() : "";
    var target = key && panel.querySelector('[data-shortcut="' + key + '"]');
    if (!target) return;
    event.preventDefault();
    // A key pressed the moment a new item arrived reached its form before htmx had taken it
    // over, and the browser sent it itself: a whole page load, and the keyboard's place lost.
    // Taking over what is already htmx's changes nothing.
    if (window.htmx) window.htmx.process(panel);
    target.click();
  });

  // A new item swapped in: the reader, the keyboard and the tab's title all move to it (but
  // not away from a fix being made, whose panel stays open).
  function arrived(panel) {
    if (panel.dataset.title) document.title = panel.dataset.title;
    var title = panel.querySelector("#item-title");
    if (!title || panel.querySelector(".fix-in-place[open]")) return;
    title.focus({ preventScroll: true });
    title.scrollIntoView({ block: "start" });
  }

  var SAID = "[role=alert], [role=status]";
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1 || node.id === "announcer") return;
        if (node.id === "item-panel") arrived(node);
        var said = node.matches(SAID) ? node : node.querySelector(SAID);
        if (!said) return;
        if (said.matches("[role=alert]")) dropOldSuccesses(node);
        announce(said.textContent.trim());
      });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
