// Pictor's keyboard: "/" goes to search, "?" lists every key, and in the Rate tab keys
// press its buttons. A set of keys (scores, picks, a viewer's moves) shares one hidden
// button: the key goes in window.pictorKey, which the button's event reads (app/key_button.py).
// Never while the user types: text boxes, number boxes, selects and editable areas keep
// their keys. Sliders, checkboxes and radios do not count as typing.
(() => {
  const NOT_TYPING = new Set(["range", "checkbox", "radio", "button", "submit", "reset"]);
  const typing = (el) =>
    !!el &&
    (el.isContentEditable ||
      el.tagName === "TEXTAREA" ||
      el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !NOT_TYPING.has((el.type || "").toLowerCase())));
  const shown = (id) => {
    const el = document.getElementById(id);
    return !!el && el.offsetParent !== null;
  };
  // The viewer is laid over the page (position: fixed), so offsetParent does not tell.
  const viewerOpen = () => {
    const el = document.getElementById("viewer");
    return !!el && el.getClientRects().length > 0;
  };
  const SCORE = {
    ArrowLeft: "rate-back", ArrowRight: "rate-next", s: "rate-skip",
    Backspace: "rate-clear", z: "rate-undo", "[": "rate-nudge-down-01", "]": "rate-nudge-up-01",
    "{": "rate-nudge-down-1", "}": "rate-nudge-up-1", Enter: "rate-accept",
  };
  const PREFERENCE = { e: "pref-equal", "=": "pref-equal", s: "pref-skip", z: "pref-undo" };
  // [the button's id, the key it is given (for a shared key button)]
  const target = (key) => {
    if (shown("rate-score-mode")) {
      if (/^[0-9]$/.test(key)) return ["rate-key", key];
      if (key === "t") return ["rate-key", "10"];
      return [SCORE[key]];
    }
    if (shown("rate-pref-mode")) {
      if (/^[1-4]$/.test(key)) return ["pref-pick", key];
      return [PREFERENCE[key]];
    }
    return [];
  };
  const press = (id, key) => {
    const button = id && document.getElementById(id);
    if (!button) return false;
    window.pictorKey = key;
    button.click();
    return true;
  };
  // Every key, for the "?" popover (and the README's list).
  const HELP = [
    ["Anywhere", [["/", "search (opens the Search tab)"], ["?", "this list of keys"],
                  ["Esc", "close this list"]]],
    ["The viewer (an image opened from any tab)", [["← →", "previous / next image"],
                                                 ["Esc", "close the viewer"]]],
    ["Rate tab, scores", [["0 – 9", "rate 0 to 9"], ["t", "rate 10"],
                          ["[ ]", "nudge the rating by 0.1"], ["{ }", "nudge it by 1"],
                          ["Enter", "accept the predicted rating"], ["← →", "previous / next"],
                          ["s", "skip"], ["Backspace", "clear the rating"], ["z", "undo"]]],
    ["Rate tab, best of 2 or 4", [["1 – 4", "pick the best"], ["e or =", "all equal"],
                                  ["s", "skip"], ["z", "undo"]]],
  ];
  const text = (tag, content, className) => {
    const el = document.createElement(tag);
    el.textContent = content;
    if (className) el.className = className;
    return el;
  };
  const help = () => {
    let box = document.getElementById("pictor-keys-help");
    if (box) return box;
    box = document.createElement("div");
    box.id = "pictor-keys-help";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Keyboard shortcuts");
    box.hidden = true;
    box.appendChild(text("h2", "Keyboard shortcuts"));
    for (const [title, keys] of HELP) {
      const section = document.createElement("section");  // a cell of the box's grid
      section.appendChild(text("h3", title));
      const list = document.createElement("dl");
      for (const [key, what] of keys) {
        list.appendChild(text("dt", key));
        list.appendChild(text("dd", what));
      }
      section.appendChild(list);
      box.appendChild(section);
    }
    box.appendChild(text("p", "Keys do nothing while you type in a field.", "pictor-keys-note"));
    const close = text("button", "Close", "pictor-keys-close");
    close.type = "button";
    close.addEventListener("click", () => { box.hidden = true; });
    box.appendChild(close);
    document.body.appendChild(box);
    return box;
  };
  // The old query is selected, so what is typed next replaces it.
  const focusSelected = (field) => {
    field.focus();
    field.select();
  };
  const focusSearch = () => {
    const box = () => document.querySelector("#search-text textarea, #search-text input");
    const field = box();
    if (field && field.offsetParent !== null) {
      focusSelected(field);
      return;
    }
    const tab = [...document.querySelectorAll("button[role='tab']")].find(
      (b) => b.textContent.trim() === "Search");
    if (!tab) return;
    tab.click();
    // The tab's content appears on the next frames; focus it once it is there.
    let tries = 0;
    const wait = () => {
      const shownField = box();
      if (shownField && shownField.offsetParent !== null) focusSelected(shownField);
      else if (tries++ < 60) requestAnimationFrame(wait);
    };
    requestAnimationFrame(wait);
  };
  // Esc pressed after a click that opens the viewer, before it has opened (the opening is
  // the server's answer): it closes as soon as it opens, instead of staying open.
  const OPENERS =
    "#library-gallery, #search-gallery, #filters-gallery, [id^='dup-group-'][id$='-gallery'], #rate-details";
  let pending = null;  // the click's wait for the viewer to open: { close, stop }
  const awaitOpen = () => {
    if (pending) pending.stop();
    const state = { close: false };
    const watch = new MutationObserver(() => {
      if (!viewerOpen()) return;
      state.stop();
      if (state.close) press("viewer-close");
    });
    const timer = setTimeout(() => state.stop(), 10000);  // no opening came of it
    state.stop = () => {
      watch.disconnect();
      clearTimeout(timer);
      if (pending === state) pending = null;
    };
    pending = state;
    watch.observe(document.body, { attributes: true, attributeFilter: ["class"], subtree: true });
  };
  // The viewer's ◀ Previous and Next ▶ (for touch): the same as the arrow keys.
  document.addEventListener("click", (event) => {
    if (!event.target.closest) return;
    const move = event.target.closest("[data-pictor-move]");
    if (move) press("viewer-key", move.dataset.pictorMove);
    else if (!viewerOpen() && event.target.closest(OPENERS)) awaitOpen();
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (typing(event.target)) return;
    const popover = document.getElementById("pictor-keys-help");
    if (event.key === "Escape" && popover && !popover.hidden) {
      event.preventDefault();
      popover.hidden = true;
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      const box = help();
      box.hidden = !box.hidden;
      return;
    }
    if (event.key === "/") {
      event.preventDefault();
      if (viewerOpen()) press("viewer-close");
      focusSearch();
      return;
    }
    // The viewer, open over any tab: arrows move through its list, Esc closes it.
    if (viewerOpen()) {
      const MOVES = { ArrowLeft: "prev", ArrowRight: "next" };
      if (event.key === "Escape" && press("viewer-close")) event.preventDefault();
      else if (MOVES[event.key] && press("viewer-key", MOVES[event.key])) event.preventDefault();
      return;
    }
    if (event.key === "Escape" && pending) {
      pending.close = true;
      event.preventDefault();
      return;
    }
    if (!shown("rate-panel")) return;
    const [id, key] = target(event.key);
    if (press(id, key)) event.preventDefault();
  });
})();
