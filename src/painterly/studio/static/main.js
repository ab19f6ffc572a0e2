// painterly studio: the page's entry point (an ES module: every part is its own file, so a new
// view or mode is a new module wired here). API: POST /v1/jobs, GET /v1/jobs/{id}/events (SSE),
// GET /v1/jobs, GET /v1/jobs/{id}/thumbnail, GET /v1/styles, GET /v1/styles/match,
// POST /v1/speech, WebSocket /v1/live.
import { $, $$, changed, studio } from "./core.js";
import { setupCompare } from "./compare.js";
import { loadStyles, setupGallery } from "./gallery.js";
import { loadHistory, setupHistory } from "./history.js";
import { setupLive } from "./live.js";
import { setupPaint } from "./paint.js";
import { setupPhoto } from "./photo.js";
import { setupSpeech } from "./speech.js";
import { setupTabs } from "./tabs.js";
import { setupWords } from "./words.js";

// "Keep the photo's colours" applies to neural styles only: off for a filter from the gallery.
function preserveColor() {
  const s = studio.styles.find((x) => x.name === studio.style);
  const filter = studio.mode() === "gallery" && !!s && s.family === "filter";
  $("#preserve-color").disabled = filter;
  if (filter) $("#preserve-color").checked = false;
}

function setupModes() {
  for (const r of $$('input[name="mode"]')) {
    r.addEventListener("change", () => {
      for (const p of $$(".mode-panel")) p.hidden = p.dataset.mode !== studio.mode();
      changed("mode");
    });
  }
}

setupTabs();
setupPhoto();
setupModes();
setupGallery();
setupWords();
setupSpeech();
setupCompare();
setupPaint();
setupHistory();
setupLive();
document.addEventListener("studio:changed", preserveColor);
loadStyles();
loadHistory();
