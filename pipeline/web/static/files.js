// The files step (文件): whether the court copy may be filed and what is missing (each reason with a link to the
// step that fixes it), the documents to download, the court copy's first page (its PDF made on first open), and
// the evidence package made and downloaded with its checksums. Plain JavaScript; the words come from the server
// (configs/exhibit_<lang>.toml [app.files]); the addresses are relative to /case/<name>/files/.
"use strict";

const $ = (id) => document.getElementById(id);
const ROWS = [["court_docx", "court_docx_note"], ["court_pdf", "court_pdf_note"], ["counsel_docx", "counsel_docx_note"]];
let words = {};
let shown = null;
let previewAsked = false;

function size(bytes) {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KB`;
  return `${bytes} B`;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function say(id, text, kind) {
  $(id).textContent = text;
  $(id).className = kind || "";
}

function link(href, text, className) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  if (className) a.className = className;
  return a;
}

function showStatus(state) {
  $("status").className = state.may_file ? "may-file" : "draft";
  const badge = document.createElement("span");
  badge.className = `badge ${state.state}`;
  badge.textContent = state.verdict_label;
  let text = state.may_file ? words.may_file + (state.reasons.length ? ` ${words.names_left}` : "") : words.draft;
  if (state.behind.length) text = words.behind.replace("{files}", state.behind.join("、"));
  $("verdict").replaceChildren(badge, document.createTextNode(text));
  $("update").hidden = state.behind.length === 0;
  $("update").textContent = words.update;
  $("reasons").replaceChildren(...state.reasons.map((reason) => {
    const li = document.createElement("li");
    li.dataset.reason = reason.reason;
    li.append(document.createTextNode(reason.text + " "), link(reason.href, reason.fix, "fix"));
    return li;
  }));
  $("reasons").hidden = state.reasons.length === 0 || state.behind.length > 0;   // the old documents' reasons
}

function showDocuments(state) {
  $("documents").querySelector("tbody").replaceChildren(...ROWS.map(([role, note]) => {
    const tr = document.createElement("tr");
    tr.dataset.role = role;
    const found = state.files[role];
    const what = document.createElement("td");
    const label = document.createElement("strong");
    label.textContent = words[role];
    const says = document.createElement("div");
    says.className = role === "counsel_docx" ? "note counsel" : "note";
    says.textContent = role === "court_docx" && state.draft ? words.court_docx_draft : words[note];
    what.append(label, says);
    tr.append(what);
    if (found) {
      const get = cell("", "get");
      get.appendChild(link(found.href, words.download, "download"));
      get.querySelector("a").setAttribute("download", found.name);
      tr.append(cell(found.name, "name"), cell(size(found.size), "size"), get);
    } else {
      tr.append(cell(role === "court_pdf" ? words.court_pdf_missing : words.missing, "missing"), cell(""), cell(""));
    }
    return tr;
  }));
}

function showPackage(state) {
  const made = state.package;
  $("package-made").hidden = !made;
  if (!made) {
    if (!$("package-message").textContent) say("package-message", words.package_none);
    return;
  }
  const note = made.draft ? words.package_draft : made.current ? words.package_made : words.package_old;
  say("package-note", note, made.current && !made.draft ? "ok" : "warning");
  $("package-facts").querySelector("tbody").replaceChildren(...[
    [words.zip_name, made.name, "zip-name"], [words.zip_size, words.bytes.replace("{bytes}", made.size.toLocaleString()).replace("{size}", size(made.size)), "zip-size"],
    [words.zip_sha256, made.sha256, "zip-sha256"]].map(([label, value, id]) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.textContent = label;
    tr.append(th, cell(value, id));
    return tr;
  }));
  $("package-download").textContent = `${words.download} ${made.name}`;
  $("package-download").setAttribute("download", made.name);
  $("sums-title").textContent = words.sums;
  $("sums").textContent = made.sums;
}

function showPreview(state) {
  const look = state.preview;
  $("make-preview").hidden = !look || Boolean(look.png);      // shown to make it, or to try again
  if (!look) return;
  if (look.png) {
    if ($("page").getAttribute("src") !== look.png) $("page").src = look.png;
    $("page").hidden = false;
    if ($("preview-message").className !== "error") say("preview-message", "");
  } else {
    $("page").hidden = true;
    if (!previewAsked) makePreview();          // first open: the PDF and its first page take a few seconds
  }
}

function show(state) {
  shown = state;
  words = state.words;
  document.body.dataset.state = state.state;
  $("title").textContent = words.title;
  $("intro").textContent = words.intro;
  $("documents-title").textContent = words.documents;
  $("col-what").textContent = words.what;
  $("col-file").textContent = words.file;
  $("col-size").textContent = words.size;
  $("package-title").textContent = words.package;
  $("package-intro").textContent = words.package_intro;
  $("make-package").textContent = words.make_package;
  $("preview-title").textContent = words.preview;
  $("make-preview").textContent = words.make_preview;
  $("page").alt = words.preview_alt;
  if (!state.finished) {
    say("message", state.state === "processing" ? words.processing : words.not_finished);
    $("status").hidden = $("columns").hidden = true;
    return;
  }
  say("message", "");
  $("status").hidden = $("columns").hidden = false;
  showStatus(state);
  showDocuments(state);
  showPackage(state);
  showPreview(state);
}

async function makePreview() {
  previewAsked = true;
  $("make-preview").disabled = true;
  say("preview-message", words.making_preview, "working");
  try {
    show(await ask("api/preview", {}));
  } catch (error) {
    say("preview-message", error.message, "error");     // LibreOffice missing: the one line it gives
    $("make-preview").hidden = false;
  } finally {
    $("make-preview").disabled = false;
  }
}

async function makePackage() {
  $("make-package").disabled = true;
  say("package-message", words.making_package, "working");
  try {
    const answer = await ask("api/package", {});
    say("package-message", answer.no_pdf ? words.no_pdf + answer.no_pdf : "", "warning");   // made: the note says so
    show(answer);
  } catch (error) {
    const refused = document.createElement("div");
    refused.className = "refused";
    if (shown && shown.draft) {
      const why = document.createElement("ul");
      why.replaceChildren(...shown.reasons.map((reason) => {
        const li = document.createElement("li");
        li.append(document.createTextNode(reason.text + " "), link(reason.href, reason.fix, "fix"));
        return li;
      }));
      refused.append(document.createTextNode(words.package_refused), why);
    } else {
      refused.append(document.createTextNode(words.failed));
    }
    const line = document.createElement("div");
    line.className = "line";
    line.textContent = error.message;
    refused.append(line);
    $("package-message").replaceChildren(refused);
    $("package-message").className = "error";
  } finally {
    $("make-package").disabled = false;
  }
}

async function update() {          // the documents made again from what was saved (the review step's render)
  $("update").disabled = true;
  say("message", words.updating, "working");
  try {
    await ask("../api/render", {});
    say("message", "", "");
    previewAsked = false;                        // the new court copy's first page, made as on first open
    show(await ask("api/state"));
  } catch (error) {
    say("message", error.message, "error");
  } finally {
    $("update").disabled = false;
  }
}

$("update").addEventListener("click", update);
$("make-preview").addEventListener("click", makePreview);
$("make-package").addEventListener("click", makePackage);
$("page").addEventListener("error", () => { $("page").hidden = true; $("make-preview").hidden = false; });

ask("api/state").then(show).catch((error) => say("message", String(error.message || error), "error"));
