// The demo web chat: one pane per persona, fed by server-sent events; plain JS, no build step.
// Every word shown comes from /api/page (the gettext catalogs), in the persona's language.
"use strict";

const TIME_ZONE = "Asia/Ho_Chi_Minh";
const state = {
  persona: localStorage.getItem("coopbot-demo-persona") || "director",
  locale: "vi",
  strings: {},
  personas: [],
  panes: new Map(),
};

const byId = (id) => document.getElementById(id);
// The server wrote this page's own token into it; every request carries it, and the server
// refuses changes without it (another site's page cannot read it).
const PAGE_TOKEN = document.querySelector('meta[name="coopbot-token"]').content;

function t(key, params = {}) {
  let text = state.strings[key] || key;
  for (const [name, value] of Object.entries(params)) {
    text = text.replaceAll(`{${name}}`, value);
  }
  return text;
}

function setStatus(text) {
  byId("status").textContent = text;
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), "X-Coopbot-Token": PAGE_TOKEN };
  const response = await fetch(path, { ...options, headers });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw new Error(body && body.error ? body.error : `${response.status} ${response.statusText}`);
  }
  return body;
}

function postJson(path, data) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(data),
  });
}

function newId() {
  if (window.crypto && crypto.randomUUID) {
    return crypto.randomUUID();
  }
  return `${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
}

// Page labels, persona switcher, language and clock, in the shown persona's language.
function applyPage(page) {
  state.strings = page.strings;
  state.locale = page.locale;
  state.personas = page.personas;
  document.documentElement.lang = page.locale;
  document.title = t("title");
  for (const element of document.querySelectorAll("[data-t]")) {
    element.textContent = t(element.dataset.t);
  }
  for (const element of document.querySelectorAll("[data-t-placeholder]")) {
    element.placeholder = t(element.dataset.tPlaceholder);
  }
  for (const element of document.querySelectorAll("[data-t-label]")) {
    element.setAttribute("aria-label", t(element.dataset.tLabel));
    element.title = t(element.dataset.tLabel);
  }
  for (const button of document.querySelectorAll(".language")) {
    button.setAttribute("aria-pressed", String(button.dataset.locale === page.locale));
  }
  renderPersonas();
  showClock(page.clock);
}

function renderPersonas() {
  const container = byId("personas");
  container.replaceChildren();
  for (const persona of state.personas) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "persona";
    button.dataset.persona = persona.key;
    button.setAttribute("aria-pressed", String(persona.key === state.persona));
    const label = document.createElement("span");
    label.className = "persona-label";
    label.textContent = persona.label;
    const name = document.createElement("span");
    name.className = "persona-name";
    name.textContent = persona.name;
    const badge = document.createElement("span");
    badge.className = "badge";
    const unread = pane(persona.key).unread;
    badge.textContent = unread ? t("unread", { count: unread }) : "";
    badge.hidden = !unread;
    button.append(label, name, badge);
    button.addEventListener("click", () => selectPersona(persona.key));
    container.append(button);
    if (persona.key === state.persona) {
      byId("chat-persona").textContent = `— ${persona.name} (${persona.label})`;
    }
  }
}

function showClock(clock) {
  const element = byId("clock-now");
  element.dateTime = clock.iso;
  element.textContent = clock.label;
}

async function selectPersona(key) {
  try {
    const page = await api(`/api/page?persona=${encodeURIComponent(key)}`);
    state.persona = key;
    localStorage.setItem("coopbot-demo-persona", key);
    pane(key).unread = 0;
    applyPage(page);
    for (const [other, entry] of state.panes) {
      entry.list.hidden = other !== key;
    }
    scrollDown(pane(key).list);
  } catch (error) {
    setStatus(error.message);
  }
}

// One conversation pane per persona, all fed by one event stream, so messages sent to a persona
// not being shown still arrive (and count as unread).
function pane(key) {
  if (state.panes.has(key)) {
    return state.panes.get(key);
  }
  const list = document.createElement("ol");
  list.className = "messages";
  list.setAttribute("role", "log");
  list.setAttribute("aria-live", "polite");
  list.dataset.persona = key;
  list.hidden = key !== state.persona;
  byId("panes").append(list);
  const entry = { list, unread: 0 };
  state.panes.set(key, entry);
  return entry;
}

function listen() {
  let ready = false;
  let last = 0;
  const source = new EventSource("/api/events");
  // What comes before "ready" is the history a (re)loaded page replays: not news.
  source.addEventListener("ready", () => {
    ready = true;
    setStatus(t("connected"));
  });
  source.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.id <= last) {
      return;
    }
    last = message.id;
    const entry = pane(message.persona);
    entry.list.append(renderMessage(message.persona, message));
    if (message.persona === state.persona) {
      scrollDown(entry.list);
    } else if (ready && message.from === "bot") {
      entry.unread += 1;
      renderPersonas();
    }
  };
  source.onerror = () => {
    ready = false;
    setStatus(t("reconnecting"));
  };
}

function scrollDown(list) {
  list.parentElement.scrollTop = list.parentElement.scrollHeight;
}

// "14:30 25/02", the way the bot writes dates in both languages, in Vietnam's time zone.
function formatTime(iso) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: TIME_ZONE,
    hour: "2-digit",
    minute: "2-digit",
    day: "2-digit",
    month: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const part = (type) => (parts.find((entry) => entry.type === type) || {}).value || "";
  return `${part("hour")}:${part("minute")} ${part("day")}/${part("month")}`;
}

function fileView(file) {
  if (file.unavailable) {
    const line = document.createElement("p");
    line.className = "text unavailable";
    const kind = t(`kind_${file.kind}`);
    const title = file.name ? `${file.name} (${kind})` : kind;
    line.textContent = t("file_unavailable", { file: title });
    return line;
  }
  const media = { voice: "audio", video: "video" }[file.kind];
  if (media && file.mime && file.mime.startsWith(`${media}/`)) {
    const player = document.createElement(media);
    player.controls = true;
    player.preload = "metadata";
    player.src = file.url;
    player.className = media;
    player.setAttribute("aria-label", file.name);
    return player;
  }
  if (file.mime && file.mime.startsWith("image/")) {
    const link = document.createElement("a");
    link.href = file.url;
    link.target = "_blank";
    link.rel = "noopener";
    const image = document.createElement("img");
    image.src = file.url;
    image.alt = t("image_alt", { name: file.name });
    image.className = "image";
    link.append(image);
    return link;
  }
  const link = document.createElement("a");
  link.href = file.url;
  link.download = file.name;
  link.className = "document";
  link.textContent = `📄 ${t("download", { name: file.name })}`;
  return link;
}

function renderMessage(persona, message) {
  const item = document.createElement("li");
  item.className = `message from-${message.from}`;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const who = document.createElement("span");
  who.className = "visually-hidden";
  who.textContent = `${t(message.from === "user" ? "you" : "bot")}: `;
  bubble.append(who);
  if (message.title) {
    const title = document.createElement("strong");
    title.className = "title";
    title.textContent = message.title;
    bubble.append(title);
  }
  if (message.text) {
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = message.text;
    bubble.append(text);
  }
  for (const file of [message.image, message.document, message.attachment]) {
    if (file) {
      bubble.append(fileView(file));
    }
  }
  const time = document.createElement("time");
  time.className = "time";
  time.dateTime = message.at;
  time.textContent = formatTime(message.at);
  bubble.append(time);
  item.append(bubble);
  if (message.buttons && message.buttons.length) {
    const rows = document.createElement("div");
    rows.className = "buttons";
    for (const row of message.buttons) {
      const line = document.createElement("div");
      line.className = "button-row";
      for (const button of row) {
        const element = document.createElement("button");
        element.type = "button";
        element.className = "choice";
        element.textContent = button.label;
        element.addEventListener("click", () =>
          send(persona, { payload: button.payload, label: button.label }),
        );
        line.append(element);
      }
      rows.append(line);
    }
    item.append(rows);
  }
  return item;
}

async function send(persona, data) {
  try {
    const result = await postJson(`/api/personas/${encodeURIComponent(persona)}/messages`, {
      ...data,
      id: newId(),
    });
    // The person may have changed language with /language: follow it.
    if (result.locale && result.locale !== state.locale && persona === state.persona) {
      await selectPersona(persona);
    }
  } catch (error) {
    setStatus(error.message);
  }
}

async function upload(persona, file) {
  setStatus(t("uploading", { name: file.name }));
  try {
    await api(
      `/api/personas/${encodeURIComponent(persona)}/files?name=${encodeURIComponent(file.name)}`,
      {
        method: "POST",
        headers: { "Content-Type": file.type || "application/octet-stream" },
        body: file,
      },
    );
    setStatus("");
  } catch (error) {
    setStatus(error.message);
  }
}

async function jump(target) {
  try {
    const result = await postJson("/api/clock/jump", { to: target, persona: state.persona });
    showClock(result.clock);
    setStatus(result.status);
  } catch (error) {
    setStatus(error.message);
  }
}

async function refreshClock() {
  try {
    showClock(await api(`/api/clock?persona=${encodeURIComponent(state.persona)}`));
  } catch {
    // The next refresh tries again; the status line is for what the visitor did.
  }
}

function wire() {
  byId("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = byId("message");
    const text = input.value.trim();
    if (!text) {
      return;
    }
    input.value = "";
    send(state.persona, { text });
  });
  byId("attach").addEventListener("click", () => byId("file").click());
  byId("file").addEventListener("change", async (event) => {
    const persona = state.persona;
    for (const file of event.target.files) {
      await upload(persona, file);
    }
    event.target.value = "";
  });
  for (const button of document.querySelectorAll(".language")) {
    button.addEventListener("click", async () => {
      try {
        applyPage(
          await postJson(`/api/personas/${encodeURIComponent(state.persona)}/locale`, {
            locale: button.dataset.locale,
          }),
        );
      } catch (error) {
        setStatus(error.message);
      }
    });
  }
  byId("jump-quarter").addEventListener("click", () => jump("next_quarter"));
  byId("jump-end").addEventListener("click", () => jump("quarter_end"));
  setInterval(refreshClock, 30000);
}

wire();
selectPersona(state.persona)
  .then(() => {
    if (!state.personas.some((persona) => persona.key === state.persona)) {
      return selectPersona("director");
    }
    return undefined;
  })
  .then(listen);
