// painterly studio: the view tabs (Paint a photo, Live camera). ARIA tabs: one tab stop, the
// arrow keys (and Home/End) move between tabs and show their view.
import { $$ } from "./core.js";

const tabs = () => $$('[role="tab"]');

export function showView(name) {
  for (const t of tabs()) {
    const on = t.id === `tab-${name}`;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
  }
  document.dispatchEvent(new CustomEvent("studio:view", { detail: name }));
}

export function setupTabs() {
  for (const t of tabs()) {
    const name = t.id.replace(/^tab-/, "");
    t.addEventListener("click", () => showView(name));
    t.addEventListener("keydown", (e) => {
      const all = tabs();
      const i = all.indexOf(t);
      const to = { ArrowRight: all[(i + 1) % all.length], ArrowLeft: all[(i - 1 + all.length) % all.length],
        Home: all[0], End: all[all.length - 1] }[e.key];
      if (!to) return;
      e.preventDefault();
      showView(to.id.replace(/^tab-/, ""));
      to.focus();
    });
  }
}
