// Buurtbot practice chat: plain JavaScript, no build step, nothing from the internet.
// Talks to the sandbox's /demo/api; live updates arrive as server-sent events.
"use strict";

const TEXTS = {
  nl: {
    title: "Buurtbot oefenchat",
    subtitle: "De echte bot, zonder Telegram. Niets gaat naar buiten.",
    botTime: "Tijd van de bot",
    jump: "⏭ Naar het volgende geplande moment",
    chooser: "Kies een persoon",
    newHelp: "Een nieuwe bewoner die de bot nog nooit sprak. Tik daarna op START.",
    newName: "Voornaam",
    create: "Maak aan",
    cancel: "Annuleer",
    menu: "Menu met opdrachten",
    photo: "Foto sturen",
    send: "Verstuur",
    message: "Bericht",
    addResident: "➕ Nieuwe bewoner…",
    coordinator: "Coördinatoren",
    volunteer: "Vrijwilligers",
    resident: "Bewoners",
    "new": "Nieuw (nog niet aangemeld)",
    typing: "typt…",
    edited: "bewerkt",
    noCommands: "Geen opdrachten",
    photoMissing: "📷 Foto",
    weekly_post: "weekprogramma",
    belronde: "belronde",
    belronde_escalation: "belronde: niemand belde",
    belronde_notice: "belronde: melding van de nacht",
    announcement: "gepland bericht",
    meal_reminder: "herinnering eettafel",
    meal_deadline: "aanmelden eettafel sluit",
    allRooms: "alle BuurtWerkKamers",
    ran: "Gedaan: ",
    failed: "Dat lukte niet: ",
    offline: "verbinding weg…",
  },
  en: {
    title: "Buurtbot practice chat",
    subtitle: "The real bot, without Telegram. Nothing leaves this computer.",
    botTime: "The bot's time",
    jump: "⏭ Jump to the next scheduled moment",
    chooser: "Choose a person",
    newHelp: "A new resident who never spoke to the bot. Then tap START.",
    newName: "First name",
    create: "Create",
    cancel: "Cancel",
    menu: "Command menu",
    photo: "Send a photo",
    send: "Send",
    message: "Message",
    addResident: "➕ New resident…",
    coordinator: "Coordinators",
    volunteer: "Volunteers",
    resident: "Residents",
    "new": "New (not signed up yet)",
    typing: "typing…",
    edited: "edited",
    noCommands: "No commands",
    photoMissing: "📷 Photo",
    weekly_post: "weekly programme",
    belronde: "belronde",
    belronde_escalation: "belronde: nobody called",
    belronde_notice: "belronde: notice from the night",
    announcement: "planned announcement",
    meal_reminder: "shared dinner reminder",
    meal_deadline: "shared dinner sign-up closes",
    allRooms: "all BuurtWerkKamers",
    ran: "Done: ",
    failed: "That did not work: ",
    offline: "connection lost…",
  },
};
const LANG = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "nl";
const T = TEXTS[LANG];
const LOCALE = LANG === "en" ? "en-GB" : "nl-NL";
const ROLE_ORDER = ["coordinator", "volunteer", "resident", "new"];
const ROLE_ICON = { coordinator: "🧭", volunteer: "🤝", resident: "🏠", new: "🆕" };

const state = { personas: [], panes: [], active: 0 };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;  // only server-sanitised HTML
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) throw new Error((body && body.error) || response.statusText);
  return body;
}

function postJSON(path, payload) {
  return api(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
  });
}

function translate(root) {
  root.querySelectorAll("[data-t]").forEach((n) => { n.textContent = T[n.dataset.t]; });
  root.querySelectorAll("[data-t-placeholder]").forEach((n) => { n.placeholder = T[n.dataset.tPlaceholder]; });
  root.querySelectorAll("[data-t-title]").forEach((n) => { n.title = T[n.dataset.tTitle]; n.setAttribute("aria-label", T[n.dataset.tTitle]); });
}

// -- personas ---------------------------------------------------------------
function persona(id) { return state.personas.find((p) => p.id === id); }

function personaLabel(p) {
  const room = p.room_name ? ` · ${p.room_name}` : "";
  return `${ROLE_ICON[p.role] || ""} ${p.name}${room} (${p.language})`;
}

async function loadPersonas() {
  state.personas = (await api("/demo/api/personas")).personas;
  state.panes.forEach(fillPicker);
  updateSwitcher();
}

function fillPicker(pane) {
  const select = pane.picker;
  select.replaceChildren();
  for (const role of ROLE_ORDER) {
    const people = state.personas.filter((p) => p.role === role);
    if (!people.length) continue;
    const group = el("optgroup", { label: T[role] });
    for (const p of people) group.append(el("option", { value: p.id }, personaLabel(p)));
    select.append(group);
  }
  select.append(el("option", { value: "new" }, T.addResident));
  if (pane.userId) select.value = String(pane.userId);
}

// -- panes ------------------------------------------------------------------
function makePane(index) {
  const node = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
  node.dataset.pane = index;
  translate(node);
  const pane = {
    index, node, userId: null, typingTimer: null, toastTimer: null,
    picker: node.querySelector(".persona"),
    chat: node.querySelector(".chat"),
    status: node.querySelector(".status"),
    toast: node.querySelector(".toast"),
    replyKb: node.querySelector(".reply-kb"),
    commands: node.querySelector(".commands"),
    startBar: node.querySelector(".start-bar"),
    form: node.querySelector(".composer"),
    text: node.querySelector(".composer .text"),
    photoInput: node.querySelector(".photo-input"),
    newForm: node.querySelector(".new-resident"),
  };
  pane.picker.addEventListener("change", () => {
    if (pane.picker.value === "new") {
      pane.startBar.hidden = true;  // START belongs to the new resident, once created
      pane.newForm.hidden = false;
      pane.newForm.querySelector(".new-name").focus();
      return;
    }
    select(pane, Number(pane.picker.value));
  });
  pane.newForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(pane.newForm);
    try {
      const { persona: p } = await postJSON("/demo/api/personas", {
        first_name: data.get("first_name"), language: data.get("language"),
      });
      pane.newForm.hidden = true;
      pane.newForm.reset();
      await loadPersonas();
      await select(pane, p.id);
    } catch (error) { showToast(pane, T.failed + error.message); }
  });
  pane.newForm.querySelector(".cancel").addEventListener("click", () => {
    pane.newForm.hidden = true;
    fillPicker(pane);
    loadChat(pane);
  });
  pane.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = pane.text.value;
    if (!text.trim()) return;
    pane.text.value = "";
    sendText(pane, text);
  });
  node.querySelector(".menu-btn").addEventListener("click", () => {
    pane.commands.hidden = !pane.commands.hidden;
  });
  node.querySelector(".photo-btn").addEventListener("click", () => pane.photoInput.click());
  pane.photoInput.addEventListener("change", () => sendPhoto(pane));
  node.querySelector(".start").addEventListener("click", () => sendText(pane, "/start"));
  // A /command in a bot message is tappable, as in Telegram: tapping sends it.
  pane.chat.addEventListener("click", (event) => {
    const link = event.target.closest("a.cmd");
    if (!link || !pane.chat.contains(link)) return;
    event.preventDefault();
    sendText(pane, link.dataset.command);
  });
  return pane;
}

async function sendText(pane, text) {
  pane.commands.hidden = true;
  try { await postJSON(`/demo/api/chat/${pane.userId}/send`, { text }); }
  catch (error) { showToast(pane, T.failed + error.message); }
}

async function shareContact(pane) {
  try { await postJSON(`/demo/api/chat/${pane.userId}/contact`, {}); }
  catch (error) { showToast(pane, T.failed + error.message); }
}

async function sendPhoto(pane) {
  const file = pane.photoInput.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("photo", file, file.name);
  if (pane.text.value.trim()) { form.append("caption", pane.text.value); pane.text.value = ""; }
  pane.photoInput.value = "";
  try { await api(`/demo/api/chat/${pane.userId}/photo`, { method: "POST", body: form }); }
  catch (error) { showToast(pane, T.failed + error.message); }
}

async function select(pane, userId) {
  pane.userId = userId;
  pane.newForm.hidden = true;
  fillPicker(pane);
  saveHash();
  updateSwitcher();
  await loadChat(pane);
}

async function loadChat(pane) {
  if (!pane.userId) return;
  // Events for this chat that arrive while the snapshot loads are kept and replayed after
  // it, if the snapshot does not already include them (its seq says up to which event).
  const userId = pane.userId;
  pane.pending = [];
  pane.startBar.hidden = true;  // shown again only if this chat turns out to be empty
  const data = await api(`/demo/api/chat/${userId}`);
  if (pane.userId !== userId) return;
  const missed = (pane.pending || []).filter((event) => event.seq > data.seq);
  pane.pending = null;
  pane.chat.replaceChildren(...data.messages.map((m) => renderMessage(pane, m)));
  renderReplyKeyboard(pane, data.reply_keyboard);
  renderCommands(pane, data.commands);
  pane.startBar.hidden = data.messages.length > 0;
  missed.forEach((event) => applyChatEvent(pane, event));
  scrollDown(pane);
}

function applyChatEvent(pane, event) {
  if (event.type === "delete") {
    const node = pane.chat.querySelector(`.msg[data-id="${event.message_id}"]`);
    if (node) node.remove();
    return;
  }
  upsertMessage(pane, event.message);
  renderReplyKeyboard(pane, event.reply_keyboard);
  if (event.message.from_bot) pane.status.textContent = "";
}

function renderMessage(pane, m) {
  const bubble = el("div", { class: "bubble", dir: "auto" });
  if (m.photo) {
    const img = el("img", { src: m.photo, alt: "", loading: "lazy" });
    img.addEventListener("error", () => img.replaceWith(el("span", { class: "img-missing" }, T.photoMissing)));
    bubble.append(img);
  }
  if (m.file) {
    const size = m.file.size ? `${Math.max(1, Math.round(m.file.size / 1024))} KB` : "";
    bubble.append(el("a", { class: "file", href: m.file.url, download: m.file.name },
      el("span", { class: "icon" }, "⬇"),
      el("span", {}, el("span", { class: "name" }, m.file.name), el("small", {}, size))));
  }
  if (m.html) bubble.append(el("span", { class: "text", html: m.html }));
  bubble.append(el("span", { class: "meta" }, (m.edited ? T.edited + " " : "") + m.time));
  const node = el("div", { class: `msg ${m.from_bot ? "bot" : "me"}`, "data-id": m.message_id }, bubble);
  if (m.buttons && m.buttons.length) {
    const kb = el("div", { class: "kb" });
    m.buttons.forEach((row, r) => {
      const rowNode = el("div", { class: "kb-row" });
      row.forEach((b, c) => {
        const button = el("button", { type: "button", dir: "auto" }, b.kind === "url" ? `${b.text} ↗` : b.text);
        button.addEventListener("click", () => pressButton(pane, m.message_id, r, c, b, button));
        rowNode.append(button);
      });
      kb.append(rowNode);
    });
    node.append(kb);
  }
  return node;
}

async function pressButton(pane, messageId, row, col, button, node) {
  if (button.kind === "url") { window.open(button.url, "_blank", "noopener"); return; }
  node.disabled = true;
  try { await postJSON(`/demo/api/chat/${pane.userId}/press`, { message_id: messageId, row, col }); }
  catch (error) { showToast(pane, T.failed + error.message); }
  finally { node.disabled = false; }
}

function renderReplyKeyboard(pane, rows) {
  pane.replyKb.replaceChildren();
  pane.replyKb.hidden = !rows || !rows.length;
  for (const row of rows || []) {
    const rowNode = el("div", { class: "kb-row" });
    for (const button of row) {
      // "contact": Telegram's "share my phone number" button sends a contact, not its label.
      const press = button.kind === "contact" ? () => shareContact(pane) : () => sendText(pane, button.text);
      rowNode.append(el("button", { type: "button", dir: "auto", class: `reply-${button.kind}`, onclick: press }, button.text));
    }
    pane.replyKb.append(rowNode);
  }
}

function renderCommands(pane, commands) {
  pane.commands.replaceChildren();
  if (!commands.length) pane.commands.append(el("p", {}, T.noCommands));
  for (const c of commands) {
    pane.commands.append(el("button", { type: "button", dir: "auto", onclick: () => sendText(pane, `/${c.command}`) },
      el("b", {}, `/${c.command}`), el("span", {}, c.description)));
  }
}

function upsertMessage(pane, m) {
  const fresh = renderMessage(pane, m);
  const old = pane.chat.querySelector(`.msg[data-id="${m.message_id}"]`);
  if (old) { old.replaceWith(fresh); return; }
  pane.chat.append(fresh);
  pane.startBar.hidden = true;
  scrollDown(pane);
}

function scrollDown(pane) { pane.chat.scrollTop = pane.chat.scrollHeight; }

function showToast(pane, text) {
  pane.toast.textContent = text;
  pane.toast.hidden = false;
  clearTimeout(pane.toastTimer);
  pane.toastTimer = setTimeout(() => { pane.toast.hidden = true; }, 3500);
}

function showTyping(pane) {
  pane.status.textContent = T.typing;
  clearTimeout(pane.typingTimer);
  pane.typingTimer = setTimeout(() => { pane.status.textContent = ""; }, 3000);
}

// -- phone width: one pane with a switcher ------------------------------------
function updateSwitcher() {
  document.querySelectorAll("#switcher button").forEach((button) => {
    const index = Number(button.dataset.pane);
    const pane = state.panes[index];
    const p = pane && persona(pane.userId);
    button.textContent = p ? `${ROLE_ICON[p.role] || ""} ${p.name}` : `${index + 1}`;
    button.classList.toggle("active", index === state.active);
  });
  state.panes.forEach((pane) => pane.node.classList.toggle("active", pane.index === state.active));
}

function saveHash() {
  history.replaceState(null, "", `${location.pathname}${location.search}#${state.panes.map((p) => p.userId || "").join(",")}`);
}

// -- clock ------------------------------------------------------------------
const CLOCK_FORMAT = new Intl.DateTimeFormat(LOCALE, {
  timeZone: "Europe/Amsterdam", weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
});

function renderClock(clock) {
  document.getElementById("clock-now").textContent = CLOCK_FORMAT.format(new Date(clock.now));
  const next = clock.next || [];
  const label = next.length
    ? `${CLOCK_FORMAT.format(new Date(next[0].at))}: ${next.map((m) => `${T[m.kind] || m.kind} ${m.room_name || T.allRooms}`).join(", ")}`
    : "";
  document.getElementById("clock-next").textContent = label;
  document.getElementById("clock-jump").disabled = !next.length;
}

async function jump() {
  const button = document.getElementById("clock-jump");
  button.disabled = true;
  try {
    const clock = await api("/demo/api/clock/jump", { method: "POST" });
    renderClock(clock);
  } catch (error) {
    showToast(state.panes[state.active], T.failed + error.message);
    button.disabled = false;
  }
}

// -- live events ----------------------------------------------------------------
function onEvent(event) {
  switch (event.type) {
    case "message":
    case "edit":
    case "delete":
      for (const pane of state.panes) {
        if (pane.userId !== event.user_id) continue;
        if (pane.pending) pane.pending.push(event);  // a snapshot is loading
        else applyChatEvent(pane, event);
      }
      break;
    case "toast":
      for (const pane of state.panes) {
        if (pane.userId !== event.user_id || !event.text) continue;
        if (event.alert && pane.index === state.active) {
          document.getElementById("alert-text").textContent = event.text;
          document.getElementById("alert").showModal();
        } else showToast(pane, event.text);
      }
      break;
    case "typing":
      state.panes.filter((p) => p.userId === event.user_id).forEach(showTyping);
      break;
    case "commands":
    case "personas":
      loadPersonas().then(() => state.panes.forEach(refreshCommands));
      break;
    case "clock":
      renderClock(event);
      break;
    default:
      break;
  }
}

async function refreshCommands(pane) {
  if (!pane.userId) return;
  const data = await api(`/demo/api/chat/${pane.userId}`);
  renderCommands(pane, data.commands);
}

function connect() {
  const source = new EventSource("/demo/api/events");
  let opened = false;
  source.onopen = () => {
    if (opened) {  // reconnected: catch up on anything missed
      loadPersonas();
      state.panes.forEach(loadChat);
      api("/demo/api/clock").then(renderClock);
    }
    opened = true;
    document.body.classList.remove("offline");
  };
  source.onmessage = (message) => onEvent(JSON.parse(message.data));
  source.onerror = () => { document.body.classList.add("offline"); };
}

async function main() {
  document.documentElement.lang = LANG;
  document.title = T.title;
  translate(document);
  const panesNode = document.getElementById("panes");
  state.panes = [makePane(0), makePane(1)];
  state.panes.forEach((pane) => panesNode.append(pane.node));
  document.querySelectorAll("#switcher button").forEach((button) => {
    button.addEventListener("click", () => { state.active = Number(button.dataset.pane); updateSwitcher(); });
  });
  document.getElementById("clock-jump").addEventListener("click", jump);
  connect();
  await loadPersonas();
  const wanted = location.hash.slice(1).split(",").map(Number);
  const byRole = (role) => (state.personas.find((p) => p.role === role) || state.personas[0] || {}).id;
  const defaults = [byRole("resident"), byRole("volunteer")];
  await Promise.all(state.panes.map((pane, i) => select(pane, persona(wanted[i]) ? wanted[i] : defaults[i])));
  renderClock(await api("/demo/api/clock"));
  document.body.dataset.ready = "1";
}

main();
