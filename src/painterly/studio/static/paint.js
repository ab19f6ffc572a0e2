// painterly studio: painting. Paint submits POST /v1/jobs and follows the job's server-sent
// events (GET /v1/jobs/{id}/events): the bar shows the job's progress, the result is brought
// into view with a status message next to it, and focus goes there from the Paint button.
// The Paint button is never `disabled` (a disabled button drops the focus to <body> and cannot
// say why): aria-disabled, and pressing it names what is missing.
import { $, api, changed, clearError, fieldOf, inView, scrollBehavior, sentence, showError, studio } from "./core.js";
import { setSplit } from "./compare.js";

// What is still missing before Paint can run: [control's error slot, sentence, element to focus]
function missing() {
  if (!studio.photo) return ["photo", "Choose a photo first.", "#photo"];
  const mode = studio.mode();
  if (mode === "gallery" && !studio.style) {
    return ["style", "Choose a style in the gallery first.", '.style-option[tabindex="0"]'];
  }
  if (mode === "painting" && !studio.styleImage) return ["style_image", "Choose a painting first.", "#style-image"];
  if (mode === "prompt") {
    if (!$("#prompt").value.trim()) return ["prompt", "Describe the style in words first.", "#prompt"];
    const m = studio.promptMatch;
    if (m && m.prompt === $("#prompt").value.trim() && m.error) return ["prompt", m.error, "#prompt"];
  }
  return null;
}

export function updatePaintButton() {
  const busy = !!studio.events || studio.sending;
  const need = missing();
  const btn = $("#paint");
  btn.setAttribute("aria-disabled", String(busy || !!need));
  btn.textContent = busy ? "Painting…" : "Paint";
  $("#paint-needs").textContent = busy ? "" : need ? need[1] : "";
}

function params() {
  const p = { task: "stylize", strength: Number($("#strength").value), seed: Number($("#seed").value || 0) };
  const size = $("#max-size").value;
  if (size) p.max_size = Number(size);
  const mode = studio.mode();
  if (mode === "gallery") p.style = studio.style;
  if (mode === "prompt") p.prompt = $("#prompt").value.trim();
  const neuralPossible = mode !== "gallery" || !$("#preserve-color").disabled;
  if (neuralPossible && $("#preserve-color").checked) p.preserve_color = true;
  return p;
}

function setProgress(fraction, text) {
  const bar = $("#progress");
  bar.hidden = fraction === null;
  if (fraction !== null) {
    if (fraction < 0) bar.removeAttribute("value"); else bar.value = fraction;
  }
  $("#progress-text").textContent = text || "";
}

async function paint() {
  if (studio.events || studio.sending) return;  // already painting: the button stays in focus
  const need = missing();
  if (need) {
    showError(need[0], need[1]);
    document.querySelector(need[2])?.focus();
    return;
  }
  clearError();
  const form = new FormData();
  form.append("image", studio.photo, studio.photo.name || "photo.png");
  if (studio.mode() === "painting") form.append("style_image", studio.styleImage, studio.styleImage.name || "painting.png");
  const p = params();
  form.append("params", JSON.stringify(p));
  studio.sending = true;
  updatePaintButton();
  setProgress(-1, "Sending…");
  let job;
  try {
    job = await api("/v1/jobs", { method: "POST", body: form });
  } catch (err) {
    setProgress(null);
    showError(fieldOf(err), err.message);
    return;
  } finally {
    studio.sending = false;
    updatePaintButton();
  }
  follow(job, { before: studio.photoURL });
}

export function follow(job, context) {
  setProgress(-1, "Waiting for a painter…");
  const es = new EventSource(`/v1/jobs/${job.id}/events`);
  studio.events = es;
  updatePaintButton();
  const t0 = performance.now();
  const finish = () => { es.close(); studio.events = null; updatePaintButton(); };
  es.addEventListener("progress", (e) => {
    const j = JSON.parse(e.data);
    const secs = Math.round((performance.now() - t0) / 1000);
    if (j.state === "running") {
      setProgress(j.progress > 0 ? j.progress : -1, `Painting… ${Math.round(100 * j.progress)} %` + (secs >= 2 ? ` · ${secs} s` : ""));
    } else setProgress(-1, "Queued behind other paintings…");
  });
  es.addEventListener("succeeded", (e) => {
    finish();
    const j = JSON.parse(e.data);
    setProgress(1, "Done.");
    showResult(j, context.before, { announce: true });
    changed("history");
  });
  for (const name of ["failed", "cancelled"]) {
    es.addEventListener(name, (e) => {
      finish();
      setProgress(null);
      const j = JSON.parse(e.data);
      const err = j.error || { type: "Cancelled", message: "The painting was cancelled." };
      showError(fieldOf(err), sentence(err.message));  // fieldOf reads the API's own wording
      changed("history");
    });
  }
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED && studio.events === es) {
      finish();
      setProgress(null);
      showError("paint", "Lost contact with the server while painting; the job may still finish: see Recent paintings.");
    }
  };
}

// What to call the style a job used, for people (not the API's field names).
export function styleLabel(job) {
  const info = job.info || {};
  if (info.style === "style_image") return info.style_image_name ? `your painting “${info.style_image_name}”` : "your painting";
  if (info.styles) return info.styles.map(([n, wt]) => `${n} ${Math.round(wt * 100)} %`).join(", ");
  return info.style || job.task;
}

// Show a job's result. `announce`: say it in the result's status line; focus moves there from the
// Paint button or a history item (never away from a control the visitor went on to use).
export function showResult(job, beforeURL, { announce = false, from = null } = {}) {
  const compare = $("#compare");
  const img = $("#result-image");
  const before = $("#before-image");
  compare.classList.toggle("single", !beforeURL);
  img.onload = () => { describe(job, img.naturalWidth, img.naturalHeight); reveal(from); };
  img.onerror = () => reveal(from);
  img.src = job.result;
  before.src = beforeURL || job.result;
  compare.hidden = false;
  $("#result-empty").hidden = true;
  $("#result-actions").hidden = false;
  $("#compare-hint").hidden = !beforeURL;
  const dl = $("#download");
  dl.href = job.result;
  dl.download = `painterly-${(job.info && job.info.style) || "art"}-${job.id}.png`.replace(/[^\w.-]+/g, "_");
  setSplit(50);
  const secs = job.started && job.finished ? (Date.parse(job.finished) - Date.parse(job.started)) / 1000 : null;
  const status = $("#result-status");
  status.textContent = "";
  if (announce || from) {
    // a new text node each time, so the same words are announced again
    status.textContent = `Painted with ${styleLabel(job)}${secs !== null ? ` in ${secs.toFixed(1)} s` : ""}.` +
      (beforeURL ? " The slider below compares it with your photo." : "");
  }
}

// Once the picture is laid out (its height is known only then): bring the result into view and
// move focus there, if focus is still where the visitor asked for it (Paint, the history item).
function reveal(from) {
  const card = $("#result-card");
  const focusWas = document.activeElement;
  const focusHere = focusWas === document.body || focusWas === $("#paint") || (from && focusWas === from);
  // the card is sticky: scroll to its column (a sticky box reports where it is stuck, not where
  // it sits), so that its top comes into view
  if (!inView(card)) card.parentElement.scrollIntoView({ behavior: scrollBehavior(), block: "start" });
  if (focusHere) $("#h-result").focus({ preventScroll: true });
}

function describe(job, w, h) {
  const info = job.info || {};
  const rows = [
    ["Style", styleLabel(job)],
    ["Strength", info.strength], ["Seed", info.seed], ["Size", `${w} × ${h} px`],
    ["Painted in", job.started && job.finished ? `${((Date.parse(job.finished) - Date.parse(job.started)) / 1000).toFixed(1)} s` : null],
    ["Finished", job.finished ? new Date(job.finished).toLocaleString() : null], ["Job", job.id],
  ];
  const dl = $("#meta");
  dl.textContent = "";
  for (const [k, v] of rows) {
    if (v === undefined || v === null || v === "") continue;
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = String(v);
    dl.append(dt, dd);
  }
  dl.hidden = false;
}

export function setupPaint() {
  $("#paint").addEventListener("click", paint);
  $("#strength").addEventListener("input", (e) => { $("#strength-out").textContent = Number(e.target.value).toFixed(2); });
  document.addEventListener("studio:changed", updatePaintButton);
  updatePaintButton();
}
