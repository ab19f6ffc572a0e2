// painterly studio: the Live view. The camera's frames go over the WebSocket /v1/live (a 4-byte
// frame id, then a JPEG); painted frames come back (id, server microseconds, JPEG). Frames go at
// the camera's rate (at most 30 per second) and the server paints only the newest one waiting,
// dropping the others, so the delay stays about one and a half painting times whatever the
// painting speed. Sending pauses only when the socket itself backs up (a slow network).
import { $, FAMILY_NAMES } from "./core.js";

const W = 384, H = 288, MAX_FPS = 30, MAX_BUFFERED = 256 * 1024;
const live = {
  ws: null, stream: null, running: false, nextId: 1, sent: new Map(),
  shown: [], latencies: [], count: 0, lastSend: 0, encoding: false,
};
window.painterlyLive = live;

function error(message) {
  const el = document.querySelector('.error[data-for="live"]');
  el.textContent = message;
  el.hidden = !message;
}
function settings() {
  return { style: $("#live-style").value, strength: Number($("#live-strength").value),
           stabilize: $("#live-stabilize").checked };
}
function send(obj) {
  if (live.ws && live.ws.readyState === WebSocket.OPEN) live.ws.send(JSON.stringify(obj));
}

live.start = async () => {
  error("");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    error("This browser cannot reach a camera here (the page must be opened from localhost or over HTTPS).");
    return;
  }
  try {
    live.stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } }, audio: false });
  } catch (e) {
    error("The camera is not available: allow this page to use it, or close other programs that use it.");
    return;
  }
  const video = $("#live-video");
  video.srcObject = live.stream;
  await video.play().catch(() => {});
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/v1/live`);
  ws.binaryType = "arraybuffer";
  live.ws = ws;
  Object.assign(live, { running: true, sent: new Map(), shown: [], latencies: [], count: 0 });
  $("#live-toggle").textContent = "Stop";
  ws.onopen = () => send(settings());
  ws.onmessage = (e) => (typeof e.data === "string" ? onText(e.data) : onFrame(e.data));
  ws.onclose = (e) => {
    if (live.running) error(e.reason ? `The live connection closed: ${e.reason}.` : "The live connection closed; press Start to try again.");
    live.stop();
  };
  requestAnimationFrame(loop);
};

live.stop = () => {
  live.running = false;
  if (live.ws) { const ws = live.ws; live.ws = null; ws.onclose = null; ws.close(); }
  if (live.stream) live.stream.getTracks().forEach((t) => t.stop());
  live.stream = null;
  $("#live-toggle").textContent = "Start the camera";
  $("#live-size").textContent = "";
};

function onText(text) {
  const msg = JSON.parse(text);
  if (msg.type === "error") {
    const m = msg.error.message;
    error(m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? "" : "."));
  } else if (msg.type === "ready") {
    error("");
  } else if (msg.type === "size") {
    showSize(msg);
  }
}

async function onFrame(buf) {
  const now = performance.now();
  const view = new DataView(buf);
  const id = view.getUint32(0, true);
  const t0 = live.sent.get(id);
  // this frame and every older one are answered (older ones were dropped as stale)
  for (const k of [...live.sent.keys()]) if (k <= id) live.sent.delete(k);
  const bmp = await createImageBitmap(new Blob([buf.slice(8)], { type: "image/jpeg" }));
  const canvas = $("#live-output");
  if (canvas.width !== bmp.width || canvas.height !== bmp.height) {
    canvas.width = bmp.width; canvas.height = bmp.height;
  }
  canvas.getContext("2d").drawImage(bmp, 0, 0);
  bmp.close();
  const shownAt = performance.now();
  if (t0 !== undefined) live.latencies.push(shownAt - t0);
  live.shown.push(shownAt);
  live.count += 1;
  stats(now);
}

// The painted size, and why it is smaller than the camera's frames when it is.
function showSize(msg) {
  const el = $("#live-size");
  const smaller = Math.max(msg.width, msg.height) < msg.max_side;
  el.textContent = `painted at ${msg.width} × ${msg.height} px` +
    (smaller && msg.auto ? " (smaller, so the server keeps up)" : "");
  el.classList.toggle("lowered", smaller);
  $("#live-output").dataset.size = `${msg.width}x${msg.height}`;
}

function stats(now) {
  while (live.shown.length && live.shown[0] < now - 2000) live.shown.shift();
  if (live.latencies.length > 30) live.latencies.splice(0, live.latencies.length - 30);
  const span = live.shown.length > 1 ? (live.shown[live.shown.length - 1] - live.shown[0]) / 1000 : 0;
  const fps = span > 0 ? (live.shown.length - 1) / span : 0;
  const sorted = [...live.latencies].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
  $("#live-fps").textContent = fps ? fps.toFixed(1) : "–";
  $("#live-latency").textContent = Number.isFinite(median) ? Math.round(median) : "–";
  $("#live-count").textContent = live.count;
  $("#live-output").dataset.frames = String(live.count);
}

// Capture the newest camera frame when there is room in flight, cropped to 4:3 at 384x288.
const grab = document.createElement("canvas");
grab.width = W; grab.height = H;
function loop(now) {
  if (!live.running) return;
  requestAnimationFrame(loop);
  const video = $("#live-video");
  const ws = live.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN || video.readyState < 2 || live.encoding) return;
  if (ws.bufferedAmount > MAX_BUFFERED || now - live.lastSend < 1000 / MAX_FPS) return;
  // a frame unanswered for 2 s was lost: forget it rather than stall
  for (const [k, t] of live.sent) if (now - t > 2000) live.sent.delete(k);
  const vw = video.videoWidth, vh = video.videoHeight;
  const scale = Math.max(W / vw, H / vh);
  const sw = W / scale, sh = H / scale;
  grab.getContext("2d").drawImage(video, (vw - sw) / 2, (vh - sh) / 2, sw, sh, 0, 0, W, H);
  live.encoding = true;
  live.lastSend = now;
  const t0 = performance.now();
  grab.toBlob(async (blob) => {
    live.encoding = false;
    if (!blob || !live.ws) return;
    const id = live.nextId++ >>> 0;
    const head = new ArrayBuffer(4);
    new DataView(head).setUint32(0, id, true);
    live.sent.set(id, t0);
    live.ws.send(new Blob([head, blob]));
  }, "image/jpeg", 0.8);
}

// The style list, from the catalogue the gallery loaded (gallery.js).
function liveStyles(styles) {
  const sel = $("#live-style");
  sel.textContent = "";
  for (const fam of [...new Set(styles.map((s) => s.family))]) {
    const g = document.createElement("optgroup");
    g.label = FAMILY_NAMES[fam] || fam;
    for (const s of styles.filter((x) => x.family === fam)) g.append(new Option(s.name.replace(/-/g, " "), s.name));
    sel.append(g);
  }
  sel.value = styles.some((s) => s.name === "starry-swirls") ? "starry-swirls" : styles[0]?.name;
}

export function setupLive() {
  $("#live-toggle").addEventListener("click", () => (live.running ? live.stop() : live.start()));
  for (const id of ["#live-style", "#live-stabilize"]) $(id).addEventListener("change", () => send(settings()));
  $("#live-strength").addEventListener("input", (e) => {
    $("#live-strength-out").textContent = Number(e.target.value).toFixed(2);
  });
  $("#live-strength").addEventListener("change", () => send(settings()));
  document.addEventListener("studio:styles", (e) => liveStyles(e.detail));
  document.addEventListener("studio:view", (e) => { if (e.detail !== "live") live.stop(); });
}
