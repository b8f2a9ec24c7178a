// What every page of the app shares: the language switch in the navigation (the choice is kept by the server
// in a cookie, and the page is shown again in it) and one way to ask the server (JSON in, JSON or one line out).
"use strict";

async function ask(address, body) {
  const options = {credentials: "same-origin"};
  if (body !== undefined) {
    options.method = "POST";
    options.headers = {"Content-Type": "application/json"};
    options.body = JSON.stringify(body);
  }
  const response = await fetch(address, options);
  const text = await response.text();
  let answer;
  try { answer = JSON.parse(text); } catch (_) { answer = {error: text.trim() || response.statusText}; }
  if (!response.ok) {
    const error = new Error(answer.error || response.statusText);
    error.answer = answer;
    error.status = response.status;
    throw error;
  }
  return answer;
}

for (const button of document.querySelectorAll("#languages button.language")) {
  button.addEventListener("click", async () => {
    await ask("/api/language", {language: button.dataset.language});
    window.location.reload();
  });
}
