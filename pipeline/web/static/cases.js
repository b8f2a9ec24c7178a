// The Cases page (案件): every case folder of the app's root with its state, and a link to each folder's
// review step. Plain JavaScript, no libraries; the words come from the server (configs/exhibit_<lang>.toml).
"use strict";

const $ = (id) => document.getElementById(id);

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(found, words) {
  const tr = document.createElement("tr");
  tr.className = "case";
  tr.dataset.name = found.name;
  tr.dataset.state = found.state;
  tr.append(cell(found.name, "name"), cell(found.state_label, `state ${found.state}`), cell(found.why, "why"));
  const step = document.createElement("td");
  step.className = "step";
  if (found.next) {
    const next = document.createElement("a");
    next.className = "next";
    next.href = found.next;               // the step that comes next for this folder
    next.textContent = found.next_label;
    step.appendChild(next);
  }
  if (found.review) {
    const link = document.createElement("a");
    link.className = "review";
    link.href = found.review;             // relative to this page: case/<name>/
    link.textContent = words.review;
    step.appendChild(link);
  }
  tr.appendChild(step);
  return tr;
}

async function start() {
  const response = await fetch("api/cases", {credentials: "same-origin"});
  const answer = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) throw new Error(answer.error || response.statusText);
  const words = answer.words;
  document.title = words.title;
  $("title").textContent = words.title;
  $("intro").textContent = words.intro.replace("{root}", answer.root);
  for (const [id, key] of [["col-name", "name"], ["col-state", "state"], ["col-detail", "detail"], ["col-step", "step"]]) {
    $(id).textContent = words[key];
  }
  $("cases").querySelector("tbody").replaceChildren(...answer.cases.map((found) => row(found, words)));
  $("cases").hidden = answer.cases.length === 0;
  $("empty").hidden = answer.cases.length !== 0;
  $("empty").textContent = words.empty;
  for (const [id, key] of [["new-title", "new_title"], ["drop-text", "drop"], ["spoken-label", "spoken"],
                           ["spoken-auto", "spoken_auto"], ["spoken-zh", "spoken_zh"], ["spoken-en", "spoken_en"],
                           ["speakers-label", "speaker_count"], ["send", "send"]]) {
    $(id).textContent = words[key];
  }
  $("speakers").title = $("speakers-hint").textContent = words.speaker_count_help;
  return words;
}

// ------------------------------------------------------------------------------------------ a new recording

let chosen = null;
let shown = null;          // the page's words, once the server gave them

function choose(file) {
  const words = shown;
  chosen = file || null;
  $("send").disabled = !chosen || !words;
  if (!words) return;
  $("drop-text").textContent = chosen ? fill(words.chosen, {name: chosen.name, size: size(chosen.size)}) : words.drop;
}

function size(bytes) {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(2)} GB` : `${(bytes / (1 << 20)).toFixed(1)} MB`;
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

function send() {
  const words = shown, file = chosen;
  const query = new URLSearchParams({name: file.name, language: $("spoken").value,
                                     speakers: String(Number($("speakers").value) || 0),
                                     modified: String(file.lastModified || "")});
  const request = new XMLHttpRequest();        // streams the file as it is, and says how much has gone
  request.open("POST", `api/upload?${query}`);
  request.setRequestHeader("Content-Type", "application/octet-stream");
  request.upload.onprogress = (event) => {
    if (!event.lengthComputable) return;
    $("sent-share").value = event.loaded / event.total;
    $("sent-text").textContent = fill(words.sending, {sent: size(event.loaded), total: size(event.total)});
  };
  request.onload = () => {
    let answer;
    try { answer = JSON.parse(request.responseText); } catch (_) { answer = {error: request.responseText.trim()}; }
    if (request.status !== 200) {
      failed(answer.error || request.statusText);
      return;
    }
    $("sent-text").textContent = fill(words.received, answer);
    $("message").className = "done";
    $("message").textContent = fill(words.received, answer);
    window.location.href = `case/${encodeURIComponent(answer.name)}/progress/`;
  };
  request.onerror = () => failed(words.send_failed);
  $("send").disabled = true;
  $("sending").hidden = false;
  request.send(file);
}

function failed(text) {
  $("message").className = "error";
  $("message").textContent = text;
  $("send").disabled = !chosen;
}

function newRecording() {
  $("file").addEventListener("change", () => choose($("file").files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    choose(event.dataTransfer.files[0]);
  });
  $("send").addEventListener("click", send);
}

newRecording();
start().then((words) => { shown = words; choose($("file").files[0]); }).catch((error) => {
  $("message").className = "error";
  $("message").textContent = String(error.message || error);
});
