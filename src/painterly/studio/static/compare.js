// painterly studio: the before/after comparison. A range input (keyboard, screen readers) lies
// over the two pictures; a pointer anywhere on them drags the split. The images are not
// draggable and the pointer is captured, so the browser's own image drag (which cancels the
// pointer after a few pixels) never starts; vertical swipes still scroll the page on a phone.
import { $ } from "./core.js";

export function setSplit(v) {
  v = Math.max(0, Math.min(100, Math.round(Number(v))));
  $("#slider").value = v;
  $("#compare").style.setProperty("--split", `${v}%`);
}

export function setupCompare() {
  const compare = $("#compare");
  const slider = $("#slider");
  slider.addEventListener("input", () => setSplit(slider.value));
  const at = (e) => {
    const box = compare.getBoundingClientRect();
    return (100 * (e.clientX - box.left)) / box.width;
  };
  let dragging = null;  // the pointer being followed
  compare.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 || compare.classList.contains("single")) return;
    e.preventDefault();  // no text selection, no native drag; focus is set by hand below
    dragging = e.pointerId;
    compare.setPointerCapture(e.pointerId);
    compare.classList.add("dragging");
    setSplit(at(e));
    slider.focus({ preventScroll: true });
  });
  compare.addEventListener("pointermove", (e) => { if (e.pointerId === dragging) setSplit(at(e)); });
  const end = (e) => {
    if (e.pointerId !== dragging) return;
    dragging = null;
    compare.classList.remove("dragging");
  };
  compare.addEventListener("pointerup", end);
  compare.addEventListener("pointercancel", end);
  compare.addEventListener("lostpointercapture", end);
  compare.addEventListener("dragstart", (e) => e.preventDefault());
}
