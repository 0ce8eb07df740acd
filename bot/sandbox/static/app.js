// Buurtbot practice chat: plain JavaScript, no build step, nothing from the internet.
// Talks to the sandbox's /demo/api; live updates arrive as server-sent events.
"use strict";

const TEXTS = {
  nl: {
    title: "Buurtbot oefenchat",
    subtitle: "De echte bot, zonder Telegram of WhatsApp. Niets gaat naar buiten.",
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
    whatsapp: "📱 WhatsApp",
    telegram: "✈️ Telegram",
    template: "📋 Sjabloonbericht",
    templateHelp: "Buiten de 24 uur van WhatsApp: een vooraf goedgekeurd bericht (betaald)",
    listSend: "Verstuur",
    listClose: "Sluit",
    newChannel: "Kanaal",
    notDelivered: "⚠️ Niet afgeleverd",
    tickSent: "Verstuurd",
    tickDelivered: "Afgeleverd",
    tickRead: "Gelezen",
    windowOpen: "🕒 Venster open tot ",
    windowClosed: "🔒 Venster dicht: de bot mag alleen goedgekeurde sjablonen sturen",
    windowHelp: "WhatsApp: 24 uur na het laatste bericht van de bewoner mag de bot vrij antwoorden. Daarna alleen vooraf goedgekeurde sjablonen.",
  },
  en: {
    title: "Buurtbot practice chat",
    subtitle: "The real bot, without Telegram or WhatsApp. Nothing leaves this computer.",
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
    whatsapp: "📱 WhatsApp",
    telegram: "✈️ Telegram",
    template: "📋 Template message",
    templateHelp: "Outside WhatsApp's 24 hours: a pre-approved message (paid)",
    listSend: "Send",
    listClose: "Close",
    newChannel: "Channel",
    notDelivered: "⚠️ Not delivered",
    tickSent: "Sent",
    tickDelivered: "Delivered",
    tickRead: "Read",
    windowOpen: "🕒 Window open until ",
    windowClosed: "🔒 Window closed: the bot may only send approved templates",
    windowHelp: "WhatsApp: for 24 hours after the resident's last message the bot may answer freely. After that only pre-approved templates.",
  },
};
const LANG = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "nl";
const T = TEXTS[LANG];
const LOCALE = LANG === "en" ? "en-GB" : "nl-NL";
const ROLE_ORDER = ["coordinator", "volunteer", "resident", "new"];
const ROLE_ICON = { coordinator: "🧭", volunteer: "🤝", resident: "🏠", new: "🆕" };

const state = { personas: [], panes: [], active: 0 };
const WA_PREFIX = "wa:";

// A persona's page id: a Telegram id (a number) or "wa:<number>" for a WhatsApp resident.
function keyOf(value) {
  const text = String(value || "");
  if (text.startsWith(WA_PREFIX)) return text;
  return text ? Number(text) : null;
}
function isWhatsApp(id) { return typeof id === "string" && id.startsWith(WA_PREFIX); }

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
  const channel = p.channel === "whatsapp" ? " · 📱 WhatsApp" : "";
  return `${ROLE_ICON[p.role] || ""} ${p.name}${room} (${p.language})${channel}`;
}

async function loadPersonas() {
  const data = await api("/demo/api/personas");
  state.personas = data.personas;
  state.channels = data.channels || ["telegram"];
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
  // New residents on WhatsApp too, when the demo runs its WhatsApp side.
  pane.newForm.querySelector(".new-channel-pick").hidden = !state.channels.includes("whatsapp");
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
    channel: node.querySelector(".channel"),
    sheet: node.querySelector(".wa-sheet"),
    window: node.querySelector(".wa-window"),
    wa: false,
  };
  pane.picker.addEventListener("change", () => {
    if (pane.picker.value === "new") {
      pane.startBar.hidden = true;  // START belongs to the new resident, once created
      pane.newForm.hidden = false;
      pane.newForm.querySelector(".new-name").focus();
      return;
    }
    select(pane, keyOf(pane.picker.value));
  });
  pane.newForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(pane.newForm);
    try {
      const { persona: p } = await postJSON("/demo/api/personas", {
        first_name: data.get("first_name"), language: data.get("language"),
        channel: data.get("channel") || "telegram",
      });
      pane.newForm.hidden = true;
      pane.newForm.reset();
      pane.newForm.querySelector(".new-lang").hidden = false;
      await loadPersonas();
      await select(pane, p.id);
    } catch (error) { showToast(pane, T.failed + error.message); }
  });
  // WhatsApp does not tell the bot a language: the bot asks. Only Telegram's is chosen here.
  const channelPick = pane.newForm.querySelector(".new-channel");
  channelPick.addEventListener("change", () => {
    pane.newForm.querySelector(".new-lang").hidden = channelPick.value === "whatsapp";
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
  // Telegram's START sends /start; a WhatsApp chat starts with whatever the person types.
  node.querySelector(".start").addEventListener("click", () => sendText(pane, pane.wa ? "Hoi" : "/start"));
  node.querySelector(".wa-sheet .close").addEventListener("click", () => closeSheet(pane));
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
  styleChannel(pane);
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
  renderWindow(pane, data.window);
  renderCommands(pane, data.commands);
  pane.startBar.hidden = data.messages.length > 0;
  closeSheet(pane);
  missed.forEach((event) => applyChatEvent(pane, event));
  scrollDown(pane);
}

function applyChatEvent(pane, event) {
  if (event.type === "delete") {
    const node = pane.chat.querySelector(`.msg[data-id="${CSS.escape(String(event.message_id))}"]`);
    if (node) node.remove();
    return;
  }
  upsertMessage(pane, event.message);
  renderReplyKeyboard(pane, event.reply_keyboard);
  if (event.window) renderWindow(pane, event.window);
  if (event.message.from_bot) pane.status.textContent = "";
}

// -- how a chat looks: Telegram, or WhatsApp for a resident on WhatsApp ---------------------
function styleChannel(pane) {
  const p = persona(pane.userId);
  pane.wa = isWhatsApp(pane.userId);
  pane.node.classList.toggle("wa", pane.wa);
  pane.channel.textContent = pane.wa ? `${T.whatsapp}${p && p.phone ? " · " + p.phone : ""}` : T.telegram;
  pane.node.querySelector(".start").textContent = pane.wa ? "👋 Hoi" : "START";
}

// WhatsApp's 24-hour window: why the bot sends a template instead of a normal message.
const WINDOW_FORMAT = new Intl.DateTimeFormat(LOCALE, {
  timeZone: "Europe/Amsterdam", weekday: "short", hour: "2-digit", minute: "2-digit",
});

function renderWindow(pane, window_) {
  pane.window.hidden = !pane.wa || !window_;
  if (pane.window.hidden) return;
  pane.window.classList.toggle("closed", !window_.open);
  pane.window.textContent = window_.open
    ? T.windowOpen + WINDOW_FORMAT.format(new Date(window_.until)) : T.windowClosed;
  pane.window.title = T.windowHelp;
}

const TICKS = { sent: "✓", delivered: "✓✓", read: "✓✓" };
const TICK_TITLE = { sent: "tickSent", delivered: "tickDelivered", read: "tickRead" };

function renderWaMessage(pane, m) {
  const bubble = el("div", { class: "bubble", dir: "auto" });
  if (m.template) {
    bubble.append(el("span", { class: "tpl", title: T.templateHelp }, `${T.template} · ${m.template.name}`));
  }
  if (m.quote) bubble.append(el("span", { class: "quote", dir: "auto" }, m.quote));
  if (m.header) bubble.append(el("b", { class: "wa-header", dir: "auto" }, m.header));
  if (m.photo) {
    const img = el("img", { src: m.photo, alt: "", loading: "lazy" });
    img.addEventListener("error", () => img.replaceWith(el("span", { class: "img-missing" }, T.photoMissing)));
    bubble.append(img);
  }
  if (m.file) {
    bubble.append(el("a", { class: "file", href: m.file.url, download: m.file.name },
      el("span", { class: "icon" }, "⬇"), el("span", { class: "name" }, m.file.name)));
  }
  if (m.html) bubble.append(el("span", { class: "text", html: m.html }));
  if (m.footer) bubble.append(el("small", { class: "wa-footer", dir: "auto" }, m.footer));
  const meta = el("span", { class: "meta" }, m.time);
  if (!m.from_bot && TICKS[m.status]) {
    meta.append(el("span", { class: `ticks ${m.status}`, title: T[TICK_TITLE[m.status]],
      "aria-label": T[TICK_TITLE[m.status]] }, TICKS[m.status]));
  }
  if (m.status === "failed") meta.append(el("span", { class: "failed" }, ` ${T.notDelivered}`));
  bubble.append(meta);
  const classes = `msg ${m.from_bot ? "bot" : "me"}${m.template ? " template" : ""}`;
  const node = el("div", { class: classes, "data-id": m.message_id, "data-kind": m.kind }, bubble);
  if (m.buttons && m.buttons.length) {
    const replies = el("div", { class: "wa-buttons" });
    for (const b of m.buttons) {
      const button = el("button", { type: "button", class: "wa-reply", dir: "auto" }, b.title);
      button.addEventListener("click", () => pressWa(pane, m.message_id, b, button));
      replies.append(button);
    }
    node.append(replies);
  }
  if (m.list) {
    const open = el("button", { type: "button", class: "wa-list-open", dir: "auto" }, `☰ ${m.list.button}`);
    open.addEventListener("click", () => openSheet(pane, m));
    node.append(el("div", { class: "wa-buttons" }, open));
  }
  return node;
}

// A list message opens a sheet of rows (radio choices) with a send button, as WhatsApp does.
function openSheet(pane, m) {
  const sheet = pane.sheet;
  const body = sheet.querySelector(".rows");
  const send = sheet.querySelector(".send-row");
  sheet.querySelector(".title").textContent = m.list.button;
  body.replaceChildren();
  let chosen = null;
  m.list.sections.forEach((section, s) => {
    if (section.title) body.append(el("h4", { dir: "auto" }, section.title));
    section.rows.forEach((row, r) => {
      const input = el("input", { type: "radio", name: `row-${pane.index}`, value: row.id, id: `row-${pane.index}-${s}-${r}` });
      input.addEventListener("change", () => { chosen = row; send.disabled = false; });
      body.append(el("label", { class: "row", for: input.id, dir: "auto" },
        el("span", {}, el("b", {}, row.title), row.description ? el("small", {}, row.description) : null), input));
    });
  });
  send.disabled = true;
  send.onclick = async () => {
    if (!chosen) return;
    closeSheet(pane);
    await pressWa(pane, m.message_id, { id: chosen.id, title: chosen.title }, send);
  };
  sheet.hidden = false;
}

function closeSheet(pane) { pane.sheet.hidden = true; }

async function pressWa(pane, messageId, button, node) {
  node.disabled = true;
  try {
    await postJSON(`/demo/api/chat/${pane.userId}/press`, { message_id: messageId, button_id: button.id, title: button.title });
  } catch (error) { showToast(pane, T.failed + error.message); }
  finally { node.disabled = false; }
}

function renderMessage(pane, m) {
  if (pane.wa) return renderWaMessage(pane, m);
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
  const old = pane.chat.querySelector(`.msg[data-id="${CSS.escape(String(m.message_id))}"]`);
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
  const switcher = document.getElementById("switcher");
  while (switcher.children.length < state.panes.length) {
    const button = el("button", { type: "button", "data-pane": switcher.children.length });
    button.addEventListener("click", () => { state.active = Number(button.dataset.pane); updateSwitcher(); });
    switcher.append(button);
  }
  document.querySelectorAll("#switcher button").forEach((button) => {
    const index = Number(button.dataset.pane);
    const pane = state.panes[index];
    const p = pane && persona(pane.userId);
    const channel = p && p.channel === "whatsapp" ? " 📱" : "";
    button.textContent = p ? `${ROLE_ICON[p.role] || ""} ${p.name}${channel}` : `${index + 1}`;
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
      // The bot's clock moved: a WhatsApp window may have closed.
      state.panes.filter((pane) => pane.wa && !pane.pending).forEach(loadChat);
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
  document.querySelectorAll("#switcher button").forEach((button) => {
    button.addEventListener("click", () => { state.active = Number(button.dataset.pane); updateSwitcher(); });
  });
  document.getElementById("clock-jump").addEventListener("click", jump);
  connect();
  state.personas = (await api("/demo/api/personas")).personas;
  const telegram = state.personas.filter((p) => p.channel !== "whatsapp");
  const byRole = (role) => (telegram.find((p) => p.role === role) || state.personas[0] || {}).id;
  // A Telegram resident and the Telegram volunteer; then, when WhatsApp runs, a resident on
  // WhatsApp next to the volunteer: a coordinator sees both channels at once.
  const defaults = [byRole("resident"), byRole("volunteer")];
  const onWhatsApp = state.personas.find((p) => p.channel === "whatsapp" && p.role !== "new");
  if (onWhatsApp) defaults.push(onWhatsApp.id);
  state.panes = defaults.map((_, i) => makePane(i));
  state.panes.forEach((pane) => panesNode.append(pane.node));
  panesNode.style.setProperty("--panes", state.panes.length);
  await loadPersonas();
  const wanted = location.hash.slice(1).split(",").map(keyOf);
  await Promise.all(state.panes.map((pane, i) => select(pane, persona(wanted[i]) ? wanted[i] : defaults[i])));
  renderClock(await api("/demo/api/clock"));
  document.body.dataset.ready = "1";
}

main();
