// Shift-click in a gallery's selection mode (app/selection.py): a gallery's select event
// carries no keys, so every click records whether shift was held, before gradio sees it;
// the select event's `js` passes window.pictorShift to the server.
document.addEventListener(
  "click",
  (event) => {
    window.pictorShift = event.shiftKey;
  },
  true,
);
// A selected card (its caption starts with ✓, app/selection.py's mark) gets a frame and a
// badge (app/assets/pictor.css), redrawn once per frame after the page changes.
(() => {
  let queued = false;
  const mark = () => {
    queued = false;
    for (const card of document.querySelectorAll(".thumbnail-item")) {
      const caption = card.querySelector(".caption-label");
      const picked = !!caption && caption.textContent.trimStart().startsWith("✓");
      if (card.classList.contains("pictor-picked") !== picked) {
        card.classList.toggle("pictor-picked", picked);
      }
    }
  };
  const observer = new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(mark);
    }
  });
  const start = () =>
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
