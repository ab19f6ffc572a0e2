// painterly studio: the style gallery. A listbox (one tab stop) of options grouped by family;
// the arrow keys move between styles (left/right in reading order, up/down by row, Home/End)
// and the style in focus is chosen, as in a radio group. Search hides the styles that do not match.
import { $, $$, FAMILY_NAMES, api, changed, clearError, showError, studio } from "./core.js";

const options = () => $$(".style-option").filter((o) => !o.hidden);

export async function loadStyles() {
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
    const group = document.createElement("div");
    group.className = "family";
    group.setAttribute("role", "group");
    const h = document.createElement("div");
    h.className = "family-name";
    h.id = `family-${fam}`;
    h.textContent = FAMILY_NAMES[fam] || fam;
    group.setAttribute("aria-labelledby", h.id);
    const grid = document.createElement("div");
    grid.className = "grid";
    for (const s of studio.styles.filter((x) => x.family === fam)) grid.append(option(s));
    group.append(h, grid);
    gallery.append(group);
  }
  rove(options()[0]);
  document.dispatchEvent(new CustomEvent("studio:styles", { detail: studio.styles }));
}

function option(s) {
  const o = document.createElement("div");
  o.className = "style-option";
  o.id = `style-${s.name}`;
  o.setAttribute("role", "option");
  o.setAttribute("aria-selected", "false");
  o.setAttribute("data-testid", "style-option");
  o.tabIndex = -1;
  o.dataset.style = s.name;
  o.title = s.description;
  o.dataset.search = [s.name, s.description, ...(s.tags || []), ...(s.aliases || []), s.family].join(" ").toLowerCase();
  const img = document.createElement("img");
  img.loading = "lazy";
  img.alt = "";
  img.draggable = false;
  img.width = 160; img.height = 106;  // the previews' size: no layout shift while they load
  img.src = s.preview;
  const label = document.createElement("span");
  label.textContent = s.name;  // the name people type on the command line too
  o.append(img, label);
  o.addEventListener("click", () => { chooseStyle(s.name); o.focus(); });
  return o;
}

// Roving tab stop: only one option is in the tab order (the chosen one, else the first shown).
function rove(target) {
  for (const o of $$(".style-option")) o.tabIndex = o === target ? 0 : -1;
}

export function chooseStyle(name) {
  clearError("style");
  studio.style = name;
  let chosen = null;
  for (const o of $$(".style-option")) {
    const on = o.dataset.style === name;
    o.setAttribute("aria-selected", String(on));
    if (on) chosen = o;
  }
  if (chosen) rove(chosen);
  const s = studio.styles.find((x) => x.name === name);
  $("#style-chosen").textContent = s ? `${name.replace(/-/g, " ")}: ${s.description}` : name;
  changed("style");
}

// The option in the next row (down) or previous row (up) nearest to this one's centre.
function vertical(from, list, down) {
  const r = from.getBoundingClientRect();
  const cx = r.left + r.width / 2;
  const rows = list.map((o) => [o, o.getBoundingClientRect()])
    .filter(([, b]) => (down ? b.top > r.top + r.height / 2 : b.bottom < r.top + r.height / 2));
  if (!rows.length) return null;
  const rowTop = down ? Math.min(...rows.map(([, b]) => b.top)) : Math.max(...rows.map(([, b]) => b.top));
  const row = rows.filter(([, b]) => Math.abs(b.top - rowTop) < 4);
  row.sort((a, b) => Math.abs(a[1].left + a[1].width / 2 - cx) - Math.abs(b[1].left + b[1].width / 2 - cx));
  return row[0][0];
}

function onKey(e) {
  const list = options();
  const at = list.indexOf(document.activeElement);
  if (at < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
  let to = null;
  if (e.key === "ArrowRight") to = list[Math.min(at + 1, list.length - 1)];
  else if (e.key === "ArrowLeft") to = list[Math.max(at - 1, 0)];
  else if (e.key === "ArrowDown") to = vertical(list[at], list, true) || list[list.length - 1];
  else if (e.key === "ArrowUp") to = vertical(list[at], list, false) || list[0];
  else if (e.key === "Home") to = list[0];
  else if (e.key === "End") to = list[list.length - 1];
  else if (e.key === " " || e.key === "Enter") to = list[at];
  else return;
  e.preventDefault();
  chooseStyle(to.dataset.style);
  to.focus();
  to.scrollIntoView({ block: "nearest" });
}

function filterStyles(q) {
  q = q.trim().toLowerCase();
  for (const fam of $$(".family")) {
    let any = false;
    for (const o of $$(".style-option", fam)) {
      const show = !q || q.split(/\s+/).every((w) => o.dataset.search.includes(w));
      o.hidden = !show;
      any = any || show;
    }
    fam.hidden = !any;
  }
  const shown = options();
  const chosen = shown.find((o) => o.dataset.style === studio.style);
  rove(chosen || shown[0]);
}

export function setupGallery() {
  $("#gallery").addEventListener("keydown", onKey);
  $("#style-search").addEventListener("input", (e) => filterStyles(e.target.value));
  // Down from the search box goes into the gallery, as in a combobox
  $("#style-search").addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown") return;
    const target = options().find((o) => o.tabIndex === 0);
    if (target) { e.preventDefault(); target.focus(); }
  });
}
