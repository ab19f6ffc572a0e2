// painterly studio: the photo (choose, drop, paste) and the painting used as a style. Both are
// decoded in the page first, so a file that is not an image is refused at once, next to its box.
import { $, IMAGE_TYPES, changed, clearError, decodes, showError, studio } from "./core.js";

async function setPhoto(blob) {
  clearError("photo");
  const got = await decodes(blob);
  if (!got) {
    studio.photo = null;
    $("#photo-preview").hidden = true;
    $("#photo-info").textContent = "";
    showError("photo", `“${blob.name || "This file"}” is not an image this page can read; choose a ${IMAGE_TYPES} file.`);
    changed("photo");
    return;
  }
  if (studio.photoURL) URL.revokeObjectURL(studio.photoURL);
  Object.assign(studio, { photo: blob, photoURL: got.url, photoSize: [got.width, got.height] });
  const prev = $("#photo-preview");
  prev.src = got.url;
  prev.hidden = false;
  $("#drop").classList.add("filled");
  $("#drop-text").firstElementChild.textContent = "Change the photo";
  $("#touch-hint").textContent = "";
  $("#photo-info").textContent = `${blob.name || "Pasted image"} · ${got.width} × ${got.height} px`;
  changed("photo");
}

async function setStyleImage(file) {
  clearError("style_image");
  studio.styleImage = null;
  const prev = $("#style-preview");
  const info = $("#style-image-info");
  const got = file && await decodes(file);
  prev.hidden = !got;
  info.textContent = "";
  if (file && !got) {
    showError("style_image", `“${file.name || "This file"}” is not an image this page can read; choose a painting as a ${IMAGE_TYPES} file.`);
  } else if (got) {
    if (prev.src.startsWith("blob:")) URL.revokeObjectURL(prev.src);
    prev.src = got.url;
    studio.styleImage = file;
    info.textContent = `${file.name || "Painting"} · ${got.width} × ${got.height} px`;
  }
  changed("style_image");
}

// "drop it here, or paste it (Ctrl+V)" only where there is a mouse and keyboard; on a touch
// screen, "or take one" (the file input offers the camera there)
function pasteHint() {
  const hint = $("#paste-hint");
  const keyboard = matchMedia("(any-pointer: fine)").matches;
  hint.hidden = !keyboard;
  $("#touch-hint").hidden = keyboard;
  if (/Mac|iPhone|iPad/.test(navigator.platform)) hint.querySelector("kbd").textContent = "⌘";
}

export function setupPhoto() {
  pasteHint();
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
  $("#style-image").addEventListener("change", (e) => setStyleImage(e.target.files[0]));
}
