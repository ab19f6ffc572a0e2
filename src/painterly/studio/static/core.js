// painterly studio: what every part of the page shares. The page's shared state (`studio`), the
// fetch wrapper that turns every failure into a sentence, and errors shown next to their cause.
// ES module, no build step, nothing from outside this server.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
export const IMAGE_TYPES = "PNG, JPEG, WebP, BMP, TIFF or GIF";
export const FAMILY_NAMES = { filter: "Filters", neural: "Neural built-ins", library: "Your library" };

export const studio = {
  photo: null,          // Blob of the chosen photo
  photoURL: null,
  photoSize: null,      // [width, height]
  styleImage: null,     // Blob of a painting used as the style (only once it decoded)
  style: null,          // chosen style name (gallery)
  styles: [],           // the catalogue from GET /v1/styles
  promptMatch: null,    // what GET /v1/styles/match said about the prompt: {ok, styles, matcher}
  events: null,         // the running job's EventSource
  mode: () => document.querySelector('input[name="mode"]:checked').value,
};
window.painterlyStudio = studio;  // for scripts and tests that drive the page

// ---- errors: a sentence next to what caused them -------------------------------------------
export function showError(where, message) {
  const el = document.querySelector(`.error[data-for="${where}"]`);
  if (!el) return showError("paint", message);
  el.textContent = message;
  el.hidden = false;
}
export function clearError(where) {
  const sel = where ? `.error[data-for="${where}"]` : ".error";
  $$(sel).forEach((el) => { el.hidden = true; el.textContent = ""; });
}
// Which control an API error belongs to, from its type and the field its message names.
export function fieldOf(err) {
  const msg = (err && (err.raw || err.message)) || "";
  if (/style_image/.test(msg)) return "style_image";
  if (err.type === "UnknownStyleError" || /\bstyle\b/.test(msg) && !/\bimage\b/.test(msg)) {
    return studio.mode() === "prompt" ? "prompt" : "style";
  }
  if (/\bprompt\b|MissingExtraError/.test(msg + err.type)) return studio.mode() === "prompt" ? "prompt" : "paint";
  if (/\bimage\b|format|decode|pixels|too large|request body/i.test(msg)) return "photo";
  if (/strength|seed|max_size|preserve_color/.test(msg)) return "params";
  return "paint";
}
// The API names form fields (image, style_image); people know them as their photo and painting.
function humanise(text) {
  return String(text || "").trim()
    .replace(/^style_image:\s*/i, "The painting you chose as the style: ")
    .replace(/^image:\s*/i, "Your photo: ")
    .replace(/^params:\s*/i, "");
}
export function sentence(text) {
  text = humanise(text);
  if (!text) return "Something went wrong.";
  text = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : text + ".";
}
// fetch that turns every failure into {type, message} (never a bare status).
export async function api(path, options = {}) {
  let r;
  try {
    r = await fetch(path, options);
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw { type: "NetworkError", message: "The server could not be reached. Is painterly serve still running?" };
  }
  let body = null;
  try { body = await r.json(); } catch (e) { /* not JSON */ }
  if (!r.ok) {
    const err = body && body.error;
    if (err && err.message) throw { type: err.type || "Error", raw: err.message, message: sentence(err.message) };
    const plain = { 401: "This server needs its access token.", 403: "The server refused this request.",
      404: "The server does not know this address.", 413: "The upload is too large for this server.",
      429: "The server is busy with other paintings; try again in a moment." };
    throw { type: "HTTPError", message: plain[r.status] || "The server could not do this; try again." };
  }
  return body;
}

// Decode a file in the page: {url, width, height}, or null when it is not an image.
export function decodes(blob) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(blob);
    const img = new Image();
    img.onload = () => resolve({ url, width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => { URL.revokeObjectURL(url); resolve(null); };
    img.src = url;
  });
}

// Smooth scrolling only for those who did not ask for less motion.
export function scrollBehavior() {
  return matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
}
// True when the element is entirely inside the window.
export function inView(el) {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
}

// Tell other parts of the page that something changed (photo, style, mode, prompt): the Paint
// button listens. A tiny event bus on the document, so modules need not import each other.
export function changed(what) {
  document.dispatchEvent(new CustomEvent("studio:changed", { detail: what }));
}
