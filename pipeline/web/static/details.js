// The case details step (案件信息): the fields of the folder's case.toml, saved there (only those changed), what
// the court copy still leaves blank, and the documents made again on request (the review step's render).
// Plain JavaScript, no libraries; the words come from the server (configs/exhibit_<lang>.toml [app.details]).
"use strict";

const $ = (id) => document.getElementById(id);
let shown = null;          // the server's state: the values and the version of case.toml the page shows

function field(spec, value) {
  const row = document.createElement("div");
  row.className = "field";
  const label = document.createElement("label");
  label.htmlFor = `field-${spec.name}`;
  label.textContent = spec.label;
  let input;
  if (spec.choices.length) {                 // a field with fixed values: one of them
    input = document.createElement("select");
    const values = spec.choices.some((c) => c.value === value) ? spec.choices : [{value, label: value}, ...spec.choices];
    for (const choice of values) input.add(new Option(choice.label, choice.value));
  } else {
    input = document.createElement("input");
    input.type = "text";
    input.spellcheck = false;
  }
  input.id = `field-${spec.name}`;
  input.name = spec.name;
  input.value = value;
  input.addEventListener("input", changed);
  input.addEventListener("change", changed);
  row.append(label, input);
  if (spec.help) {
    const help = document.createElement("div");
    help.className = "help";
    help.textContent = spec.help;
    row.appendChild(help);
  }
  return row;
}

function edits() {
  const found = {};
  for (const input of $("details").elements) {
    if (input.name && input.value !== shown.values[input.name]) found[input.name] = input.value;
  }
  return found;
}

function vocabularyEdited() {
  return $("vocabulary-text").value.replace(/\r\n/g, "\n") !== shown.vocabulary.text.replace(/\r\n/g, "\n");
}

function changed() {
  const edited = edits();
  for (const input of $("details").elements) {
    if (input.name) input.classList.toggle("changed", input.name in edited);
  }
  $("vocabulary-text").classList.toggle("changed", vocabularyEdited());
  const dirty = Object.keys(edited).length > 0 || vocabularyEdited();
  $("dirty").textContent = dirty ? shown.words.unsaved : "";
  $("render").disabled = dirty;
  $("render").title = dirty ? shown.words.save_first : "";
}

function say(text, error) {
  $("message").className = error ? "error" : "";
  $("message").textContent = text;
}

function show(state) {
  shown = state;
  const words = state.words;
  $("title").textContent = words.title;
  $("intro").textContent = words.intro.replace("{file}", state.file);
  $("from-last-run").textContent = words.from_last_run;
  $("from-last-run").hidden = state.exists;
  $("problem").textContent = state.problem;
  $("problem").hidden = !state.problem;
  const groups = state.groups.map((group) => {
    const set = document.createElement("fieldset");
    set.dataset.group = group.key;
    const legend = document.createElement("legend");
    legend.textContent = group.heading;
    const intro = document.createElement("p");
    intro.className = "group-intro";
    intro.textContent = group.intro;
    set.append(legend, intro, ...group.fields.map((spec) => field(spec, state.values[spec.name])));
    return set;
  });
  $("details").replaceChildren(...groups);
  $("details").hidden = false;
  $("actions").hidden = false;
  $("save").textContent = words.save;
  $("render").textContent = words.render;
  const missing = state.missing.join(words.separator);
  $("missing").textContent = missing ? words.missing.replace("{fields}", missing) : words.complete;
  $("missing").className = missing ? "" : "complete";
  $("open").textContent = state.open.length ? words.open_checks.replace("{fields}", state.open.join(words.separator)) : "";
  $("behind").textContent = words.behind;
  $("behind").hidden = !state.behind;
  $("render").hidden = !state.behind;
  $("outcome").hidden = false;
  $("vocabulary-heading").textContent = words.vocabulary_heading;
  $("vocabulary-intro").textContent = words.vocabulary_intro.replace("{file}", state.vocabulary_file);
  $("vocabulary-text").value = state.vocabulary.text;
  $("vocabulary-problem").textContent = state.vocabulary.problem;
  $("vocabulary-problem").hidden = !state.vocabulary.problem;
  $("vocabulary-save").textContent = words.vocabulary_save;
  $("vocabulary").hidden = false;
  changed();
}

async function saveVocabulary() {
  $("vocabulary-save").disabled = true;
  $("vocabulary-message").className = "";
  $("vocabulary-message").textContent = shown.words.saving;
  try {
    const state = await ask("api/vocabulary", {version: shown.vocabulary.version, text: $("vocabulary-text").value});
    const typed = edits();                 // the case fields' unsaved edits stay on the page
    show(state);
    for (const [name, value] of Object.entries(typed)) $("details").elements[name].value = value;
    changed();
    $("rendered").textContent = "";
    $("vocabulary-message").textContent = state.words.vocabulary_saved.replace("{count}", state.vocabulary.terms);
  } catch (error) {
    $("vocabulary-message").className = "error";
    $("vocabulary-message").textContent = String(error.message || error);
  } finally {
    $("vocabulary-save").disabled = false;
  }
}

async function save() {
  const values = edits();
  if (!Object.keys(values).length) {
    say(shown.words.nothing_changed);
    return;
  }
  $("save").disabled = true;
  say(shown.words.saving);
  try {
    const state = await ask("api/save", {version: shown.version, values});
    show(state);
    $("rendered").textContent = "";
    say(state.words.saved.replace("{file}", state.file));
  } catch (error) {
    say(String(error.message || error), true);
  } finally {
    $("save").disabled = false;
  }
}

async function render() {
  if (Object.keys(edits()).length) {
    say(shown.words.save_first, true);
    return;
  }
  $("render").disabled = true;
  $("save").disabled = true;
  $("rendered").className = "";
  $("rendered").textContent = shown.words.rendering;
  try {
    const made = await ask("../api/render", {});          // the review step's: /case/<name>/api/render
    const words = shown.words;
    show(await ask("api/state"));
    $("rendered").textContent = words.rendered.replace("{exhibit}", made.exhibit).replace("{seconds}", made.seconds);
  } catch (error) {
    $("rendered").className = "error";
    $("rendered").textContent = String(error.message || error);
  } finally {
    $("render").disabled = false;
    $("save").disabled = false;
  }
}

$("save").addEventListener("click", save);
$("render").addEventListener("click", render);
$("vocabulary-save").addEventListener("click", saveVocabulary);
$("vocabulary-text").addEventListener("input", changed);
$("details").addEventListener("submit", (event) => { event.preventDefault(); save(); });
$("details").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.tagName === "INPUT") { event.preventDefault(); save(); }
});
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
});

ask("api/state").then(show).catch((error) => say(String(error.message || error), true));
