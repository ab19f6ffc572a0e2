// painterly studio: the "Paint a photo" view. Plain JavaScript, no build step, no network
// beyond this server. API: POST /v1/jobs, GET /v1/jobs/{id}/events (SSE), GET /v1/jobs,
// GET /v1/styles, POST /v1/speech.
"use strict";

const $ = (sel) => document.querySelector(sel);
const FAMILY_NAMES = { filter: "Filters", neural: "Neural built-ins", library: "Your library" };
const IMAGE_TYPES = "PNG, JPEG, WebP, BMP, TIFF or GIF";

const studio = {
  photo: null,          // Blob of the chosen photo
  photoURL: null,
  photoSize: null,      // [width, height]
  styleImage: null,     // Blob of a painting used as the style
  style: null,          // chosen style name (gallery)
  styles: [],           // the catalogue from GET /v1/styles
  events: null,         // the running job's EventSource
};
window.painterlyStudio = studio;  // for scripts and tests that drive the page

// ---- errors: a sentence next to what caused them -------------------------------------------
function showError(where, message) {
  const el = document.querySelector(`.error[data-for="${where}"]`);
  if (!el) return showError("paint", message);
  el.textContent = message;
  el.hidden = false;
}
function clearError(where) {
  const sel = where ? `.error[data-for="${where}"]` : ".error";
  document.querySelectorAll(sel).forEach((el) => { el.hidden = true; el.textContent = ""; });
}
// Which control an API error belongs to, from its type and the field its message names.
function fieldOf(err) {
  const msg = (err && (err.raw || err.message)) || "";
  if (/style_image/.test(msg)) return "style_image";
  if (err.type === "UnknownStyleError" || /\bstyle\b/.test(msg) && !/\bimage\b/.test(msg)) return "style";
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
function sentence(text) {
  text = humanise(text);
  if (!text) return "Something went wrong.";
  text = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : text + ".";
}
// fetch that turns every failure into {type, message} (never a bare status).
async function api(path, options = {}) {
  let r;
  try {
    r = await fetch(path, options);
  } catch (e) {
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

// ---- photo: choose, drop, paste --------------------------------------------------------------
function decodes(blob) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(blob);
    const img = new Image();
    img.onload = () => resolve({ url, width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => { URL.revokeObjectURL(url); resolve(null); };
    img.src = url;
  });
}
async function setPhoto(blob) {
  clearError("photo");
  const got = await decodes(blob);
  if (!got) {
    studio.photo = null;
    $("#photo-preview").hidden = true;
    $("#photo-info").textContent = "";
    showError("photo", `“${blob.name || "This file"}” is not an image this page can read; choose a ${IMAGE_TYPES} file.`);
    updatePaintButton();
    return;
  }
  if (studio.photoURL) URL.revokeObjectURL(studio.photoURL);
  Object.assign(studio, { photo: blob, photoURL: got.url, photoSize: [got.width, got.height] });
  const prev = $("#photo-preview");
  prev.src = got.url;
  prev.hidden = false;
  $("#drop-text").innerHTML = "<strong>Change the photo</strong> (choose, drop or paste)";
  $("#photo-info").textContent = `${blob.name || "Pasted image"} · ${got.width} × ${got.height} px`;
  updatePaintButton();
}
function setupPhoto() {
  $("#photo").addEventListener("change", (e) => e.target.files[0] && setPhoto(e.target.files[0]));
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const f = e.dataTransfer.files[0];
    if (f) setPhoto(f);
  });
  document.addEventListener("paste", (e) => {
    if (e.target.closest && e.target.closest("textarea, input[type=search], input[type=number]")) return;
    const item = [...(e.clipboardData?.items || [])].find((i) => i.type.startsWith("image/"));
    if (item) { e.preventDefault(); setPhoto(item.getAsFile()); }
  });
  $("#style-image").addEventListener("change", async (e) => {
    clearError("style_image");
    const f = e.target.files[0];
    if (!f) return;
    studio.styleImage = f;
    const got = await decodes(f);
    const prev = $("#style-preview");
    prev.hidden = !got;
    if (got) prev.src = got.url;
    updatePaintButton();
  });
}

// ---- the style gallery ------------------------------------------------------------------------
studio.mode = () => document.querySelector('input[name="mode"]:checked').value;

async function loadStyles() {
  try {
    studio.styles = (await api("/v1/styles")).styles;
  } catch (err) {
    showError("style", err.message);
    return;
  }
  const gallery = $("#gallery");
  gallery.textContent = "";
  const families = [...new Set(studio.styles.map((s) => s.family))];
  for (const fam of families) {
    const group = document.createElement("section");
    group.className = "family";
    group.setAttribute("aria-label", FAMILY_NAMES[fam] || fam);
    const h = document.createElement("h3");
    h.textContent = FAMILY_NAMES[fam] || fam;
    const grid = document.createElement("div");
    grid.className = "grid";
    for (const s of studio.styles.filter((x) => x.family === fam)) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "style-option";
      b.setAttribute("data-testid", "style-option");
      b.dataset.style = s.name;
      b.setAttribute("aria-pressed", "false");
      b.title = s.description;
      b.dataset.search = [s.name, s.description, ...(s.tags || []), ...(s.aliases || []), fam].join(" ").toLowerCase();
      const img = document.createElement("img");
      img.loading = "lazy";
      img.alt = "";
      img.src = s.preview;
      const label = document.createElement("span");
      label.textContent = s.name;  // the name people type on the command line too
      b.append(img, label);
      b.addEventListener("click", () => chooseStyle(s.name));
      grid.append(b);
    }
    group.append(h, grid);
    gallery.append(group);
  }
  liveStyles(studio.styles);
}
function chooseStyle(name) {
  clearError("style");
  studio.style = name;
  document.querySelectorAll(".style-option").forEach((b) =>
    b.setAttribute("aria-pressed", String(b.dataset.style === name)));
  const s = studio.styles.find((x) => x.name === name);
  $("#style-chosen").textContent = s ? `${name.replace(/-/g, " ")}: ${s.description}` : name;
  const neural = s && s.family !== "filter";
  $("#preserve-color").disabled = !neural;
  if (!neural) $("#preserve-color").checked = false;
  updatePaintButton();
}
function filterStyles(q) {
  q = q.trim().toLowerCase();
  document.querySelectorAll(".family").forEach((fam) => {
    let any = false;
    fam.querySelectorAll(".style-option").forEach((b) => {
      const show = !q || q.split(/\s+/).every((w) => b.dataset.search.includes(w));
      b.hidden = !show;
      any = any || show;
    });
    fam.hidden = !any;
  });
}
function liveStyles(styles) {
  const sel = $("#live-style");
  sel.textContent = "";
  for (const fam of [...new Set(styles.map((s) => s.family))]) {
    const g = document.createElement("optgroup");
    g.label = FAMILY_NAMES[fam] || fam;
    for (const s of styles.filter((x) => x.family === fam)) {
      const o = new Option(s.name.replace(/-/g, " "), s.name);
      g.append(o);
    }
    sel.append(g);
  }
  sel.value = styles.some((s) => s.name === "starry-swirls") ? "starry-swirls" : styles[0]?.name;
}

// ---- painting ---------------------------------------------------------------------------------
function updatePaintButton() {
  const mode = studio.mode();
  const styleReady = mode === "gallery" ? !!studio.style
    : mode === "painting" ? !!studio.styleImage : $("#prompt").value.trim().length > 0;
  $("#paint").disabled = !(studio.photo && styleReady) || !!studio.events;
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
  clearError();
  const form = new FormData();
  form.append("image", studio.photo, studio.photo.name || "photo.png");
  if (studio.mode() === "painting") form.append("style_image", studio.styleImage, studio.styleImage.name || "painting.png");
  const p = params();
  form.append("params", JSON.stringify(p));
  $("#paint").disabled = true;
  setProgress(-1, "Sending…");
  let job;
  try {
    job = await api("/v1/jobs", { method: "POST", body: form });
  } catch (err) {
    setProgress(null);
    showError(fieldOf(err), err.message);
    updatePaintButton();
    return;
  }
  follow(job, { before: studio.photoURL, params: p });
}
function follow(job, context) {
  setProgress(-1, "Waiting for a painter…");
  const es = new EventSource(`/v1/jobs/${job.id}/events`);
  studio.events = es;
  const finish = () => { es.close(); studio.events = null; updatePaintButton(); };
  es.addEventListener("progress", (e) => {
    const j = JSON.parse(e.data);
    if (j.state === "running") setProgress(j.progress > 0 ? j.progress : -1, `Painting… ${Math.round(100 * j.progress)}%`);
    else setProgress(-1, "Queued…");
  });
  es.addEventListener("succeeded", (e) => {
    finish();
    setProgress(1, "Done.");
    const j = JSON.parse(e.data);
    showResult(j, context.before);
    loadHistory();
  });
  for (const name of ["failed", "cancelled"]) {
    es.addEventListener(name, (e) => {
      finish();
      setProgress(null);
      const j = JSON.parse(e.data);
      const err = j.error || { type: "Cancelled", message: "The painting was cancelled." };
      showError(fieldOf(err), sentence(err.message));  // fieldOf reads the API's own wording
      loadHistory();
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
function showResult(job, beforeURL) {
  const compare = $("#compare");
  const img = $("#result-image");
  const before = $("#before-image");
  compare.classList.toggle("single", !beforeURL);
  img.onload = () => {
    describe(job, img.naturalWidth, img.naturalHeight);
  };
  img.src = job.result;
  before.src = beforeURL || job.result;
  compare.hidden = false;
  $("#result-empty").hidden = true;
  $("#result-actions").hidden = false;
  const dl = $("#download");
  dl.href = job.result;
  dl.download = `painterly-${(job.info && job.info.style) || "art"}-${job.id}.png`.replace(/[^\w.-]+/g, "_");
  setSplit(50);
}
function describe(job, w, h) {
  const info = job.info || {};
  const rows = [
    ["Style", info.style === "style_image" ? "your painting"
      : info.styles ? info.styles.map(([n, wt]) => `${n} ${Math.round(wt * 100)}%`).join(", ") : info.style],
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
function setSplit(v) {
  $("#slider").value = v;
  $("#compare").style.setProperty("--split", `${v}%`);
}

// ---- history (from the jobs API, so it survives a reload and other tabs) ---------------------
async function loadHistory() {
  clearError("history");
  let jobs;
  try {
    jobs = (await api("/v1/jobs?limit=24")).jobs.filter((j) => j.task === "stylize" || j.result);
  } catch (err) {
    showError("history", err.message);
    return;
  }
  const ol = $("#history");
  ol.textContent = "";
  for (const j of jobs) {
    const li = document.createElement("li");
    li.className = `state-${j.state}`;
    const b = document.createElement("button");
    b.type = "button";
    const when = j.created ? new Date(j.created).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
    const what = (j.info && j.info.style) || j.task;
    b.setAttribute("aria-label", `${what}, ${j.state}, ${when}`);
    const img = document.createElement("img");
    img.alt = "";
    img.loading = "lazy";
    if (j.result) img.src = j.result;
    const label = document.createElement("span");
    label.textContent = j.state === "succeeded" ? `${what} · ${when}` : `${j.state} · ${when}`;
    b.append(img, label);
    b.addEventListener("click", () => {
      clearError("paint");
      if (j.result) showResult(j, null);
      else if (j.error) showError("paint", sentence(j.error.message));
      else if (j.state === "queued" || j.state === "running") follow(j, { before: null });
    });
    li.append(b);
    ol.append(li);
  }
}

// ---- views and wiring -------------------------------------------------------------------------
function showView(name) {
  for (const v of ["paint", "live"]) {
    $(`#tab-${v}`).setAttribute("aria-selected", String(v === name));
    $(`#view-${v}`).hidden = v !== name;
  }
  if (name !== "live" && window.painterlyLive) window.painterlyLive.stop();
}
document.addEventListener("DOMContentLoaded", () => {
  setupPhoto();
  $("#tab-paint").addEventListener("click", () => showView("paint"));
  $("#tab-live").addEventListener("click", () => showView("live"));
  document.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener("change", () => {
    document.querySelectorAll(".mode-panel").forEach((p) => { p.hidden = p.dataset.mode !== studio.mode(); });
    $("#preserve-color").disabled = studio.mode() === "gallery" &&
      !!studio.style && studio.styles.find((s) => s.name === studio.style)?.family === "filter";
    updatePaintButton();
  }));
  $("#style-search").addEventListener("input", (e) => filterStyles(e.target.value));
  $("#prompt").addEventListener("input", updatePaintButton);
  $("#mic").addEventListener("click", toggleMic);
  $("#strength").addEventListener("input", (e) => { $("#strength-out").textContent = Number(e.target.value).toFixed(2); });
  $("#slider").addEventListener("input", (e) => setSplit(e.target.value));
  const compare = $("#compare");
  const drag = (e) => {
    const box = compare.getBoundingClientRect();
    setSplit(Math.round(Math.max(0, Math.min(1, (e.clientX - box.left) / box.width)) * 100));
  };
  compare.addEventListener("pointerdown", (e) => { compare.setPointerCapture(e.pointerId); drag(e); $("#slider").focus(); });
  compare.addEventListener("pointermove", (e) => { if (e.buttons) drag(e); });
  $("#paint").addEventListener("click", paint);
  loadStyles();
  loadHistory();
});
