// The speakers step (说话人): every voice of the folder's speakers.csv with its clip, talk time and sample lines,
// and the name, role and basis of identification the person gives each, saved into speakers.csv; then the
// documents made again (the review step's ../api/render). Plain JavaScript, no libraries; the words come from the
// server (configs/exhibit_<lang>.toml [app.speakers]).
"use strict";

const $ = (id) => document.getElementById(id);
const COLUMNS = ["name", "role", "identified_by"];
const BLANK = /[^\p{Z}\p{Cc}\p{Cf}\s\u3164\uffa0\u115f\u1160\u2800]/u;   // a character a reader can see
let current = null;               // the state the page shows: {version, voices, words, …}
let loaded = {};                  // id → {name, role, identified_by} as the file held them when loaded

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function field(voice, column, words) {
  const label = element("label", `field ${column}`);
  const input = element("input");
  input.type = "text";
  input.dataset.column = column;
  input.value = voice[column];
  input.placeholder = words[{name: "name_hint", role: "role_hint", identified_by: "basis_hint"}[column]];
  if (column === "role") input.setAttribute("list", "roles");
  if (column === "identified_by") input.setAttribute("list", "bases");
  input.addEventListener("input", () => changed(input.closest(".voice")));
  label.append(element("span", "field-name", words[column]), input);
  return label;
}

function card(voice, words) {
  const section = element("section", "voice");
  section.dataset.id = voice.id;
  const who = element("div", "who");
  const heading = element("h2", "label", voice.label);
  heading.append(element("span", "sid", voice.id));
  who.appendChild(heading);
  if (voice.clip) {
    const audio = element("audio", "clip");
    audio.controls = true;
    audio.preload = "metadata";
    audio.src = voice.clip;                  // relative to this page: clip/<id>
    audio.addEventListener("play", () => {
      for (const other of document.querySelectorAll("audio.clip")) if (other !== audio) other.pause();
    });
    who.appendChild(audio);
  } else {
    who.appendChild(element("div", "no-clip", words.no_clip));
  }
  const stats = [fill(words.talk_time, {time: voice.talk_time}), fill(words.turns, {turns: voice.turns})];
  if (voice.first_heard || voice.last_heard) stats.push(fill(words.heard, {first: voice.first_heard, last: voice.last_heard}));
  who.appendChild(element("div", "stats", stats.join(" · ")));
  const samples = element("div", "samples");
  samples.appendChild(element("div", "samples-title", words.samples));
  const list = element("ol");
  for (const line of voice.samples) list.appendChild(element("li", "sample", line));
  samples.appendChild(list);
  const fields = element("div", "fields");
  for (const column of COLUMNS) fields.appendChild(field(voice, column, words));
  fields.append(element("p", "flag unsourced", words.unsourced), element("p", "flag invisible", words.invisible));
  section.append(who, samples, fields);
  return section;
}

function values(section) {
  const found = {};
  for (const input of section.querySelectorAll("input[data-column]")) found[input.dataset.column] = input.value;
  return found;
}

function changed(section) {
  const now = values(section), was = loaded[section.dataset.id];
  for (const input of section.querySelectorAll("input[data-column]")) {
    const column = input.dataset.column;
    input.classList.toggle("changed", now[column] !== was[column]);
    if (now[column] === was[column]) input.classList.remove("pending");
  }
  const named = BLANK.test(now.name);
  section.querySelector(".flag.unsourced").hidden = !(named && !now.identified_by.trim());
  section.querySelector(".flag.invisible").hidden = !(now.name.trim() && !named);
  section.classList.toggle("named", named);
  summary();
}

function edits() {
  const found = [];
  for (const section of document.querySelectorAll(".voice")) {
    const now = values(section), was = loaded[section.dataset.id];
    const edit = {id: section.dataset.id};
    for (const column of COLUMNS) if (now[column] !== was[column]) edit[column] = now[column];
    if (Object.keys(edit).length > 1) found.push(edit);
  }
  return found;
}

function summary() {
  const words = current.words;
  const unnamed = current.voices.filter((v) => v.counts && !BLANK.test(values(voiceCard(v.id)).name)).length;
  $("count").textContent = unnamed ? fill(words.unnamed, {count: unnamed}) : words.all_named;
  $("count").className = unnamed ? "unnamed" : "all-named";
  const dirty = edits().length > 0;
  $("save").disabled = !dirty;
  if (dirty) say(words.unsaved, "dirty");
  else if ($("message").className === "dirty") say("", "");
}

function voiceCard(id) {
  return [...document.querySelectorAll(".voice")].find((s) => s.dataset.id === id);
}

function say(text, className) {
  $("message").textContent = text;
  $("message").className = className;
}

async function load() {
  current = await ask("api/state");
  const words = current.words;
  $("title").textContent = words.title;
  $("intro").textContent = words.intro;
  $("court-says").textContent = words.court_says;
  $("court-text").textContent = current.court_says;
  $("basis-why").textContent = words.basis_why;
  $("save").textContent = words.save;
  $("render").textContent = words.render;
  $("render-needed").textContent = words.render_needed;
  $("file").textContent = fill(words.file, {file: current.file});
  $("roles").replaceChildren(...current.roles.map((r) => Object.assign(element("option"), {value: r})));
  $("bases").replaceChildren(...current.bases.map((b) => Object.assign(element("option"), {value: b})));
  loaded = Object.fromEntries(current.voices.map((v) => [v.id, Object.fromEntries(COLUMNS.map((c) => [c, v[c]]))]));
  $("voices").replaceChildren(...current.voices.map((v) => card(v, words)));
  for (const section of document.querySelectorAll(".voice")) changed(section);
  made(current.made);
}

function made(yes) {              // the documents were made from speakers.csv as it is now: nothing to make again
  $("render-needed").hidden = yes;
  $("render").hidden = yes;
}

async function save() {
  const words = current.words, mine = edits();
  if (!mine.length) return;
  $("save").disabled = true;
  say(words.saving, "");
  try {
    const answer = await ask("api/save", {version: current.version, speakers: mine});
    await load();
    say(fill(words.saved, {file: answer.file}), "saved");
  } catch (error) {
    if (error.status === 409) {                 // the file changed since: show it as it is, the person's entries kept
      await load();
      for (const edit of mine) {
        const section = voiceCard(edit.id);
        if (!section) continue;
        for (const column of COLUMNS) {
          if (!(column in edit)) continue;
          const input = section.querySelector(`input[data-column="${column}"]`);
          input.value = edit[column];
          input.classList.add("pending");
        }
        changed(section);
      }
      say(fill(words.stale, {error: error.message}), "error");
    } else {
      say(fill(words.failed, {error: error.message}), "error");
      summary();
    }
  }
}

async function render() {
  const words = current.words;
  $("render").disabled = true;
  say(words.rendering, "");
  try {
    const answer = await ask("../api/render", {});
    made((await ask("api/state")).made);        // the entries being typed meanwhile stay as they are
    say(fill(words.rendered, {file: answer.exhibit, seconds: answer.seconds}), "saved");
  } catch (error) {
    say(fill(words.failed, {error: error.message}), "error");
  } finally {
    $("render").disabled = false;
  }
}

$("save").addEventListener("click", save);
$("render").addEventListener("click", render);
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
    event.preventDefault();
    save();
  }
});
window.addEventListener("beforeunload", (event) => {
  if (current && edits().length) event.preventDefault();
});

load().catch((error) => say(String(error.message || error), "error"));
