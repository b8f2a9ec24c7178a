// The review page: listen to the recording line by line, correct the text and the speaker, mark lines
// reviewed, save them into transcript.csv and make the exhibit again. Plain JavaScript, no libraries. Every
// address is relative to the page (/case/<name>/), so that this one script serves every case folder.
"use strict";

const audio = document.getElementById("audio");
const $ = (id) => document.getElementById(id);
let data = null;          // what /api/state gave: words, lines, speakers …
let current = 0;          // the line the keys act on
let playing = -1;         // the line the recording is in
let editing = null;       // {index, textarea, select} while a line is being edited
let dirty = false;
let loaded = new Map();   // line id → "speaker\ttext\tstatus" as the server last gave it (what a save compares)
let pending = [];         // edits a refused save could not write: shown beside the lines, to apply again
let dismissed = [];       // conflicts the person has dealt with, taken out of transcript.csv by the next save

function api(path, body) {
  const options = body === undefined ? {} : {method: "POST", headers: {"Content-Type": "application/json"},
                                             body: JSON.stringify(body)};
  return fetch(path, {credentials: "same-origin", ...options}).then(async (response) => {
    const answer = await response.json().catch(() => ({error: response.statusText}));
    if (!response.ok) throw Object.assign(new Error(answer.error || response.statusText), {stale: !!answer.stale});
    return answer;
  });
}

const shape = (line) => `${line.speaker_id}\t${line.text}\t${line.status}`;

async function load() {
  data = await api("api/state");
  loaded = new Map(data.lines.map((line) => [line.id, shape(line)]));
}

function hms(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return [Math.floor(s / 3600), Math.floor(s % 3600 / 60), s % 60].map((n) => String(n).padStart(2, "0")).join(":");
}

function say(text, kind) {
  const box = $("message");
  box.textContent = text;
  box.className = kind || "";
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

function speakerLabel(id) {
  const found = data.speakers.find((s) => s.id === id);
  return found ? found.label : id;
}

// ------------------------------------------------------------------------------------------------ drawing

function textNode(line) {
  const span = document.createElement("span");
  span.className = "text";
  for (const mark of line.marks) {
    const m = document.createElement("span");
    m.className = "mark";
    m.textContent = mark;
    span.appendChild(m);
  }
  let at = 0;
  for (const [start, end] of line.uncertain) {
    span.appendChild(document.createTextNode(line.text.slice(at, start)));
    const grey = document.createElement("span");
    grey.className = "uncertain";
    grey.textContent = line.text.slice(start, end);
    span.appendChild(grey);
    at = end;
  }
  span.appendChild(document.createTextNode(line.text.slice(at)));
  if (line.text !== line.machine_text) {
    const machine = document.createElement("span");
    machine.className = "machine";
    machine.textContent = data.words.machine_text + (line.machine_text || "—");
    span.appendChild(machine);
  }
  return span;
}

function drawLine(index) {
  const line = data.lines[index];
  const row = document.createElement("div");
  row.className = "line";
  row.dataset.index = index;
  row.dataset.id = line.id;
  const cells = [["num", String(line.number)], ["time", `[${hms(line.start)}]`], ["speaker", speakerLabel(line.speaker_id)]];
  for (const [name, text] of cells) {
    const cell = document.createElement("span");
    cell.className = name;
    cell.textContent = text;
    row.appendChild(cell);
  }
  row.appendChild(textNode(line));
  const actions = document.createElement("span");
  actions.className = "actions";
  const status = document.createElement("span");
  status.className = `status ${line.status}`;
  status.textContent = data.statuses[line.status] || line.status;
  actions.appendChild(status);
  for (const [name, label, act] of [["edit", data.words.edit, () => startEdit(index)],
                                    ["agree", data.words.mark_reviewed, () => markReviewed(index)]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = name;
    button.textContent = label;
    button.addEventListener("click", (event) => { event.stopPropagation(); act(); });
    actions.appendChild(button);
  }
  row.appendChild(actions);
  row.addEventListener("click", () => { if (!editing) playLine(index); });
  row.classList.toggle("current", index === current);
  row.classList.toggle("playing", index === playing);
  return row;
}

function redraw(index) {
  const old = document.querySelector(`.line[data-index="${index}"]`);
  old.replaceWith(drawLine(index));
}

function drawAll() {
  const box = $("lines");
  box.replaceChildren(...data.lines.map((_, i) => drawLine(i)));
  drawConflicts();
  count();
}

function drawConflicts() {
  // a person's reviews the lines no longer take: both texts, to review again (never applied by the software)
  const box = $("conflicts");
  box.hidden = data.conflicts.length === 0;
  if (!data.conflicts.length) { box.replaceChildren(); return; }
  const title = document.createElement("strong");
  title.textContent = data.conflict_words.heading;
  const intro = document.createElement("div");
  intro.className = "conflict-intro";
  intro.textContent = data.conflict_words.intro;
  const items = data.conflicts.map((c) => {
    const item = document.createElement("div");
    item.className = "conflict";
    const when = document.createElement("span");
    when.className = "time";
    when.textContent = `[${hms(c.start)}–${hms(c.end)}] ${c.speaker}`;
    const person = document.createElement("span");
    person.className = "person";
    const colon = data.language === "zh" ? "：" : ": ";
    person.textContent = `${data.conflict_words.person}${colon}${c.text}`;
    const machine = document.createElement("span");
    machine.className = "machine";
    machine.textContent = `${data.conflict_words.machine}${colon}${c.machine_text}`;
    const reason = document.createElement("span");
    reason.className = "reason";
    reason.textContent = c.reason;
    const done = document.createElement("button");
    done.type = "button";
    done.textContent = data.conflict_words.dismiss;
    done.addEventListener("click", (event) => {        // the person has dealt with it: out of the file on save
      event.stopPropagation();
      dismissed.push({start: c.start, end: c.end, text: c.text});
      data.conflicts = data.conflicts.filter((other) => other !== c);
      drawConflicts();
      changed();
    });
    item.append(when, person, machine, reason, done);
    item.addEventListener("click", () => { audio.currentTime = c.start; audio.play().catch(() => {}); });
    return item;
  });
  box.replaceChildren(title, intro, ...items);
}

function count() {
  const done = data.lines.filter((l) => l.status !== "machine").length;
  $("counter").textContent = fill(data.words.reviewed_count, {done, total: data.lines.length});
}

// ------------------------------------------------------------------------------------------------ playing

function setCurrent(index) {
  if (index < 0 || index >= data.lines.length) return;
  document.querySelector(".line.current")?.classList.remove("current");
  current = index;
  const row = document.querySelector(`.line[data-index="${index}"]`);
  row.classList.add("current");
  row.scrollIntoView({block: "nearest"});
}

function playLine(index) {
  setCurrent(index);
  audio.currentTime = data.lines[index].start;
  audio.play().catch(() => {});
}

function lineAt(time) {
  let found = -1;
  data.lines.forEach((line, i) => { if (line.start <= time + 0.01) found = i; });
  return found;
}

audio.addEventListener("timeupdate", () => {
  $("clock").textContent = hms(audio.currentTime);
  if (document.activeElement !== $("position")) $("position").value = audio.currentTime;
  const now = lineAt(audio.currentTime);
  if (now !== playing) {
    document.querySelector(".line.playing")?.classList.remove("playing");
    playing = now;
    const row = document.querySelector(`.line[data-index="${now}"]`);
    if (row) { row.classList.add("playing"); row.scrollIntoView({block: "nearest"}); }
  }
});
function lengthKnown() { if (audio.duration > 0 && isFinite(audio.duration)) $("position").max = audio.duration; }
audio.addEventListener("loadedmetadata", lengthKnown);
audio.addEventListener("durationchange", lengthKnown);
audio.addEventListener("play", () => { $("play").textContent = data.words.pause; });
audio.addEventListener("pause", () => { $("play").textContent = data.words.play; });

function toggle() { if (audio.paused) audio.play().catch(() => {}); else audio.pause(); }
function jump(seconds) { audio.currentTime = Math.max(0, Math.min(audio.duration || 0, audio.currentTime + seconds)); }
function speed(step) {
  const select = $("speed");
  const next = Math.max(0, Math.min(select.options.length - 1, select.selectedIndex + step));
  select.selectedIndex = next;
  audio.playbackRate = Number(select.value);
}

// ------------------------------------------------------------------------------------------------ editing

function changed() {
  dirty = true;
  say(data.words.unsaved, "dirty");
  count();
}

function markReviewed(index) {
  const line = data.lines[index];
  const edited = line.text !== line.machine_text || line.speaker_id !== line.machine_speaker_id;
  line.status = edited ? "corrected" : "reviewed";
  redraw(index);
  changed();
}

function startEdit(index) {
  if (editing) finishEdit(false);
  setCurrent(index);
  const line = data.lines[index];
  const row = document.querySelector(`.line[data-index="${index}"]`);
  const select = document.createElement("select");
  select.className = "speaker-select";
  for (const s of data.speakers) select.add(new Option(s.label, s.id, false, s.id === line.speaker_id));
  const textarea = document.createElement("textarea");
  textarea.className = "edit";
  textarea.value = line.text;
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); finishEdit(true); }
    if (event.key === "Escape") { event.preventDefault(); finishEdit(false); }
    event.stopPropagation();
  });
  const done = document.createElement("button");
  done.type = "button";
  done.className = "done";
  done.textContent = data.words.done;
  done.addEventListener("click", (event) => { event.stopPropagation(); finishEdit(true); });
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.textContent = data.words.cancel;
  cancel.addEventListener("click", (event) => { event.stopPropagation(); finishEdit(false); });
  row.querySelector(".speaker").replaceChildren(select);
  const box = row.querySelector(".text");
  box.replaceChildren(textarea, done, cancel);
  editing = {index, textarea, select};
  textarea.focus();
}

function finishEdit(keep) {
  const {index, textarea, select} = editing;
  editing = null;
  const line = data.lines[index];
  if (keep && (textarea.value.trim() !== line.text || select.value !== line.speaker_id)) {
    line.text = textarea.value.trim().replace(/\s*\n\s*/g, " ");
    line.speaker_id = select.value;
    const edited = line.text !== line.machine_text || line.speaker_id !== line.machine_speaker_id;
    line.status = edited ? "corrected" : "reviewed";
    line.uncertain = [];
    line.marks = [];
    changed();
  }
  redraw(index);
}

// ------------------------------------------------------------------------------------------- save, render

async function save() {
  // only the lines changed since the page loaded them, and the version loaded: a save over newer work is refused
  const changedLines = data.lines.filter((l) => loaded.get(l.id) !== shape(l));
  const lines = changedLines.map((l) => ({id: l.id, speaker_id: l.speaker_id, text: l.text, status: l.status}));
  try {
    const answer = await api("api/save", {version: data.version, lines, dismiss: dismissed});
    data.version = answer.version;
    dismissed = [];
    for (const l of changedLines) loaded.set(l.id, shape(l));
    dirty = false;
    say(fill(data.words.saved, {file: answer.file}));
    return true;
  } catch (error) {
    if (error.stale) {         // another tab, Excel or a run changed the file: show it as it is, and the edits
      pending = pending.concat(changedLines.map((l) => ({id: l.id, start: l.start, speaker_id: l.speaker_id,
                                                         text: l.text, status: l.status})));
      await load();
      dirty = false;
      drawAll();
      drawPending();
      setCurrent(Math.min(current, data.lines.length - 1));
    }
    say(fill(data.words.failed, {error: error.message}), "error");
    return false;
  }
}

function drawPending() {
  const box = $("pending");
  box.hidden = pending.length === 0;
  if (!pending.length) { box.replaceChildren(); return; }
  const title = document.createElement("strong");
  title.textContent = data.words.pending_title;
  const items = pending.map((edit, i) => {
    const item = document.createElement("div");
    item.className = "pending-edit";
    const index = data.lines.findIndex((l) => l.id === edit.id && Math.abs(l.start - edit.start) < 0.5);
    const colon = data.language === "zh" ? "：" : ": ";
    item.textContent = `[${hms(edit.start)}] ${speakerLabel(edit.speaker_id)}${colon}${edit.text} `;
    if (index >= 0) {          // the same line is still there: apply the edit to it again, for the person to save
      const again = document.createElement("button");
      again.type = "button";
      again.textContent = data.words.pending_apply;
      again.addEventListener("click", () => {
        Object.assign(data.lines[index], {speaker_id: edit.speaker_id, text: edit.text, status: edit.status,
                                          uncertain: [], marks: []});
        pending.splice(i, 1);
        redraw(index);
        drawPending();
        changed();
      });
      item.appendChild(again);
    }
    return item;
  });
  box.replaceChildren(title, ...items);
}

async function render() {
  if (dirty && !(await save())) return;
  say(data.words.rendering);
  $("render").disabled = true;
  try {
    const answer = await api("api/render", {});
    await load();                             // the lines as the new run reviewed them (marks, statuses)
    drawAll();
    setCurrent(current);
    say(fill(data.words.rendered, {file: answer.exhibit, seconds: answer.seconds}));
  } catch (error) {
    say(fill(data.words.failed, {error: error.message}), "error");
  } finally {
    $("render").disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------------- keys

document.addEventListener("keydown", (event) => {
  if (editing || event.target.tagName === "SELECT" || event.target.tagName === "INPUT" && event.target.type !== "range") return;
  const keys = {
    " ": toggle, ArrowLeft: () => jump(-5), ArrowRight: () => jump(5),
    ArrowUp: () => playLine(Math.max(0, current - 1)), ArrowDown: () => playLine(Math.min(data.lines.length - 1, current + 1)),
    Enter: () => startEdit(current), r: () => markReviewed(current), R: () => markReviewed(current),
    "[": () => speed(-1), "]": () => speed(1),
  };
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") { event.preventDefault(); save(); return; }
  if (event.ctrlKey || event.metaKey || event.altKey || !(event.key in keys)) return;
  event.preventDefault();
  keys[event.key]();
});

window.addEventListener("beforeunload", (event) => {
  if (dirty || pending.length) { event.preventDefault(); event.returnValue = ""; }
});

// ---------------------------------------------------------------------------------------------------- start

async function start() {
  await load();
  const w = data.words;
  document.title = w.title;
  $("title").textContent = w.title;
  $("file").textContent = data.file;
  $("save").textContent = w.save;
  $("render").textContent = w.render;
  $("play").textContent = w.play;
  $("back").textContent = w.back_short;
  $("back").title = w.back;
  $("forward").textContent = w.forward_short;
  $("forward").title = w.forward;
  $("speed-label").textContent = `${w.speed} `;
  $("position").setAttribute("aria-label", w.position);
  const help = document.createElement("ul");
  for (const item of [...w.help, fill(w.uncertain, {threshold: data.threshold})]) {
    const li = document.createElement("li");
    li.textContent = item;
    help.appendChild(li);
  }
  const heading = document.createElement("strong");
  heading.textContent = w.help_title;
  $("help").replaceChildren(heading, help);
  $("play").addEventListener("click", toggle);
  $("back").addEventListener("click", () => jump(-5));
  $("forward").addEventListener("click", () => jump(5));
  $("speed").addEventListener("change", () => { audio.playbackRate = Number($("speed").value); });
  $("position").addEventListener("input", () => { audio.currentTime = Number($("position").value); });
  $("save").addEventListener("click", save);
  $("render").addEventListener("click", render);
  lengthKnown();
  drawAll();
  setCurrent(0);
}

start().catch((error) => say(error.message, "error"));
