// Pictor's keyboard: keys press the visible tab's buttons (some of them hidden).
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
  const SCORE = {
    t: "rate-key-10", ArrowLeft: "rate-back", ArrowRight: "rate-next", s: "rate-skip",
    Backspace: "rate-clear", z: "rate-undo", "[": "rate-nudge-down-01", "]": "rate-nudge-up-01",
    "{": "rate-nudge-down-1", "}": "rate-nudge-up-1", Enter: "rate-accept",
  };
  const PREFERENCE = { e: "pref-equal", "=": "pref-equal", s: "pref-skip", z: "pref-undo" };
  const target = (key) => {
    if (shown("rate-score-mode")) {
      if (/^[0-9]$/.test(key)) return `rate-key-${key}`;
      return SCORE[key];
    }
    if (shown("rate-pref-mode")) {
      if (/^[1-4]$/.test(key)) return `pref-pick-${key}`;
      return PREFERENCE[key];
    }
    return undefined;
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (typing(event.target) || !shown("rate-panel")) return;
    const id = target(event.key);
    const button = id && document.getElementById(id);
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
