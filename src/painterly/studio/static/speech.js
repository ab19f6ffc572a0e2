// painterly studio: the microphone prompt. The page records PCM itself and sends 16-bit WAV
// (what the server's decoder reads everywhere; MediaRecorder's WebM/Opus is not) to
// POST /v1/speech, which answers the words PocketSphinx recognised.
import { $, api, changed, clearError, showError } from "./core.js";

// ---- the microphone: record WAV in the page, the server recognises it ------------------------
const mic = { stream: null, ctx: null, chunks: [], node: null };
export function setupSpeech() {
  $("#mic").addEventListener("click", toggleMic);
}

async function toggleMic() {
  const btn = $("#mic");
  clearError("prompt");
  if (mic.stream) return stopMic();
  try {
    mic.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (e) {
    mic.stream = null;
    showError("prompt", "The microphone is not available: allow this page to use it, or type the style instead.");
    return;
  }
  mic.ctx = new AudioContext();
  const src = mic.ctx.createMediaStreamSource(mic.stream);
  // ScriptProcessor: deprecated but everywhere, and enough for a few seconds of speech
  mic.node = mic.ctx.createScriptProcessor(4096, 1, 1);
  mic.chunks = [];
  mic.node.onaudioprocess = (e) => mic.chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  src.connect(mic.node);
  mic.node.connect(mic.ctx.destination);
  btn.setAttribute("aria-pressed", "true");
  $("#mic-label").textContent = "Stop recording";
  $("#mic-status").textContent = "Listening… speak the style, then press the microphone again.";
  mic.timer = setTimeout(stopMic, 15000);
}
async function stopMic() {
  clearTimeout(mic.timer);
  const rate = mic.ctx.sampleRate;
  mic.node.disconnect();
  mic.stream.getTracks().forEach((t) => t.stop());
  await mic.ctx.close();
  mic.stream = null;
  $("#mic").setAttribute("aria-pressed", "false");
  $("#mic-label").textContent = "Record the style with the microphone";
  $("#mic-status").textContent = "Recognising…";
  const form = new FormData();
  form.append("audio", wav(mic.chunks, rate), "prompt.wav");
  try {
    const { text } = await api("/v1/speech", { method: "POST", body: form });
    if (!text) {
      $("#mic-status").textContent = "";
      showError("prompt", "No words were recognised; speak closer to the microphone, or type the style.");
    } else {
      $("#prompt").value = text;
      $("#mic-status").textContent = `Heard: “${text}”`;
      changed("prompt-filled");
    }
  } catch (err) {
    $("#mic-status").textContent = "";
    showError("prompt", err.message);
  }
  changed("prompt");
}
function wav(chunks, rate) {
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const buf = new ArrayBuffer(44 + 2 * n);
  const v = new DataView(buf);
  const text = (o, s) => [...s].forEach((ch, i) => v.setUint8(o + i, ch.charCodeAt(0)));
  text(0, "RIFF"); v.setUint32(4, 36 + 2 * n, true); text(8, "WAVE"); text(12, "fmt ");
  v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
  v.setUint32(24, rate, true); v.setUint32(28, 2 * rate, true); v.setUint16(32, 2, true);
  v.setUint16(34, 16, true); text(36, "data"); v.setUint32(40, 2 * n, true);
  let o = 44;
  for (const c of chunks) for (const x of c) { v.setInt16(o, Math.max(-1, Math.min(1, x)) * 32767, true); o += 2; }
  return new Blob([buf], { type: "audio/wav" });
}
