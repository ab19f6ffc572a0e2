// painterly studio: the Words mode. While the visitor types, GET /v1/styles/match says which
// styles the words pick (the same matching the job will run), so a prompt that matches nothing
// is said at once, next to it, and not after Paint. Works on every install: without
// painterly[text] the server matches the catalogue's own words (tags and descriptions, English
// and Chinese), and the page says so.
import { $, api, changed, clearError, showError, studio } from "./core.js";

const WAIT_MS = 350;  // after the last key press
let timer = null;
let pending = null;  // AbortController of the request in flight

async function check() {
  const prompt = $("#prompt").value.trim();
  const out = $("#prompt-match");
  if (pending) pending.abort();
  if (!prompt) {
    studio.promptMatch = null;
    out.textContent = "";
    clearError("prompt");
    changed("prompt");
    return;
  }
  pending = new AbortController();
  try {
    const m = await api(`/v1/styles/match?prompt=${encodeURIComponent(prompt)}`, { signal: pending.signal });
    studio.promptMatch = { prompt, styles: m.styles, matcher: m.matcher };
    clearError("prompt");
    const parts = m.styles.map((s) => `${s.name.replace(/-/g, " ")}${m.styles.length > 1 ? ` ${Math.round(100 * s.weight)} %` : ""}`);
    out.textContent = `Paints with ${parts.join(" + ")}.` +
      (m.matcher === "words" ? " (Matched by the styles' own words; the server's painterly[text] extra would match by meaning.)" : "");
  } catch (err) {
    if (err && err.name === "AbortError") return;
    out.textContent = "";
    // a prompt that matches nothing: say it now; a network hiccup: let Paint try anyway
    studio.promptMatch = err.type === "InputError" ? { prompt, error: err.message } : null;
    if (err.type === "InputError") showError("prompt", err.message);
  }
  changed("prompt");
}

export function setupWords() {
  $("#prompt").addEventListener("input", () => {
    clearTimeout(timer);
    studio.promptMatch = null;
    changed("prompt");
    timer = setTimeout(check, WAIT_MS);
  });
  // the microphone fills the prompt in too (speech.js)
  document.addEventListener("studio:changed", (e) => {
    if (e.detail === "prompt-filled") { clearTimeout(timer); check(); }
  });
}
