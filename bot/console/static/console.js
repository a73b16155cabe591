// The console's only script: live figures on the dashboard and the dev phone, the header's menu on a phone,
// the line of a refused template marked. Plain JavaScript, no build.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Server-sent events: the server sends the figures at once and again whenever they change; the browser
// reconnects by itself after a network hiccup or a server restart. A session that ends ends the page.
function live(url, show) {
  const source = new EventSource(url);
  source.onmessage = (event) => show(JSON.parse(event.data));
  source.addEventListener("signed-out", () => { source.close(); window.location.reload(); });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) window.location.reload();  // refused: 401 or 404
  };
  return source;
}

// The time now in the console's zone (booking.timezone: data-zone on the page), named as the server names it
// (JST, UTC) so it reads like every other time in the console, whatever zone the browser is in.
function clockIn(zone, name) {
  return new Date().toLocaleTimeString("en-GB", {timeZone: zone, hour12: false}) + " " + name;
}

function liveDashboard(marker) {
  live(marker.dataset.liveUrl, (data) => {
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
    marker.textContent = "live · " + clockIn(marker.dataset.zone, data.zone);
  });
}

function bubble(item) {
  const li = document.createElement("li");
  li.className = "bubble " + item.kind;
  const meta = document.createElement("div");
  meta.className = "meta";
  const labels = {in: "you", reply: "answer", carrier: "Twilio itself"};
  const label = labels[item.kind] || "SMS";
  meta.textContent = label + " · " + item.at;
  if (item.kind === "sms" && item.state) {
    // One pill: the state in the console's words (words.yaml), as every page names it.
    const pill = document.createElement("span");
    pill.className = "pill " + item.state;
    pill.dataset.state = item.state;
    pill.textContent = item.label;
    meta.append(" ", pill);
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

  function show(data) {
    const fingerprint = JSON.stringify(data.items);
    if (fingerprint === shown) return;
    shown = fingerprint;
    thread.replaceChildren(...data.items.map(bubble));
    thread.scrollTop = thread.scrollHeight;
  }

  function query() {
    return "?number=" + encodeURIComponent(number.value.trim());
  }

  // Right after a send, its answer is fetched at once rather than at the stream's next look.
  async function refresh() {
    const response = await fetch(root.dataset.threadUrl + query(), {headers: {"Accept": "application/json"}});
    if (response.status === 401) { window.location.reload(); return; }
    const data = await response.json();
    if (!response.ok) { error.textContent = data.error || "That number cannot be used."; return; }
    show(data);
  }

  let source = null;
  async function follow() {
    if (source) source.close();
    source = null;
    await refresh();  // also says at once when the number is not one the dev phone may use
    if (!error.textContent) source = live(root.dataset.eventsUrl + query(), show);
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
  number.addEventListener("change", () => { shown = ""; error.textContent = ""; follow(); });
  document.getElementById("phone-number").addEventListener("submit", (event) => event.preventDefault());
  follow();
}

// On a phone the header's menu folds behind its button (the CSS folds it only once this runs, so without the
// script the menu stays open). The button says whether the menu is open; Escape closes it and gives the
// focus back to the button.
function foldingMenu(header) {
  const button = header.querySelector(".menu-toggle");
  if (!button) return;
  function setOpen(open) {
    header.classList.toggle("open", open);
    button.setAttribute("aria-expanded", String(open));
  }
  button.addEventListener("click", () => setOpen(!header.classList.contains("open")));
  header.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.classList.contains("open")) {
      setOpen(false);
      button.focus();
    }
  });
  button.hidden = false;
  header.classList.add("folding");
}

// A template refused for a problem on one of its lines: that line is selected in the text box, ready to fix
// (the page lists the text line by line with it marked, for a browser without scripts).
function markErrorLine(textarea) {
  const wanted = Number(textarea.dataset.errorLine);
  const lines = textarea.value.split("\n");
  if (!(wanted >= 1 && wanted <= lines.length)) return;
  const start = lines.slice(0, wanted - 1).reduce((sum, line) => sum + line.length + 1, 0);
  textarea.focus({preventScroll: true});
  textarea.setSelectionRange(start, start + lines[wanted - 1].length);
  const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
  textarea.scrollTop = Math.max(0, (wanted - 2) * lineHeight);
}

document.addEventListener("DOMContentLoaded", () => {
  const header = document.querySelector("header.top");
  if (header) foldingMenu(header);
  const marker = document.getElementById("live");
  if (marker) liveDashboard(marker);
  const phone = document.getElementById("phone");
  if (phone) devPhone(phone);
  const broken = document.querySelector("textarea[data-error-line]");
  if (broken) markErrorLine(broken);
});
