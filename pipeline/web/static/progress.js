// The progress step (处理中): the run of this case folder as it goes, polled once a second; cancel; at the end the
// next step, or the one line of a failure. Plain JavaScript; the words come from the server.
"use strict";

const $ = (id) => document.getElementById(id);
let timer = null;

function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return (h ? `${h}:${String(m).padStart(2, "0")}` : `${m}`) + `:${String(s % 60).padStart(2, "0")}`;
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

function say(text, kind) {
  $("message").textContent = text;
  $("message").className = kind || "";
}

function draw(answer) {
  const w = answer.words, job = answer.job;
  $("heading").textContent = fill(w.heading, {state: answer.state_label});
  document.body.dataset.state = answer.state;
  document.body.dataset.job = job ? job.status : "";
  if (answer.received) {
    $("received").hidden = false;
    $("received").textContent = fill(w.received, answer.received);
  }
  $("run").hidden = !job;
  if (job) {
    $("whole").value = job.share;
    $("share").textContent = `${Math.round(job.share * 100)}%`;
    $("times").textContent = fill(w.elapsed, {elapsed: clock(job.elapsed)}) +
      (job.status === "running" ? "　" + (job.left === null ? w.estimating : fill(w.left, {left: clock(job.left)})) : "");
    $("stages").querySelector("tbody").replaceChildren(...job.stages.map((s) => {
      const tr = document.createElement("tr");
      tr.dataset.stage = s.stage;
      const name = document.createElement("td"), bar = document.createElement("td"), pct = document.createElement("td");
      name.textContent = answer.stage_names[s.stage] || s.stage;
      const p = document.createElement("progress");
      p.max = 1;
      p.value = s.share;
      bar.appendChild(p);
      pct.textContent = `${Math.round(s.share * 100)}%`;
      tr.append(name, bar, pct);
      return tr;
    }));
    $("cancel").hidden = job.status !== "running";
    $("cancel").textContent = w.cancel;
    if (job.status === "failed") say(fill(w.failed, {error: job.error}), "error");
    else if (job.status === "cancelled") say(w.cancelled, "error");
    else if (job.status === "done") say(w.done, "done");
    else say(w.running);
  } else if (answer.state === "processing") {
    say(w.elsewhere);
  } else if (answer.state === "received") {
    say(w.not_made);
  } else {
    say(w.nothing_running);
  }
  $("start").hidden = !answer.can_start;
  $("start").textContent = w.start;
  $("next").hidden = !answer.next;
  if (answer.next) {
    $("next-link").href = answer.next.href;
    $("next-link").textContent = fill(w.next, {step: answer.next.label});
  }
  return (job && job.status === "running") || answer.state === "processing";
}

async function poll() {
  clearTimeout(timer);
  try {
    const going = draw(await ask("api/status"));
    if (going) timer = setTimeout(poll, 1000);
  } catch (error) {
    say(error.message, "error");
    timer = setTimeout(poll, 3000);
  }
}

$("cancel").addEventListener("click", async () => {
  $("cancel").disabled = true;
  try { await ask("api/cancel", {}); } catch (error) { say(error.message, "error"); }
  $("cancel").disabled = false;
  poll();
});

$("start").addEventListener("click", async () => {
  $("start").disabled = true;
  try { await ask("api/start", {}); } catch (error) { say(error.message, "error"); }
  $("start").disabled = false;
  poll();
});

poll();
