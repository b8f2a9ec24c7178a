// The key-facts step (关键内容): every row of key_facts.csv as the file holds it, each with a button that plays
// its line (from its start, paused at its end); a note per row and a remove button (confirmed), saved into
// key_facts.csv together; then the documents made again. Plain JavaScript, no libraries; ask() is app.js's.
// Every address is relative to the page (/case/<name>/facts/): the sound and the making of the documents are
// the review step's (../audio, ../api/render).
"use strict";

const audio = document.getElementById("audio");
const $ = (id) => document.getElementById(id);
let data = null;              // what api/state gave: words, rows, version …
let notes = new Map();        // fact_id → the note as written in the page, where it differs from the file's
let removed = new Set();      // fact_ids to remove when saved
let stopAt = null;            // where the fact being played ends (seconds), null when none is played
let playing = -1;             // the index of the row being played

function say(text, kind) {
  const box = $("message");
  box.textContent = text;
  box.className = kind || "";
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

const dirty = () => notes.size > 0 || removed.size > 0;

function changed() {
  $("save").disabled = !dirty();
  if (dirty()) say(data.words.unsaved, "dirty");
}

// --------------------------------------------------------------------------------------------- drawing

function cell(name, text) {
  const td = document.createElement("td");
  td.className = name;
  if (text !== undefined) td.textContent = text;
  return td;
}

function remark(text, kind) {
  const span = document.createElement("span");
  span.className = `remark ${kind || ""}`;
  span.textContent = text;
  return span;
}

function lineCell(row) {
  // the line as the file holds it, the matched words in it marked
  const td = cell("text");
  const at = row.matched ? row.text.indexOf(row.matched) : -1;
  if (at < 0) {
    td.textContent = row.text;
  } else {
    const strong = document.createElement("strong");
    strong.textContent = row.matched;
    td.append(row.text.slice(0, at), strong, row.text.slice(at + row.matched.length));
  }
  if (row.remark) td.appendChild(remark(data.words[row.remark]));
  return td;
}

function button(name, label, act) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = name;
  b.textContent = label;
  b.addEventListener("click", act);
  return b;
}

function drawRow(row, index) {
  const w = data.words;
  const tr = document.createElement("tr");
  tr.className = "fact";
  tr.dataset.factId = row.fact_id;
  tr.dataset.row = row.row;
  tr.dataset.index = index;
  const category = cell("category", row.category_label);
  if (row.counsel_only) category.appendChild(remark(w.counsel_only, "counsel"));
  tr.append(cell("time", row.time), cell("speaker", row.speaker), lineCell(row), category,
            cell("matched", row.matched), cell("value", row.value), cell("explanation", row.explanation));
  const note = cell("note");
  const actions = cell("actions");
  if (row.editable) {
    const box = document.createElement("textarea");
    box.value = notes.has(row.fact_id) ? notes.get(row.fact_id) : row.note;
    box.placeholder = w.note_placeholder;
    box.setAttribute("aria-label", w.col_note);
    box.disabled = removed.has(row.fact_id);
    box.addEventListener("input", () => {
      if (box.value.trim() === row.note) notes.delete(row.fact_id); else notes.set(row.fact_id, box.value);
      tr.classList.toggle("changed", notes.has(row.fact_id));
      changed();
    });
    note.appendChild(box);
  } else {
    note.textContent = row.note;
  }
  if (row.play) actions.appendChild(button("play", index === playing ? w.stop : w.play, () => play(index)));
  if (row.editable) {
    if (removed.has(row.fact_id)) {
      actions.appendChild(button("undo", w.undo, () => { removed.delete(row.fact_id); redraw(index); changed(); }));
    } else {
      actions.appendChild(button("remove", w.remove, () => remove(index)));
    }
  }
  if (removed.has(row.fact_id)) {
    tr.classList.add("removing");
    const mark = document.createElement("span");
    mark.className = "removing-mark";
    mark.textContent = w.removing;
    actions.appendChild(mark);
  }
  tr.append(note, actions);
  tr.classList.toggle("changed", notes.has(row.fact_id));
  tr.classList.toggle("playing", index === playing);
  return tr;
}

function redraw(index) {
  document.querySelector(`tr.fact[data-index="${index}"]`).replaceWith(drawRow(data.rows[index], index));
}

function drawAll() {
  const w = data.words;
  $("count").textContent = fill(w.count, {count: data.rows.length});
  $("facts").querySelector("tbody").replaceChildren(...data.rows.map(drawRow));
  $("facts").hidden = data.rows.length === 0;
  $("empty").hidden = data.rows.length !== 0;
  $("empty").textContent = data.exists ? w.empty : w.no_file;
  const notice = !data.exists ? "" : !data.has_ids ? w.no_ids : data.documents_older ? w.documents_older : "";
  $("notice").hidden = !notice;
  $("notice").textContent = notice;
  $("save").disabled = !dirty();
}

// --------------------------------------------------------------------------------------------- playing

function showPlaying(index, on) {
  const tr = document.querySelector(`tr.fact[data-index="${index}"]`);
  if (!tr) return;
  tr.classList.toggle("playing", on);
  const b = tr.querySelector("button.play");
  if (b) b.textContent = on ? data.words.stop : data.words.play;
}

function play(index) {
  if (index === playing && !audio.paused) { audio.pause(); return; }
  const row = data.rows[index];
  if (playing >= 0) showPlaying(playing, false);
  playing = index;
  stopAt = row.play.end;
  showPlaying(index, true);
  audio.currentTime = row.play.start;
  audio.play().catch((error) => say(fill(data.words.failed, {error: error.message}), "error"));
  requestAnimationFrame(watch);
}

function watch() {
  // paused at the fact's end, checked every frame (timeupdate alone comes a quarter of a second apart)
  if (stopAt === null || audio.paused) return;
  if (audio.currentTime >= stopAt) { audio.pause(); return; }
  requestAnimationFrame(watch);
}

audio.addEventListener("timeupdate", () => { if (stopAt !== null && audio.currentTime >= stopAt) audio.pause(); });
audio.addEventListener("pause", () => {
  if (playing >= 0) showPlaying(playing, false);
  playing = -1;
  stopAt = null;
});

// ---------------------------------------------------------------------------------------- edits, save

function remove(index) {
  const row = data.rows[index];
  const question = fill(data.words.confirm_remove, {time: row.time, speaker: row.speaker, matched: row.matched});
  if (!window.confirm(`${question}\n\n${data.words.removed_stays}`)) return;
  removed.add(row.fact_id);
  notes.delete(row.fact_id);
  redraw(index);
  changed();
}

async function load() {
  data = await ask("api/state");
  notes = new Map();
  removed = new Set();
}

async function save() {
  const body = {version: data.version, notes: Object.fromEntries(notes), remove: [...removed]};
  try {
    const answer = await ask("api/save", body);
    if (!audio.paused) audio.pause();
    await load();
    drawAll();
    say(fill(data.words.saved, {file: answer.file}));
    return true;
  } catch (error) {
    say(fill(data.words.failed, {error: error.message}), "error");
    $("reload").hidden = !(error.answer && error.answer.stale);
    return false;
  }
}

async function render() {
  if (dirty() && !(await save())) return;
  say(data.words.rendering);
  $("render").disabled = true;
  try {
    const answer = await ask("../api/render", {});
    if (!audio.paused) audio.pause();
    await load();                          // key_facts.csv as the run wrote it again
    drawAll();
    say(fill(data.words.rendered, {file: answer.exhibit, seconds: answer.seconds}));
  } catch (error) {
    say(fill(data.words.failed, {error: error.message}), "error");
  } finally {
    $("render").disabled = false;
  }
}

window.addEventListener("beforeunload", (event) => {
  if (dirty()) { event.preventDefault(); event.returnValue = ""; }
});

// ----------------------------------------------------------------------------------------------- start

async function start() {
  await load();
  const w = data.words;
  $("title").textContent = w.title;
  $("intro").textContent = w.intro;
  $("counsel-notes").textContent = fill(w.counsel_notes, {counsel: data.counsel, court: data.court});
  $("removed-stays").textContent = w.removed_stays;
  for (const th of document.querySelectorAll("th[data-word]")) th.textContent = w[th.dataset.word];
  $("save").textContent = w.save;
  $("render").textContent = w.render;
  $("reload").textContent = w.reload;
  $("save").addEventListener("click", save);
  $("render").addEventListener("click", render);
  $("reload").addEventListener("click", () => { notes = new Map(); removed = new Set(); window.location.reload(); });
  drawAll();
}

start().catch((error) => say(error.message, "error"));
