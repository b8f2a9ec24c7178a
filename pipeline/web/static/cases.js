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
}

start().catch((error) => {
  $("message").className = "error";
  $("message").textContent = String(error.message || error);
});
