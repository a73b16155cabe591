// The console's only script: live figures on the dashboard and the dev phone. Plain JavaScript, no build.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function every(seconds, work) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try { await work(); } catch (error) { /* the next tick tries again */ }
    running = false;
  };
  tick();
  return setInterval(tick, seconds * 1000);
}

function liveDashboard(marker) {
  every(2, async () => {
    const response = await fetch(marker.dataset.liveUrl, {headers: {"Accept": "application/json"}});
    if (response.status === 401) { window.location.reload(); return; }
    const data = await response.json();
    for (const [name, value] of Object.entries(data.stats)) {
      for (const node of document.querySelectorAll(`[data-stat="${name}"]`)) {
        node.textContent = String(value);
      }
    }
    const lists = document.getElementById("dashboard-lists");
    if (lists && typeof data.lists === "string" && lists.dataset.shown !== data.lists) {
      lists.innerHTML = data.lists;  // rendered and escaped by the server's template
      lists.dataset.shown = data.lists;
    }
    marker.textContent = "live · " + new Date().toLocaleTimeString();
  });
}

function bubble(item) {
  const li = document.createElement("li");
  li.className = "bubble " + item.kind;
  const meta = document.createElement("div");
  meta.className = "meta";
  const label = item.kind === "in" ? "you" : item.kind === "reply" ? "answer" : "SMS";
  meta.textContent = label + " · " + item.at;
  if (item.kind === "sms") {
    for (const [value, label] of [[item.status, ""], [item.delivery, "Twilio: "]]) {
      if (!value) continue;
      const pill = document.createElement("span");
      pill.className = "pill " + value;
      pill.textContent = label + value;
      meta.append(" ", pill);
    }
  }
  const text = document.createElement("div");
  text.className = "text";
  text.textContent = item.body;  // texts are shown as text, never as HTML
  li.append(meta, text);
  if (item.error) {
    const error = document.createElement("div");
    error.className = "small bad";
    error.textContent = item.error;
    li.append(error);
  }
  return li;
}

function devPhone(root) {
  const number = document.getElementById("number");
  const thread = document.getElementById("phone-thread");
  const form = document.getElementById("phone-form");
  const input = document.getElementById("phone-text");
  const error = document.getElementById("phone-error");
  let shown = "";

  async function refresh() {
    const url = root.dataset.threadUrl + "?number=" + encodeURIComponent(number.value.trim());
    const response = await fetch(url, {headers: {"Accept": "application/json"}});
    if (response.status === 401) { window.location.reload(); return; }
    const data = await response.json();
    if (!response.ok) { error.textContent = data.error || "That number cannot be used."; return; }
    const fingerprint = JSON.stringify(data.items);
    if (fingerprint === shown) return;
    shown = fingerprint;
    thread.replaceChildren(...data.items.map(bubble));
    thread.scrollTop = thread.scrollHeight;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Taken from the box at once, so that what is typed next is never cleared by this send finishing.
    const body = input.value;
    input.value = "";
    error.textContent = "";
    const response = await fetch(root.dataset.sendUrl, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken()},
      body: JSON.stringify({number: number.value.trim(), body: body}),
    });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      error.textContent = data.error || ("Not sent: HTTP " + response.status);
      if (!input.value) input.value = body;
      return;
    }
    await refresh();
  });
  number.addEventListener("change", () => { shown = ""; error.textContent = ""; refresh(); });
  document.getElementById("phone-number").addEventListener("submit", (event) => event.preventDefault());
  every(1, refresh);
}

document.addEventListener("DOMContentLoaded", () => {
  const marker = document.getElementById("live");
  if (marker) liveDashboard(marker);
  const phone = document.getElementById("phone");
  if (phone) devPhone(phone);
});
