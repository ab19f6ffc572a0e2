// painterly studio: Recent paintings, from GET /v1/jobs (so they survive a reload and include
// other clients' jobs; the server leaves out the gallery's own previews). Each shows the job's
// small WebP thumbnail (GET /v1/jobs/{id}/thumbnail), never the full-size result.
import { $, api, clearError, sentence, showError } from "./core.js";
import { follow, showResult, styleLabel } from "./paint.js";

const LIMIT = 24;

export async function loadHistory() {
  clearError("history");
  let jobs;
  try {
    jobs = (await api(`/v1/jobs?limit=${LIMIT}`)).jobs.filter((j) => j.task === "stylize" || j.result);
  } catch (err) {
    showError("history", err.message);
    return;
  }
  const ol = $("#history");
  ol.textContent = "";
  for (const j of jobs) ol.append(item(j));
}

function item(j) {
  const li = document.createElement("li");
  li.className = `state-${j.state}`;
  const b = document.createElement("button");
  b.type = "button";
  b.dataset.job = j.id;
  const when = j.created ? new Date(j.created).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  const img = document.createElement("img");
  img.alt = "";
  img.loading = "lazy";
  img.draggable = false;
  img.width = 128; img.height = 128;
  if (j.result) img.src = `/v1/jobs/${j.id}/thumbnail`;
  // The button's name is its visible text (plus the state, for screen readers, after it).
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = j.state === "succeeded" ? `${styleLabel(j)} · ${when}` : `${j.state} · ${when}`;
  b.append(img, label);
  if (j.state === "succeeded") {
    const state = document.createElement("span");
    state.className = "sr";
    state.textContent = ", open it";
    b.append(state);
  }
  b.addEventListener("click", () => {
    clearError("paint");
    if (j.result) showResult(j, null, { from: b });
    else if (j.error) showError("history", sentence(j.error.message));
    else if (j.state === "queued" || j.state === "running") follow(j, { before: null });
  });
  li.append(b);
  return li;
}

export function setupHistory() {
  document.addEventListener("studio:changed", (e) => { if (e.detail === "history") loadHistory(); });
}
